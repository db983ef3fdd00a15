import { it, expect } from "vitest";
import { HumanloopStore } from "../server/store.js";
import { runNode } from "./fixtures/spawn-node.js";

// Runs against the built package (npm test builds first), as `npm run demo` does.
it("the demo runs the example app locally and prints one tree per session", { timeout: 90_000 }, async () => {
  const r = await runNode(["examples/demo.mjs"], { OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", HUMANLOOP_API_KEY: "" });
  expect(r.code, r.stderr).toBe(0);
  const out = r.stdout;
  expect(out).toContain("order: Your order A-17 has shipped");
  expect(out).toMatch(/session order-help \(sesh_\w+\)\n├─ tool support_agent {2}\d+ms\n│ {2}├─ model gpt-4o-mini {2}\(openai\) {2}tokens 112\/18/);
  expect(out).toMatch(/│ {2}├─ tool lookup_order/);
  expect(out).toMatch(/│ {2}├─ tool track_package/);
  expect(out).toMatch(/└─ tool streamed_summary .*\n {3}└─ model gpt-4o-mini {2}\(openai\) {2}tokens 41\/11/);
  expect(out).toMatch(/session returns \(sesh_\w+\)\n└─ tool returns_agent .*\n {3}├─ tool issue_refund .*error: .*Refunds above \$500 need approval/);
  expect(out).toMatch(/└─ model claude-3-5-haiku-latest {2}\(anthropic\) {2}tokens 64\/27/);
  expect(out).toContain("11 logs, 2 sessions, 0 rejected requests.");
  // What it made stays in the demo database, for `npm run server`.
  expect(out.trimEnd().split("\n").at(-1)).toBe("Stored in .humanloop/demo.db. Browse it later: npm run server, then open http://127.0.0.1:4010/ (the API is at http://127.0.0.1:4010/v4).");
  const store = HumanloopStore.open({ path: ".humanloop/demo.db" });
  try {
    expect(store.logCount).toBe(11);
    expect(store.queries.listSessions().sessions.map((s) => s.reference_id)).toEqual(["returns", "order-help"]);
  } finally {
    store.close();
  }
});
