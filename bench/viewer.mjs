// The viewer's server time over a big database: the session list (`/`,
// the query and the whole page) over 100,000 logs in 10,000 sessions, with
// filters and a deep page, and the page of one session of 1,000 logs.
// Imports the TypeScript sources (run with --import ./bench/ts-hook.mjs;
// bench/run.mjs does).
import { mkdirSync, rmSync } from "node:fs";
import { HumanloopStore, newId } from "../server/store.ts";
import { page } from "../server/viewer/layout.ts";
import { listPage } from "../server/viewer/page-list.ts";
import { sessionPage } from "../server/viewer/page-tree.ts";
import { logPage } from "../server/viewer/page-log.ts";

const DIR = ".bench-viewer";

/** 100,000 logs in 10,000 sessions of 10 (a tool root, 9 model calls under it), then one session of 1,000 logs; returns that session and its root. */
export function fill(store) {
  const projects = ["bot", "ops", "search", "billing"].map((name) => store.ensureProject(name));
  let n = 0;
  const log = (project, session, i, parent) => ({
    id: newId("data"),
    project: project.name,
    project_id: project.id,
    session_id: session.id,
    reference_id: `r-${n}`,
    config: i === 0 ? { type: "tool", name: "agent" } : { type: "model", model: "gpt-4o-mini", provider: "openai" },
    messages: [{ role: "system", content: "You are a support agent." }, { role: "user", content: `question ${n} about order ${i}` }],
    output: `answer ${n}`,
    prompt_tokens: 100,
    output_tokens: 20,
    created_at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    duration: 0.2 + (n % 7) / 10,
    metadata: { user_id: `u-${n % 100}` },
    updates: [],
    received_at: new Date().toISOString(),
    ...(n % 500 === 3 ? { error: "rate limited" } : {}),
    ...(parent ? { parent_id: parent } : {}),
  });
  for (let s = 0; s < 10_000; s += 1) {
    store.transaction(() => {
      const session = store.createSession(`conv-${s}`);
      const project = projects[s % projects.length];
      let root;
      for (let i = 0; i < 10; i += 1) {
        const l = log(project, session, i, root);
        store.addLog(l);
        root ??= l.id;
        n += 1;
      }
    });
  }
  // One long session: an agent with 999 steps under it.
  return store.transaction(() => {
    const session = store.createSession("long-run");
    let root;
    for (let i = 0; i < 1_000; i += 1) {
      const l = log(projects[0], session, i, root);
      store.addLog(l);
      root ??= l.id;
      n += 1;
    }
    return { session: session.id, root };
  });
}

function time(label, fn, runs = 20) {
  fn(); // warm
  const times = [];
  let out;
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    out = fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(runs / 2)];
  console.log(`${label.padEnd(44)} median ${median.toFixed(1).padStart(6)} ms  max ${times.at(-1).toFixed(1).padStart(6)} ms  (${(out.length / 1024).toFixed(0)} KiB)`);
  return median;
}

export async function runViewerBench() {
  console.log("\n== viewer: server time to build pages, 100,000 logs in 10,000 sessions (+ one of 1,000 logs), file database ==");
  mkdirSync(DIR, { recursive: true });
  const path = `${DIR}/viewer.db`;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  const store = HumanloopStore.open({ path, synchronous: "normal" });
  const t0 = performance.now();
  const long = fill(store);
  console.log(`filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const list = (query) => () => {
    const { title, body } = listPage(store, new URL(`http://x/${query}`));
    return page(title, body).text;
  };
  const results = {
    list: time("/ (first page of sessions + traces)", list("")),
    project: time("/?project=ops", list("?project=ops")),
    user: time("/?user=u-10", list("?user=u-10")),
    errors: time("/?errors=1", list("?errors=1")),
    deep: time("/?offset=9000", list("?offset=9000")),
    text: time("/?text=question%2099999 (text index)   ", list("?text=question%2099999"), 5),
    session: time("/sessions/{id}, 1,000 logs", () => page("s", sessionPage(store, long.session).body).text),
    log: time("/logs/{id} (the root, 999 children)", () => page("l", logPage(store, long.root).body).text),
  };
  store.close();
  if (!process.env.BENCH_KEEP) rmSync(DIR, { recursive: true, force: true });
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await runViewerBench();
