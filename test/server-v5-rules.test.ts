import { describe, expect, it } from "vitest";
import { flowStatusOnCreate, flowStatusOnUpdate } from "../server/v5/flow-status.js";
import { canonicalKernel, kernelText, kindOfFileId, versionId } from "../server/v5/kernel.js";
import {
  duplicateLogIdError,
  resolveFileTarget,
  traceParentError,
  validateV5Body,
  type FileLookup,
  type FileRef,
} from "../server/v5/rules.js";

const files = (...refs: FileRef[]): FileLookup => ({
  byId: (id) => refs.find((f) => f.id === id),
  byPath: (path) => refs.find((f) => f.path === path),
  byVersionId: (v) => (v === "prv_known" ? refs.find((f) => f.kind === "prompt") : undefined),
});

describe("v5 body validation", () => {
  it("accepts what Humanloop's SDK sends for prompts.log and normalizes timestamps", () => {
    const out = validateV5Body("prompt_log", {
      path: "proj/gpt",
      prompt: { model: "gpt-4o", temperature: 0.2, tools: [{ name: "f", description: "d", parameters: { type: "object" } }] },
      messages: [{ role: "developer", content: [{ type: "text", text: "hi" }] }],
      output_message: { role: "assistant", content: "yo", tool_calls: [{ id: "c1", type: "function", function: { name: "f" } }] },
      prompt_tokens: 3,
      start_time: "2025-01-01T00:00:00",
      end_time: "2025-01-01T01:00:00+01:00",
      log_id: "ref-1",
      trace_parent_id: null,
    });
    expect(out).toEqual({
      ok: true,
      body: expect.objectContaining({ start_time: "2025-01-01T00:00:00.000Z", end_time: "2025-01-01T00:00:00.000Z", log_id: "ref-1" }),
    });
    expect(out.ok && "trace_parent_id" in out.body).toBe(false);
  });

  it("ignores and drops unknown fields in lenient mode, at every level", () => {
    const out = validateV5Body("tool_log", { path: "p/t", surprise: 1, tool: { function: { name: "t", description: "", extra: true } } });
    expect(out).toEqual({ ok: true, body: { path: "p/t", tool: { function: { name: "t", description: "", extra: true } } } });
  });

  it("refuses unknown fields with extra_forbidden in strict mode, with FastAPI locations", () => {
    const out = validateV5Body("tool_log", { path: "p/t", surprise: 1, tool: { function: { name: "t", description: "", extra: true } } }, "strict");
    expect(out).toEqual({
      ok: false,
      error: {
        status: 422,
        body: {
          detail: [
            { loc: ["body", "surprise"], msg: "Extra inputs are not permitted", type: "extra_forbidden" },
            { loc: ["body", "tool", "function", "extra"], msg: "Extra inputs are not permitted", type: "extra_forbidden" },
          ],
        },
      },
    });
  });

  it("reports wrong types, a missing model and a missing file name", () => {
    const bad = validateV5Body("prompt_log", { path: 3, prompt: { temperature: "hot" }, prompt_tokens: -1, start_time: "yesterday" });
    expect(bad.ok).toBe(false);
    const types = !bad.ok ? bad.error.body.detail.map((d) => `${d.loc.join(".")}:${d.type}`) : [];
    expect(types).toEqual([
      "body.path:string_type",
      "body.prompt.model:missing",
      "body.prompt.temperature:float_type",
      "body.prompt_tokens:greater_than_equal",
      "body.start_time:datetime_parsing",
    ]);
    expect(validateV5Body("flow_log", { inputs: {} })).toEqual({
      ok: false,
      error: { status: 422, body: { detail: [{ loc: ["body", "path"], msg: expect.stringContaining("path"), type: "missing" }] } },
    });
  });

  it("needs parent_id on an evaluator log and accepts every judgment type", () => {
    expect(validateV5Body("evaluator_log", { path: "rating", judgment: "good" }).ok).toBe(false);
    for (const judgment of [true, 4.5, "good", ["a", "b"], null]) {
      expect(validateV5Body("evaluator_log", { path: "rating", parent_id: "l1", judgment }).ok).toBe(true);
    }
    expect(validateV5Body("evaluator_log", { path: "rating", parent_id: "l1", judgment: { x: 1 } }).ok).toBe(false);
  });

  it("limits a Flow PATCH to its six fields (strict) and needs no file name", () => {
    expect(validateV5Body("flow_update", { log_status: "complete", output: "x" }, "strict").ok).toBe(true);
    const out = validateV5Body("flow_update", { log_status: "done", path: "x" }, "strict");
    expect(!out.ok && out.error.body.detail.map((d) => d.type)).toEqual(["literal_error", "extra_forbidden"]);
  });
});

