// A one-off check of the store's session list (not part of `npm run bench`):
// 100,000 logs in 10,000 sessions in a file database, then the first page,
// a project filter, errors only, a deep page and a text search, timed.
// Run: node --import ./bench/ts-hook.mjs bench/session-list.mjs [db path]
import { rmSync } from "node:fs";
import { HumanloopStore, newId } from "../server/store.ts";

const path = process.argv[2] ?? ".bench-sessions/sessions.db";
for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
const store = HumanloopStore.open({ path });
const projects = ["bot", "ops", "search", "billing"].map((name) => store.ensureProject(name));
const t0 = performance.now();
let n = 0;
for (let s = 0; s < 10_000; s += 1) {
  store.transaction(() => {
    const session = store.createSession(`conv-${s}`);
    const project = projects[s % projects.length];
    let root;
    for (let i = 0; i < 10; i += 1) {
      const log = {
        id: newId("data"),
        project: project.name,
        project_id: project.id,
        session_id: session.id,
        reference_id: `r-${s}-${i}`,
        config: i === 0 ? { type: "tool", name: "agent" } : { type: "model", model: "gpt-4o-mini", provider: "openai" },
        messages: [{ role: "user", content: `question ${s} about order ${i}` }],
        output: `answer ${n}`,
        prompt_tokens: 100,
        output_tokens: 20,
        created_at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
        updates: [],
        received_at: new Date().toISOString(),
        user: `u-${s % 100}`,
        ...(s % 50 === 0 && i === 3 ? { error: "rate limited" } : {}),
        ...(root ? { parent_id: root } : {}),
      };
      store.addLog(log);
      root ??= log.id;
      n += 1;
    }
  });
}
console.log(`stored ${n} logs in 10,000 sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s (one transaction per session)`);

function time(label, filter) {
  store.queries.listSessions(filter); // warm the statement
  const runs = 20;
  const start = performance.now();
  let page;
  for (let i = 0; i < runs; i += 1) page = store.queries.listSessions(filter);
  console.log(`${label.padEnd(28)} ${((performance.now() - start) / runs).toFixed(2)} ms  (total ${page.total}, page ${page.sessions.length})`);
}
time("first page", {});
time("project filter", { project: "ops" });
time("user filter", { user: "u-7" });
time("errors only", { errorsOnly: true });
time("page at offset 9,000", { offset: 9_000 });
{
  // The text index (logs_text) is brought up to date by the first search after logs arrive: here all 100,000.
  const start = performance.now();
  store.queries.listSessions({ text: "conv-1234" });
  console.log(`${"first text search (indexes)".padEnd(28)} ${(performance.now() - start).toFixed(0)} ms`);
}
time("text, common ('order')", { text: "order" });
time("text, rare ('conv-9999')", { text: "conv-9999" });
time("text, in one log ('answer 5')", { text: "answer 55555" });
store.close();
