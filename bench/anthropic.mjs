// Per-call cost of the Anthropic instrumentations, side by side in one process
// (the method is in bench/harness.mjs): a plain messages.create and a streamed
// one (53 events, the loop turning between them), with the same realistic
// request (system prompt, 3 messages, one tool), on @anthropic-ai/sdk 1.x and 0.x.
//   none          - an unpatched copy of the SDK, its own tracing off (the baseline)
//   humanloop     - humanloop-otel/anthropic (from dist), content off / on (default: the process-wide
//                   content policy, switched before each batch); the client's own tracing off
//   openinference - @arizeai/openinference-instrumentation-anthropic, default (content on) / hideInputs+hideOutputs+hideLLMTools
//   sdk           - the SDK's own OpenTelemetry spans (`openTelemetry` client option), default
//                   (contentMode "metadata_only") / contentMode "content"; 1.x only
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { droppingProvider, fixtureFetch, freshCopy, measureKind, onlyFromEnv, printComparison, roundsFromEnv } from "./harness.mjs";

const STREAM_DELTAS = 48; // + message_start, content_block_start/stop, message_delta, message_stop = 53 events
const PLAIN_CALLS = Number(process.env.BENCH_PLAIN_CALLS ?? 200);
const STREAM_CALLS = Number(process.env.BENCH_STREAM_CALLS ?? 20);
const POLICY_KEY = Symbol.for("humanloop-otel.content-policy");

const request = {
  model: "claude-bench-1",
  max_tokens: 256,
  temperature: 0.2,
  system: "You are the support agent of an online shop. Answer in one or two sentences; look orders up with the tool.",
  messages: [
    { role: "user", content: "Hi, I have a question about an order." },
    { role: "assistant", content: "Hello! How can I help you with your order today?" },
    { role: "user", content: "Where is my order A-17? It was due on Monday and the tracking page shows nothing." },
  ],
  tools: [
    {
      name: "lookup_order",
      description: "Looks an order up by its id: status, carrier and expected delivery date.",
      input_schema: { type: "object", properties: { order_id: { type: "string", description: "The order id, e.g. A-17" } }, required: ["order_id"] },
    },
  ],
};

