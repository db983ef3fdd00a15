// A one-off check of the store's session list (not part of `npm run bench`):
// the viewer bench's data (100,000 logs in 10,000 sessions, and one session
// of 1,000) in a file database, then the first page,
// a project filter, errors only, a deep page and a text search, timed.
// Run: node --import ./bench/ts-hook.mjs bench/session-list.mjs [db path]
import { rmSync } from "node:fs";
import { HumanloopStore } from "../server/store.ts";
import { fill } from "./viewer.mjs";

const path = process.argv[2] ?? ".bench-sessions/sessions.db";
for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
const store = HumanloopStore.open({ path });
const t0 = performance.now();
fill(store);
console.log(`stored 101,000 logs in 10,001 sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s (the viewer bench's data: bench/viewer.mjs)`);

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
time("user filter", { user: "u-10" });
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
