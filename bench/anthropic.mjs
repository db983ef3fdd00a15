// Per-call overhead of the Anthropic instrumentation: a plain messages.create
// and a streamed one with 53 events, answered in-process by the client's `fetch`.
// Same design as bench/openai.mjs: each configuration runs in its own child
// process; inside it, short batches alternate between an uninstrumented and an
// instrumented call path, and the median of the paired differences is the
// added cost (CPU time).
//   humanloop - humanloop-otel/anthropic (from dist), content capture on; the
//               SDK's own tracing off; off/on = the instrumentation disabled/enabled
//   sdk       - the SDK's own OpenTelemetry spans (`openTelemetry` client option,
//               contentMode "content"); off/on = a client with it off/on
// Ours is measured on @anthropic-ai/sdk 1.x (the peer's) and 0.x.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const STREAM_DELTAS = 48; // + message_start, content_block_start/stop, message_delta, message_stop = 53 events
const PLAIN_CALLS = 200;
const STREAM_CALLS = 40;

async function worker(config, major) {
  const mod = major === 0 ? await import("anthropic0") : await import("@anthropic-ai/sdk");
  const Anthropic = mod.default ?? mod.Anthropic;
  const { TracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace");
  // Spans go through a real batch processor to an exporter that drops them.
  const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 100_000, scheduledDelayMillis: 200 })] });
  let inst;
  if (config === "humanloop") {
    const { AnthropicInstrumentation } = await import(process.env.HL_DIST ? `${process.env.HL_DIST}/anthropic.js` : "../dist/anthropic.js");
    inst = new AnthropicInstrumentation();
    inst.setTracerProvider(provider);
    inst.manuallyInstrument(mod);
  }
  const encoder = new TextEncoder();
  const { plain, frames: sse } = wireFixtures();
  const frames = sse.map((f) => encoder.encode(f));
  const fetch = async (_url, init) => {
    const body = JSON.parse(init.body);
    if (!body.stream) return new Response(plain, { status: 200, headers: { "content-type": "application/json", "request-id": "req_1" } });
    let i = 0;
    const stream = new ReadableStream({ pull(c) { if (i < frames.length) c.enqueue(frames[i++]); else c.close(); } });
    return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream", "request-id": "req_1" } });
  };
  const options = { apiKey: "k", baseURL: "http://bench.local", fetch, maxRetries: 0 };
  const untraced = new Anthropic({ ...options, openTelemetry: false });
  const sdkTraced = config === "sdk" ? new Anthropic({ ...options, openTelemetry: { tracerProvider: provider, traces: { contentMode: "content" } } }) : untraced;
  const messages = [{ role: "user", content: "Where is my order A-17?" }];
  const params = { model: "claude-bench-1", max_tokens: 256, system: "You are terse.", messages, temperature: 0.2 };
  const plainCall = (client) => client.messages.create(params);
  const streamCall = async (client) => {
    const s = await client.messages.create({ ...params, stream: true });
    let n = 0;
    for await (const _ of s) n++;
    if (n !== 53) throw new Error(`expected 53 events, got ${n}`);
  };
  const time = async (fn, client, calls) => {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await fn(client);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / calls;
  };
  const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
  const diffs = { plain: [], stream: [] };
  const base = { plain: [], stream: [] };
  for (let r = -4; r < rounds; r++) {
    inst?.disable();
    const p0 = await time(plainCall, untraced, PLAIN_CALLS);
    const s0 = await time(streamCall, untraced, STREAM_CALLS);
    inst?.enable();
    const p1 = await time(plainCall, sdkTraced, PLAIN_CALLS);
    const s1 = await time(streamCall, sdkTraced, STREAM_CALLS);
    if (r < 0) continue;
    diffs.plain.push(p1 - p0);
    diffs.stream.push(s1 - s0);
    base.plain.push(p0);
    base.stream.push(s0);
  }
  await provider.shutdown();
  process.stdout.write(JSON.stringify({ basePlain: median(base.plain), baseStream: median(base.stream), addedPlain: median(diffs.plain), addedStream: median(diffs.stream) }));
}

/** A message body and the SSE frames of a 53-event stream, as the API sends them. */
function wireFixtures() {
  const usage = { input_tokens: 21, output_tokens: STREAM_DELTAS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: "standard" };
  const message = { id: "msg_1", type: "message", role: "assistant", model: "claude-bench-1-20260101", stop_sequence: null };
  const plain = JSON.stringify({ ...message, content: [{ type: "text", text: "Your order A-17 shipped yesterday." }], stop_reason: "end_turn", usage });
  const events = [
    { type: "message_start", message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  ];
  for (let i = 0; i < STREAM_DELTAS; i++) events.push({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "word " } });
  events.push(
    { type: "content_block_stop", index: 0 },
    { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: STREAM_DELTAS } },
    { type: "message_stop" },
  );
  return { plain, frames: events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs the comparison and prints a table; returns the figures. */
export async function runAnthropicBench() {
  const self = fileURLToPath(import.meta.url);
  const runs = [["humanloop", 1], ["sdk", 1], ["humanloop", 0]];
  const rows = [];
  for (const [config, major] of runs) {
    const out = spawnSync(process.execPath, [self, "--worker", config, String(major)], { encoding: "utf8", env: process.env });
    if (out.status !== 0) throw new Error(`bench worker ${config}@${major} failed: ${out.stderr}`);
    const f = JSON.parse(out.stdout);
    rows.push({
      client: `@anthropic-ai/sdk ${major}.x`,
      instrumentation: config === "sdk" ? "the SDK's own OpenTelemetry spans" : "humanloop-otel/anthropic",
      "plain: uninstrumented µs": f.basePlain.toFixed(1),
      "plain: added µs": f.addedPlain.toFixed(1),
      "stream(53): uninstrumented µs": f.baseStream.toFixed(1),
      "stream(53): added µs": f.addedStream.toFixed(1),
    });
  }
  console.log("\nAnthropic per-call overhead: CPU µs per call, median of paired off/on batches in one process (targets: added <= 25 µs plain, <= 60 µs streamed)");
  console.table(rows);
  return rows;
}

if (process.argv[2] === "--worker") await worker(process.argv[3], Number(process.argv[4]));
else if (process.argv[1] === fileURLToPath(import.meta.url)) await runAnthropicBench();
