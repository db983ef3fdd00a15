import { it, expect } from "vitest";
import { appServers } from "./fixtures/app-servers.js";
import { runNode } from "./fixtures/spawn-node.js";

// Runs against the built package (npm test builds first): dist/index.cjs.
const servers = appServers();

it("a CommonJS app that required openai before register() still gets its calls traced", async () => {
  const r = await runNode(["test/fixtures/cjs-preloaded.cjs"], {
    HUMANLOOP_API_KEY: servers.humanloop.apiKey,
    HUMANLOOP_BASE_URL: servers.humanloop.url,
    MODEL_URL: servers.model.url,
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("done");
  const tree = servers.humanloop.trees().find((t) => t.session_reference_id === "cjs-session");
  expect(tree?.roots[0]?.config).toMatchObject({ type: "tool", name: "ask" });
  expect(tree?.roots[0]?.children.map((c) => c.config)).toEqual([expect.objectContaining({ type: "model", model: "gpt-4o-mini" })]);
});

it("register() does not resolve the provider packages an app has not loaded yet (each costs milliseconds at start); one it loaded, it finds", async () => {
  const fresh = await runNode(["test/fixtures/register-resolves.cjs"], {});
  expect(fresh.code, fresh.stderr).toBe(0);
  expect(JSON.parse(fresh.stdout.trim().split("\n")[0]!)).toEqual([]);

  const preloaded = await runNode(["test/fixtures/register-resolves.cjs"], { PRELOAD: "1" });
  expect(preloaded.code, preloaded.stderr).toBe(0);
  expect(JSON.parse(preloaded.stdout.trim().split("\n")[0]!)).toEqual(["openai"]);
});