describe("v5 file targets", () => {
  const prompt: FileRef = { id: "pr_1", kind: "prompt", path: "proj/gpt" };
  const flow: FileRef = { id: "fl_1", kind: "flow", path: "proj/agent" };

  it("finds files by id or path and creates new ones by path", () => {
    expect(resolveFileTarget("prompt", { id: "pr_1" }, files(prompt))).toEqual({ ok: true, file: prompt });
    expect(resolveFileTarget("prompt", { path: "proj/gpt" }, files(prompt))).toEqual({ ok: true, file: prompt });
    expect(resolveFileTarget("prompt", { version_id: "prv_known" }, files(prompt))).toEqual({ ok: true, file: prompt });
    expect(resolveFileTarget("flow", { path: "proj/new" }, files(prompt))).toEqual({ ok: true, file: undefined, path: "proj/new" });
    expect(resolveFileTarget("prompt", { path: "proj/new", prompt: { model: "m" } }, files())).toEqual({ ok: true, file: undefined, path: "proj/new" });
  });

  it("answers 404, 409 path_conflict and 422 as the contract says", () => {
    const status = (kind: "prompt" | "flow", body: Record<string, unknown>) => {
      const out = resolveFileTarget(kind, body, files(prompt, flow));
      return out.ok ? "ok" : `${out.error.status} ${out.error.body.detail[0]!.type}`;
    };
    expect(status("prompt", { id: "pr_9" })).toBe("404 not_found");
    expect(status("prompt", { id: "fl_1" })).toBe("404 not_found");
    expect(status("prompt", { id: "pr_1", path: "proj/other" })).toBe("422 value_error");
    expect(status("prompt", { path: "proj/agent", prompt: { model: "m" } })).toBe("409 path_conflict");
    expect(status("prompt", { path: "proj/fresh" })).toBe("422 missing");
    expect(status("prompt", { version_id: "prv_nope" })).toBe("404 not_found");
  });
});

describe("v5 kernels and versions", () => {
  it("gives the same version to the same kernel whatever the key order or nulls", () => {
    const a = versionId("prompt", "pr_1", { model: "m", temperature: 0.5, other: { b: 1, a: 2 } });
    const b = versionId("prompt", "pr_1", { other: { a: 2, b: 1 }, temperature: 0.5, model: "m", top_p: null });
    expect(a).toBe(b);
    expect(a).toMatch(/^prv_[0-9a-f]{24}$/);
    expect(versionId("prompt", "pr_1", { model: "m", temperature: 0.6 })).not.toBe(a);
    expect(versionId("prompt", "pr_2", { model: "m", temperature: 0.5, other: { b: 1, a: 2 } })).not.toBe(a);
  });

  it("uses each kind's default kernel", () => {
    expect(canonicalKernel("flow", undefined)).toEqual({ attributes: {} });
    expect(canonicalKernel("flow", {})).toEqual({ attributes: {} });
    expect(canonicalKernel("tool", undefined)).toEqual({});
    expect(canonicalKernel("prompt", undefined)).toBeUndefined();
    expect(versionId("flow", "fl_1", undefined)).toBe(versionId("flow", "fl_1", { attributes: {} }));
    expect(kernelText("tool", { function: { name: "t", description: "d" } })).toBe('{"function":{"description":"d","name":"t"}}');
    expect(kindOfFileId("tl_abc")).toBe("tool");
    expect(kindOfFileId("data_abc")).toBeUndefined();
  });
});

describe("v5 tracing rules", () => {
  it("needs a stored parent outside a completed trace", () => {
    expect(traceParentError("l1", { exists: true, inCompletedTrace: false })).toBeUndefined();
    expect(traceParentError("l1", { exists: false, inCompletedTrace: false })?.status).toBe(404);
    expect(traceParentError("l1", { exists: true, inCompletedTrace: true })?.body.detail[0]?.type).toBe("trace_complete");
    expect(duplicateLogIdError("r1")).toEqual({
      status: 409,
      body: { detail: [{ loc: ["body", "log_id"], msg: "log_id r1 is already used", type: "duplicate_log_id" }] },
    });
  });
});

describe("v5 flow log status", () => {
  it("creates complete by default, which needs inputs and an output or error", () => {
    expect(flowStatusOnCreate({ inputs: {}, output: "x" })).toEqual({ ok: true, status: "complete" });
    expect(flowStatusOnCreate({ inputs: {}, error: "boom" })).toEqual({ ok: true, status: "complete" });
    expect(flowStatusOnCreate({ log_status: "incomplete" })).toEqual({ ok: true, status: "incomplete" });
    const bad = flowStatusOnCreate({ output: "x" });
    expect(!bad.ok && bad.error.status).toBe(422);
    const bad2 = flowStatusOnCreate({ inputs: {}, log_status: "complete" });
    expect(!bad2.ok && bad2.error.body.detail.map((d) => d.loc.join("."))).toEqual(["body.output"]);
  });

  it("completes once, with the stored inputs, and never goes back", () => {
    expect(flowStatusOnUpdate("incomplete", { inputs: { q: 1 } }, { log_status: "complete", output: "done" })).toEqual({ ok: true, status: "complete" });
    expect(flowStatusOnUpdate("incomplete", {}, { log_status: "complete", output: "done" }).ok).toBe(false);
    expect(flowStatusOnUpdate("incomplete", { inputs: {} }, { output: "partial" })).toEqual({ ok: true, status: "incomplete" });
    const twice = flowStatusOnUpdate("complete", { inputs: {}, output: "x" }, { log_status: "complete", output: "y" });
    expect(!twice.ok && `${twice.error.status} ${twice.error.body.detail[0]!.type}`).toBe("409 already_complete");
    const back = flowStatusOnUpdate("complete", { inputs: {}, output: "x" }, { log_status: "incomplete" });
    expect(!back.ok && `${back.error.status} ${back.error.body.detail[0]!.type}`).toBe("409 invalid_log_status_transition");
  });
});