/** A message body and the SSE frames of a 53-event stream, as the API sends them. */
function wireFixtures() {
  const usage = { input_tokens: 96, output_tokens: STREAM_DELTAS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: "standard" };
  const message = { id: "msg_1", type: "message", role: "assistant", model: "claude-bench-1-20260101", stop_sequence: null };
  const answer = "Your order A-17 shipped on Monday with DHL and should arrive tomorrow; the tracking page updates once the parcel is scanned.";
  const plain = JSON.stringify({ ...message, content: [{ type: "text", text: answer }], stop_reason: "end_turn", usage });
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

const setCapture = (on) => {
  const policy = globalThis[POLICY_KEY];
  if (policy) policy.captureContent = on;
  else globalThis[POLICY_KEY] = { captureContent: on, maxContentLength: 64 * 1024 };
};

/** Loads every copy first (so no instrumentation's require hook sees a later load), then patches each with its own instrumentation. */
async function configurations(pkg, withSdkTracing) {
  let names = ["none", "humanloop (content off)", "humanloop (default: content on)", "openinference (default: content on)", "openinference (content off)"];
  if (withSdkTracing) names.push("sdk tracing (default: metadata only)", "sdk tracing (content)");
  names = onlyFromEnv(names);
  const copies = names.map(() => freshCopy(pkg));
  const { AnthropicInstrumentation: Ours } = await import("../dist/anthropic.js");
  const { AnthropicInstrumentation: OpenInference } = await import("@arizeai/openinference-instrumentation-anthropic");
  const hidden = { hideInputs: true, hideOutputs: true, hideLLMTools: true };
  const { plain, frames } = wireFixtures();
  const fetch = fixtureFetch(plain, frames, "request-id");
  const providers = [];
  const configs = [];
  for (let i = 0; i < names.length; i++) {
    const mod = copies[i];
    const Anthropic = mod.default ?? mod.Anthropic;
    const name = names[i];
    let openTelemetry = false;
    if (name !== "none") {
      const provider = await droppingProvider();
      providers.push(provider);
      if (name.startsWith("humanloop")) {
        const inst = new Ours();
        inst.setTracerProvider(provider);
        inst.manuallyInstrument(mod);
      } else if (name.startsWith("openinference")) {
        const inst = new OpenInference(name.includes("off") ? { traceConfig: hidden } : {});
        inst.setTracerProvider(provider);
        inst.manuallyInstrument(mod);
      } else {
        openTelemetry = { tracerProvider: provider, traces: { contentMode: name.includes("(content)") ? "content" : "metadata_only" } };
      }
    }
    const client = new Anthropic({ apiKey: "k", baseURL: "http://bench.local", fetch, maxRetries: 0, openTelemetry });
    const before = name.startsWith("humanloop") ? () => setCapture(!name.includes("off")) : undefined;
    configs.push({ name, client, before });
  }
  return { configs, providers };
}

async function benchMajor(pkg, label, withSdkTracing) {
  const { configs, providers } = await configurations(pkg, withSdkTracing);
  const plainCall = (client) => client.messages.create(request);
  const streamCall = async (client) => {
    const s = await client.messages.create({ ...request, stream: true });
    let n = 0;
    for await (const _ of s) n++;
    if (n !== 53) throw new Error(`expected 53 events, got ${n}`);
  };
  const plain = await measureKind(
    "plain",
    configs.map((c) => ({ name: c.name, before: c.before, call: () => plainCall(c.client) })),
    { calls: PLAIN_CALLS, rounds: roundsFromEnv(30) },
  );
  const stream = await measureKind(
    "stream",
    configs.map((c) => ({ name: c.name, before: c.before, call: () => streamCall(c.client) })),
    { calls: STREAM_CALLS, rounds: roundsFromEnv(30) },
  );
  for (const p of providers) await p.shutdown();
  return { label, plain, stream };
}

const PAIRS = [
  ["equal content (off): ours vs openinference", "humanloop (content off)", "openinference (content off)", 0.5],
  ["defaults (on): ours vs openinference", "humanloop (default: content on)", "openinference (default: content on)", 1],
];
const SDK_PAIRS = [
  ["equal content (off): ours vs sdk tracing", "humanloop (content off)", "sdk tracing (default: metadata only)", 0.5],
  ["defaults: ours (on) vs sdk tracing (metadata only)", "humanloop (default: content on)", "sdk tracing (default: metadata only)", 1],
  ["equal content (on): ours vs sdk tracing", "humanloop (default: content on)", "sdk tracing (content)", 0.5],
];

const MAJORS = { 1: ["@anthropic-ai/sdk", "@anthropic-ai/sdk 1.x", true], 0: ["anthropic0", "@anthropic-ai/sdk 0.x", false] };

/** Runs the comparison on @anthropic-ai/sdk 1.x and 0.x, each in its own process (see bench/openai.mjs), and prints the tables. */
export function runAnthropicBench() {
  for (const major of ["1", "0"].filter((m) => !process.env.BENCH_MAJOR || m === process.env.BENCH_MAJOR)) {
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--major", major], { stdio: "inherit", env: process.env });
    if (out.status !== 0) throw new Error(`anthropic bench for ${MAJORS[major][1]} failed`);
  }
}

if (process.argv[2] === "--major") {
  const [pkg, label, withSdkTracing] = MAJORS[process.argv[3]];
  printComparison("Anthropic", await benchMajor(pkg, label, withSdkTracing), "plain messages.create", withSdkTracing ? [...PAIRS, ...SDK_PAIRS] : PAIRS);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) runAnthropicBench();
