// Per-call overhead of the OpenAI instrumentation: a plain chat.completions.create
// and a streamed one with 53 chunks, answered in-process by the client's `fetch`.
// Each instrumentation runs in its own child process (patching is process-wide);
// inside it, short batches alternate with the instrumentation disabled and
// enabled on the same client, and the median of the paired differences is the
// added cost. CPU time, so other load on the machine adds little noise.
//   humanloop - humanloop-otel/openai (from dist), content capture on
//   peer      - @opentelemetry/instrumentation-openai 0.22, captureMessageContent on
// The peer supports openai <7, so the comparison runs on openai 6; ours is also measured on openai 7.
import { fileURLToPath } from "node:url";
import { droppingProvider, fixtureFetch, measurePaired, runWorkers } from "./paired.mjs";

const STREAM_CHUNKS = 50; // + role chunk + finish chunk + usage chunk = 53 events
const PLAIN_CALLS = 200;
const STREAM_CALLS = 40;

async function worker(config, major) {
  const mod = major === 7 ? await import("openai") : await import("openai6");
  const { metrics } = await import("@opentelemetry/api");
  const provider = await droppingProvider();
  // Both instrumentations let calls straight through while disabled, so one
  // process measures the same client with and without them.
  let inst;
  if (config === "humanloop") {
    const { OpenAIInstrumentation } = await import(process.env.HL_DIST ? `${process.env.HL_DIST}/openai.js` : "../dist/openai.js");
    inst = new OpenAIInstrumentation();
    inst.setTracerProvider(provider);
    inst.manuallyInstrument(mod);
  } else {
    const { OpenAIInstrumentation } = await import("@opentelemetry/instrumentation-openai");
    inst = new OpenAIInstrumentation({ captureMessageContent: true });
    inst.setTracerProvider(provider);
    inst.setMeterProvider(metrics.getMeterProvider());
    inst.getModuleDefinitions()[0].patch(mod, "6.0.0");
  }
  const { plain, frames } = wireFixtures();
  const fetch = fixtureFetch(plain, frames, "x-request-id");
  const client = new mod.OpenAI({ apiKey: "k", baseURL: "http://bench.local/v1", fetch, maxRetries: 0 });
  const messages = [{ role: "system", content: "You are terse." }, { role: "user", content: "Where is my order A-17?" }];
  const plainCall = () => client.chat.completions.create({ model: "gpt-4o-mini", messages, temperature: 0.2 });
  const streamCall = async () => {
    const s = await client.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } });
    let n = 0;
    for await (const _ of s) n++;
    if (n !== 53) throw new Error(`expected 53 chunks, got ${n}`);
  };
  // Both paths call the same client; only the instrumentation is toggled.
  const figures = await measurePaired({ inst, plainCall, streamCall, plainCalls: PLAIN_CALLS, streamCalls: STREAM_CALLS });
  await provider.shutdown();
  process.stdout.write(JSON.stringify(figures));
}

/** A chat completion body and the SSE frames of a 53-event stream, as the API sends them. */
function wireFixtures() {
  const usage = { prompt_tokens: 21, completion_tokens: STREAM_CHUNKS, total_tokens: 21 + STREAM_CHUNKS, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini-2024-07-18", system_fingerprint: "fp_1" };
  const plain = JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Your order A-17 shipped yesterday.", refusal: null }, logprobs: null, finish_reason: "stop" }], usage });
  const chunk = (delta, finish = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const events = [chunk({ role: "assistant", content: "" })];
  for (let i = 0; i < STREAM_CHUNKS; i++) events.push(chunk({ content: "word " }));
  events.push(chunk({}, "stop"), { ...base, choices: [], usage });
  return { plain, frames: events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat("data: [DONE]\n\n") };
}

/** Runs the comparison and prints a table; returns the figures. */
export async function runOpenAIBench() {
  const runs = [["humanloop", 6], ["peer", 6], ["humanloop", 7]];
  const rows = runWorkers(fileURLToPath(import.meta.url), runs, (config, major) => ({
    client: `openai ${major}`,
    instrumentation: config === "peer" ? "@opentelemetry/instrumentation-openai" : "humanloop-otel/openai",
  }));
  console.log("\nOpenAI per-call overhead: CPU µs per call, median of paired off/on batches in one process (targets: added <= 25 µs plain, <= 60 µs streamed)");
  console.table(rows);
  return rows;
}

if (process.argv[2] === "--worker") await worker(process.argv[3], Number(process.argv[4]));
else if (process.argv[1] === fileURLToPath(import.meta.url)) await runOpenAIBench();
