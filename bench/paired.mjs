// The measurement shared by bench/openai.mjs and bench/anthropic.mjs: a client
// answered in-process by its `fetch`, spans dropped behind a real batch processor,
// and short batches alternating off/on in one child process per configuration.
import { spawnSync } from "node:child_process";

/** A tracer provider whose spans go through a real batch processor to an exporter that drops them. */
export async function droppingProvider() {
  const { TracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace");
  const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  return new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 100_000, scheduledDelayMillis: 200 })] });
}

/** A `fetch` answering a plain request with `plain` and a streamed one with the SSE `frames`; `requestIdHeader` names the provider's request-id header. */
export function fixtureFetch(plain, sse, requestIdHeader) {
  const encoder = new TextEncoder();
  const frames = sse.map((f) => encoder.encode(f));
  return async (_url, init) => {
    const body = JSON.parse(init.body);
    if (!body.stream) return new Response(plain, { status: 200, headers: { "content-type": "application/json", [requestIdHeader]: "req_1" } });
    let i = 0;
    const stream = new ReadableStream({ pull(c) { if (i < frames.length) c.enqueue(frames[i++]); else c.close(); } });
    return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream", [requestIdHeader]: "req_1" } });
  };
}

const time = async (fn, arg, calls) => {
  // CPU time of this process, not wall time: other load on the machine then adds little noise.
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn(arg);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Warms up both paths, then alternates short batches with the instrumentation
 * off and on (`plainCall`/`streamCall` get `off`, then `on`); the added cost is
 * the median of the paired differences. CPU µs per call.
 */
export async function measurePaired({ inst, plainCall, streamCall, plainCalls, streamCalls, off, on }) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
  const diffs = { plain: [], stream: [] };
  const base = { plain: [], stream: [] };
  for (let r = -4; r < rounds; r++) {
    inst?.disable();
    const p0 = await time(plainCall, off, plainCalls);
    const s0 = await time(streamCall, off, streamCalls);
    inst?.enable();
    const p1 = await time(plainCall, on, plainCalls);
    const s1 = await time(streamCall, on, streamCalls);
    if (r < 0) continue;
    diffs.plain.push(p1 - p0);
    diffs.stream.push(s1 - s0);
    base.plain.push(p0);
    base.stream.push(s0);
  }
  return { basePlain: median(base.plain), baseStream: median(base.stream), addedPlain: median(diffs.plain), addedStream: median(diffs.stream) };
}

/** Runs `node script --worker config major` for each run; `row` turns one run's figures into a table row. */
export function runWorkers(script, runs, row) {
  const rows = [];
  for (const [config, major] of runs) {
    const out = spawnSync(process.execPath, [script, "--worker", config, String(major)], { encoding: "utf8", env: process.env });
    if (out.status !== 0) throw new Error(`bench worker ${config}@${major} failed: ${out.stderr}`);
    const f = JSON.parse(out.stdout);
    rows.push({
      ...row(config, major),
      "plain: uninstrumented µs": f.basePlain.toFixed(1),
      "plain: added µs": f.addedPlain.toFixed(1),
      "stream(53): uninstrumented µs": f.baseStream.toFixed(1),
      "stream(53): added µs": f.addedStream.toFixed(1),
    });
  }
  return rows;
}
