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
  expect(out).toMatch(/└─ model claude-haiku-4-5 {2}\(anthropic\) {2}tokens 64\/27/);
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

it("HUMANLOOP_API_VERSION=v5 runs the demo on v5 and prints the same trees, from Flow, Prompt and Tool logs", { timeout: 90_000 }, async () => {
  const r = await runNode(["examples/demo.mjs"], { OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "", HUMANLOOP_API_KEY: "", HUMANLOOP_API_VERSION: "v5" });
  expect(r.code, r.stderr).toBe(0);
  const out = r.stdout;
  expect(out).toContain("What Humanloop stored (local server, API v5)");
  expect(out).toMatch(/session order-help\n├─ flow support_agent {2}\d+ms\n│ {2}├─ prompt gpt-4o-mini {2}\(openai\) {2}tokens 112\/18/);
  expect(out).toMatch(/│ {2}├─ tool lookup_order/);
  expect(out).toMatch(/│ {2}├─ tool track_package/);
  expect(out).toMatch(/│ {2}└─ prompt gpt-4o-mini {2}\(openai\) {2}tokens 205\/24/);
  expect(out).toMatch(/└─ flow streamed_summary .*\n {3}└─ prompt gpt-4o-mini {2}\(openai\) {2}tokens 41\/11/);
  expect(out).toMatch(/session returns\n└─ flow returns_agent .*\n {3}├─ tool issue_refund .*error: .*Refunds above \$500 need approval/);
  expect(out).toMatch(/└─ prompt claude-haiku-4-5 {2}\(anthropic\) {2}tokens 64\/27/);
  expect(out).toContain("11 logs, 2 sessions, 0 rejected requests.");
  const store = HumanloopStore.open({ path: ".humanloop/demo.db" });
  try {
    const logs = store.allLogs();
    expect(logs.map((l) => l.api_version)).toEqual(Array(11).fill("v5"));
    expect(logs.filter((l) => l.log_status === "complete")).toHaveLength(3);
    expect(store.files.allFiles().map((f) => `${f.kind} ${f.path}`).sort()).toEqual([
      "flow support-bot/returns_agent",
      "flow support-bot/streamed_summary",
      "flow support-bot/support_agent",
      "prompt support-bot/claude-haiku-4-5",
      "prompt support-bot/gpt-4o-mini",
      "tool support-bot/issue_refund",
      "tool support-bot/lookup_order",
      "tool support-bot/track_package",
    ]);
  } finally {
    store.close();
  }
});
