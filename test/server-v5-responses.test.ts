import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createLogResponse, logResponse, type V5FileInfo } from "../server/v5/responses.js";

// Humanloop's SDK's own response serializers, with the options its clients parse answers with.
const require = createRequire(import.meta.url);
const serialization = require("humanloop5/serialization") as Record<string, { parseOrThrow(raw: unknown, opts: object): Record<string, unknown> }>;
const OPTS = { unrecognizedObjectKeys: "passthrough", allowUnrecognizedUnionMembers: true, allowUnrecognizedEnumValues: true, skipValidation: true, breadcrumbsPrefix: ["response"] };
const parse = (schema: string, raw: unknown) => serialization[schema]!.parseOrThrow(raw, OPTS);

const T = "2025-01-01T00:00:00.000Z";
const file = (kind: V5FileInfo["kind"], kernel: Record<string, unknown>): V5FileInfo => ({
  id: `${kind.slice(0, 2)}_1`,
  kind,
  path: "proj/thing",
  version_id: "v_1",
  kernel,
  created_at: T,
  updated_at: T,
  last_used_at: T,
  version_logs_count: 1,
  total_logs_count: 2,
});

describe("v5 answers the SDK parses", () => {
  it("log answers match the SDK's LogResponse union for each kind", () => {
    const cases: [V5FileInfo["kind"], Record<string, unknown>][] = [
      ["prompt", { model: "gpt-4o" }],
      ["tool", { function: { name: "t", description: "" } }],
      ["flow", { attributes: {} }],
      ["evaluator", {}],
    ];
    for (const [kind, kernel] of cases) {
      const parsed = parse("LogResponse", logResponse({ id: "l1", output: "x", log_status: "complete" }, file(kind, kernel)));
      expect(parsed).toMatchObject({ id: "l1", output: "x", evaluatorLogs: [] });
      expect(parsed[kind]).toMatchObject({ id: `${kind.slice(0, 2)}_1`, path: "proj/thing", name: "thing" });
    }
  });

  it("a log answer without evaluator_logs or a full file is what the SDK refuses", () => {
    const bare = { id: "l1", prompt: { id: "pr_1", path: "proj/thing" } };
    expect(() => parse("LogResponse", bare)).toThrow(/Missing required key/);
  });

  it("create answers carry the ids the SDK reads", () => {
    expect(parse("CreatePromptLogResponse", createLogResponse("prompt", "l1", { id: "pr_1", version_id: "v" }))).toMatchObject({ id: "l1", promptId: "pr_1", versionId: "v" });
    expect(parse("CreateFlowLogResponse", createLogResponse("flow", "l2", { id: "fl_1", version_id: "v" }, { log_status: "incomplete" }))).toEqual({
      id: "l2",
      flowId: "fl_1",
      versionId: "v",
      logStatus: "incomplete",
    });
    expect(parse("CreateEvaluatorLogResponse", createLogResponse("evaluator", "l3", { id: "ev_1", version_id: "v" }, { parent_id: "l1" }))).toMatchObject({ id: "l3", parentId: "l1" });
  });
});
