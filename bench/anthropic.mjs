// Per-call overhead of the Anthropic instrumentation: a plain messages.create
// and a streamed one with 53 events, answered in-process by the client's `fetch`.
// Same design as bench/openai.mjs (the shared measurement is bench/paired.mjs):
// each configuration runs in its own child process; inside it, short batches
// alternate between an uninstrumented and an instrumented call path, and the
// median of the paired differences is the added cost (CPU time).
//   humanloop - humanloop-otel/anthropic (from dist), content capture on; the
//               SDK's own tracing off; off/on = the instrumentation disabled/enabled
//   sdk       - the SDK's own OpenTelemetry spans (`openTelemetry` client option,
//               contentMode "content"); off/on = a client with it off/on
// Ours is measured on @anthropic-ai/sdk 1.x (the peer's) and 0.x.
import { fileURLToPath } from "node:url";
import { droppingProvider, fixtureFetch, measurePaired, runWorkers } from "./paired.mjs";

const STREAM_DELTAS = 48; // + message_start, content_block_start/stop, message_delta, message_stop = 53 events
const PLAIN_CALLS = 200;
const STREAM_CALLS = 40;

async function worker(config, major) {
  const mod = major === 0 ? await import("anthropic0") : await import("@anthropic-ai/sdk");
  const Anthropic = mod.default ?? mod.Anthropic;
  const provider = await droppingProvider();
  let inst;
  if (config === "humanloop") {
    const { AnthropicInstrumentation } = await import(process.env.HL_DIST ? `${process.env.HL_DIST}/anthropic.js` : "../dist/anthropic.js");
    inst = new AnthropicInstrumentation();
    inst.setTracerProvider(provider);
    inst.manuallyInstrument(mod);
  }
  const { plain, frames } = wireFixtures();
  const fetch = fixtureFetch(plain, frames, "request-id");
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
  // Off calls go to the untraced client, on calls to the SDK-traced one (the same client for "humanloop").
  const figures = await measurePaired({ inst, plainCall, streamCall, plainCalls: PLAIN_CALLS, streamCalls: STREAM_CALLS, off: untraced, on: sdkTraced });
  await provider.shutdown();
  process.stdout.write(JSON.stringify(figures));
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

/** Runs the comparison and prints a table; returns the figures. */
export async function runAnthropicBench() {
  const runs = [["humanloop", 1], ["sdk", 1], ["humanloop", 0]];
  const rows = runWorkers(fileURLToPath(import.meta.url), runs, (config, major) => ({
    client: `@anthropic-ai/sdk ${major}.x`,
    instrumentation: config === "sdk" ? "the SDK's own OpenTelemetry spans" : "humanloop-otel/anthropic",
  }));
  console.log("\nAnthropic per-call overhead: CPU µs per call, median of paired off/on batches in one process (targets: added <= 25 µs plain, <= 60 µs streamed)");
  console.table(rows);
  return rows;
}

if (process.argv[2] === "--worker") await worker(process.argv[3], Number(process.argv[4]));
else if (process.argv[1] === fileURLToPath(import.meta.url)) await runAnthropicBench();
