/**
 * The ESM loader hook path, against the built package (npm test builds
 * first): `node --import humanloop-otel/hook` patches `import Anthropic from
 * "@anthropic-ai/sdk"`, and with register() each call is one model log even
 * though the SDK's own tracing is on.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { HumanloopTestServer } from "../testing/index.js";
import { AnthropicTestServer } from "../testing/anthropic-server.js";
import { runNode } from "./fixtures/spawn-node.js";

let humanloop: HumanloopTestServer;
let model: AnthropicTestServer;
beforeAll(async () => {
  humanloop = await HumanloopTestServer.start();
  model = await AnthropicTestServer.start();
});
afterAll(async () => Promise.all([humanloop.close(), model.close()]));
afterEach(() => humanloop.reset());

const env = () => ({ HUMANLOOP_API_KEY: humanloop.apiKey, HUMANLOOP_BASE_URL: humanloop.url, HUMANLOOP_PROJECT: "anthropic-esm", MODEL_URL: model.url });

it("node --import humanloop-otel/hook patches the ESM import: one model log per call, under the traced function", async () => {
  model.reply({ kind: "message", content: [{ type: "text", text: "Hi there." }] }, { kind: "message", content: [{ type: "text", text: "Streamed hi." }] });
  const r = await runNode(["--import", "humanloop-otel/hook", "test/fixtures/anthropic-esm-app.mjs"], env());
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("Hi there. / Streamed hi.");
  const tree = humanloop.trees().find((t) => t.session_reference_id === "anthropic-esm-session");
  expect(tree?.roots).toHaveLength(1);
  const root = tree!.roots[0]!;
  expect(root.config).toMatchObject({ type: "tool", name: "ask" });
  expect(root.children).toHaveLength(2);
  for (const child of root.children) expect(child.config).toMatchObject({ type: "model", model: "claude-test-1", provider: "anthropic" });
  expect(humanloop.logs()).toHaveLength(3);
  const plain = humanloop.logs().find((l) => l.output === "Hi there.") as unknown as { messages: unknown[] };
  expect(plain.messages[0]).toEqual({ role: "system", content: "Be brief." });
});
