// The measurement shared by bench/openai.mjs and bench/anthropic.mjs, built so
// a result cannot depend on the harness:
// - one process; every configuration (uninstrumented, ours, each peer, each
//   content setting) calls its OWN copy of the provider SDK module (a fresh
//   CommonJS load), patched by that instrumentation alone, through its own
//   tracer provider (OTel SDK 3 `TracerProvider` + `BatchSpanProcessor` to an
//   exporter that drops the spans) and the AsyncLocalStorage context manager;
// - the client is answered in-process by its `fetch`, a stream paced like a
//   socket: the event loop turns before each SSE frame; the loop also turns
//   after every call (as between requests of a server);
// - batches are interleaved in rotating order (round r starts at config r),
//   so load on the machine and garbage collection fall on every config alike;
//   nothing forces or skips GC: a batch pays for the garbage it leaves;
// - per config and round: wall µs per call (mean, GC included) and CPU µs per
//   call; the added cost is the difference with the uninstrumented batch of
//   the same round; reported as the mean over rounds, with the median and the
//   spread (25th-75th percentile) of the per-round differences.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const immediate = () => new Promise((resolve) => setImmediate(resolve));

/** A fresh copy of a CommonJS package (its own classes and prototypes), so each instrumentation patches its own. */
export function freshCopy(name) {
  const entry = require.resolve(name);
  const marker = `/node_modules/${name}/`;
  const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  return require(name);
}

