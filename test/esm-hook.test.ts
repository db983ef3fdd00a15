import { it, expect, afterEach } from "vitest";
import { appServers } from "./fixtures/app-servers.js";
import { runNode } from "./fixtures/spawn-node.js";

// Runs against the built package (npm test builds first): dist/hook.js.
const servers = appServers();
afterEach(() => servers.humanloop.reset());

const env = () => ({ HUMANLOOP_API_KEY: servers.humanloop.apiKey, HUMANLOOP_BASE_URL: servers.humanloop.url, HUMANLOOP_PROJECT: "esm", MODEL_URL: servers.model.url });

it("node --import humanloop-otel/hook patches `import OpenAI from \"openai\"` in an ESM app", async () => {
  const r = await runNode(["--import", "humanloop-otel/hook", "test/fixtures/esm-app.mjs"], env());
  expect(r.code, r.stderr).toBe(0);
  const tree = servers.humanloop.trees().find((t) => t.session_reference_id === "esm-session");
  expect(tree?.roots).toHaveLength(1);
  const root = tree!.roots[0]!;
  expect(root.config).toMatchObject({ type: "tool", name: "ask" });
  expect(root.children).toHaveLength(1);
  expect(root.children[0]!.config).toMatchObject({ type: "model", model: "gpt-4o-mini", provider: "openai" });
});

it("without the hook the ESM import is not patched (only the traced log arrives)", async () => {
  const r = await runNode(["test/fixtures/esm-app.mjs"], env());
  expect(r.code, r.stderr).toBe(0);
  expect(servers.humanloop.logs()).toHaveLength(1);
  expect(servers.humanloop.logs()[0]!.config).toMatchObject({ type: "tool", name: "ask" });
});