let contextInstalled = false;
/** A tracer provider (OTel SDK 3) whose spans go through a real batch processor to an exporter that drops them. */
export async function droppingProvider() {
  const { TracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace");
  if (!contextInstalled) {
    const { context } = await import("@opentelemetry/api");
    const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextInstalled = true;
  }
  const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  return new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
}

/**
 * A `fetch` answering a plain request with `plain` and a streamed one with the
 * SSE `frames`, the loop turning before each frame as on a socket.
 */
export function fixtureFetch(plain, sse, requestIdHeader) {
  const encoder = new TextEncoder();
  const frames = sse.map((f) => encoder.encode(f));
  return async (_url, init) => {
    const body = JSON.parse(init.body);
    if (!body.stream) return new Response(plain, { status: 200, headers: { "content-type": "application/json", [requestIdHeader]: "req_1" } });
    let i = 0;
    const stream = new ReadableStream({
      async pull(c) {
        await immediate();
        if (i < frames.length) c.enqueue(frames[i++]);
        else c.close();
      },
    });
    return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream", [requestIdHeader]: "req_1" } });
  };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Runs `configs` ({ name, before?(), call() }; the first is the uninstrumented
 * baseline) in interleaved, rotating batches of `calls` calls, `rounds` times
 * after `warmup` rounds. Returns per config the per-call figures and the added
 * cost against the baseline.
 */
export async function measureInterleaved(configs, { calls, rounds, warmup = 3 }) {
  const wall = configs.map(() => []);
  const cpu = configs.map(() => []);
  for (let r = -warmup; r < rounds; r++) {
    for (let k = 0; k < configs.length; k++) {
      const i = (k + (r + warmup)) % configs.length;
      const c = configs[i];
      c.before?.();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let n = 0; n < calls; n++) {
        await c.call();
        await immediate();
      }
      const t1 = performance.now();
      const used = process.cpuUsage(c0);
      if (r < 0) continue;
      wall[i].push(((t1 - t0) * 1000) / calls);
      cpu[i].push((used.user + used.system) / calls);
    }
  }
  return configs.map((c, i) => {
    const dWall = wall[i].map((w, r) => w - wall[0][r]);
    const dCpu = cpu[i].map((u, r) => u - cpu[0][r]);
    return {
      name: c.name,
      wall: mean(wall[i]),
      cpu: mean(cpu[i]),
      addedWall: mean(dWall),
      addedCpu: mean(dCpu),
      wallMedian: quantile(dWall, 0.5),
      wallSpread: [quantile(dWall, 0.25), quantile(dWall, 0.75)],
      cpuMedian: quantile(dCpu, 0.5),
      cpuSpread: [quantile(dCpu, 0.25), quantile(dCpu, 0.75)],
    };
  });
}

const f1 = (x) => x.toFixed(1);
const spread = ([lo, hi]) => `${f1(lo)}…${f1(hi)}`;

/** The table of one measurement: absolute for the baseline, added µs for the others. */
export function addedRows(results) {
  return results.map((r, i) =>
    i === 0
      ? { config: r.name, "wall µs/call": f1(r.wall), "CPU µs/call": f1(r.cpu) }
      : {
          config: r.name,
          "added wall µs (mean)": f1(r.addedWall),
          "wall median [p25…p75]": `${f1(r.wallMedian)} [${spread(r.wallSpread)}]`,
          "added CPU µs (mean)": f1(r.addedCpu),
          "CPU median [p25…p75]": `${f1(r.cpuMedian)} [${spread(r.cpuSpread)}]`,
        },
  );
}

/**
 * Ratios of our added cost to a peer's (wall mean with GC, and CPU mean), each
 * against its goal: `pairs` are [label, ours, peer, goal].
 */
export function ratioRows(results, pairs) {
  const by = Object.fromEntries(results.map((r) => [r.name, r]));
  return pairs.map(([label, ours, peer, goal]) => {
    const a = by[ours];
    const b = by[peer];
    const wall = a.addedWall / b.addedWall;
    const cpu = a.addedCpu / b.addedCpu;
    return {
      comparison: label,
      "ours/peer wall": f1x(wall, b.addedWall),
      "ours/peer CPU": f1x(cpu, b.addedCpu),
      goal: `<= ${goal}`,
      met: wall <= goal && cpu <= goal && b.addedWall > 0 && b.addedCpu > 0 ? "yes" : "no",
    };
  });
}
const f1x = (ratio, peer) => (peer > 0 ? ratio.toFixed(2) : "n/a");

/**
 * The configurations to measure: `BENCH_ONLY` (comma-separated name prefixes,
 * e.g. `humanloop,contrib`) keeps the baseline, the floor and the matching
 * ones; fewer SDK copies in one process make a focused comparison quicker and
 * less noisy. Unset: all of them.
 */
export function onlyFromEnv(names) {
  const only = (process.env.BENCH_ONLY ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (only.length === 0) return names;
  return names.filter((n) => n === "none" || n.startsWith("floor") || only.some((o) => n.startsWith(o)));
}

/** Rows of `pairs` whose two configurations were both measured. */
export function presentPairs(results, pairs) {
  const present = new Set(results.map((x) => x.name));
  return pairs.filter(([, ours, peer]) => present.has(ours) && present.has(peer));
}

/**
 * {@link measureInterleaved} for one kind of call (`plain` or `stream`), or
 * undefined when `BENCH_KIND` names the other kind (unset: both are measured).
 */
export function measureKind(kind, configs, options) {
  const only = process.env.BENCH_KIND;
  return only && only !== kind ? undefined : measureInterleaved(configs, options);
}

/**
 * Prints one SDK major's tables: per kind of call measured (`r.plain`,
 * `r.stream`), the added µs of each configuration and the ratios of the
 * `pairs` whose two configurations were both measured.
 */
export function printComparison(provider, r, plainCall, pairs) {
  for (const kind of ["plain", "stream"]) {
    if (!r[kind]) continue;
    const what = kind === "plain" ? plainCall : "streamed (53 events)";
    console.log(`\n${provider}, ${r.label}, ${what}: µs per call; added = minus the uninstrumented batch of the same round`);
    console.table(addedRows(r[kind]));
    const ratios = ratioRows(r[kind], presentPairs(r[kind], pairs));
    if (ratios.length > 0) console.table(ratios);
  }
}

/** `BENCH_ROUNDS` (default `fallback`). */
export const roundsFromEnv = (fallback) => Number(process.env.BENCH_ROUNDS ?? fallback);
