// Per-call cost of the OpenAI instrumentations, side by side in one process
// (the method is in bench/harness.mjs): a plain chat.completions.create and a
// streamed one (53 events, the loop turning between them), with the same
// realistic request (system prompt, 3 messages, one tool), on openai 6 and 7.
//   none        - an unpatched copy of the SDK (the baseline)
//   floor       - a bare span with the attributes we record (content off), set by hand, the call in its context: what the OTel SDK alone costs
//                 (streamed: the span open while the caller reads, each event seen, our response attributes, no lifecycle handling)
//   humanloop   - humanloop-otel/openai (from dist), captureContent off / on (default)
//   contrib     - @opentelemetry/instrumentation-openai, default (content off) / captureMessageContent on
//   openllmetry - @traceloop/instrumentation-openai, default (content on) / traceContent off
//   openinference - @arizeai/openinference-instrumentation-openai, default (content on) / hideInputs+hideOutputs+hideLLMTools
// contrib and OpenLLMetry declare openai <7; on 7 they are patched by hand (their wrappers work there).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { context, metrics, trace } from "@opentelemetry/api";
import { droppingProvider, fixtureFetch, freshCopy, measureKind, onlyFromEnv, printComparison, roundsFromEnv } from "./harness.mjs";

const STREAM_CHUNKS = 50; // + role chunk + finish chunk + usage chunk = 53 events
const PLAIN_CALLS = Number(process.env.BENCH_PLAIN_CALLS ?? 200);
const STREAM_CALLS = Number(process.env.BENCH_STREAM_CALLS ?? 20);

const messages = [
  { role: "system", content: "You are the support agent of an online shop. Answer in one or two sentences; look orders up with the tool." },
  { role: "assistant", content: "Hello! How can I help you with your order today?" },
  { role: "user", content: "Where is my order A-17? It was due on Monday and the tracking page shows nothing." },
];
const tools = [
  {
    type: "function",
    function: {
      name: "lookup_order",
      description: "Looks an order up by its id: status, carrier and expected delivery date.",
      parameters: { type: "object", properties: { order_id: { type: "string", description: "The order id, e.g. A-17" } }, required: ["order_id"] },
    },
  },
];
export const request = { model: "gpt-4o-mini", messages, tools, temperature: 0.2, max_completion_tokens: 256 };

/** A chat completion body and the SSE frames of a 53-event stream, as the API sends them. */
function wireFixtures() {
  const usage = { prompt_tokens: 96, completion_tokens: STREAM_CHUNKS, total_tokens: 96 + STREAM_CHUNKS, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } };
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini-2024-07-18", service_tier: "default", system_fingerprint: "fp_1" };
  const answer = "Your order A-17 shipped on Monday with DHL and should arrive tomorrow; the tracking page updates once the parcel is scanned.";
  const plain = JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: answer, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }], usage });
  const chunk = (delta, finish = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });
  const events = [chunk({ role: "assistant", content: "", refusal: null })];
  for (let i = 0; i < STREAM_CHUNKS; i++) events.push(chunk({ content: "word " }));
  events.push(chunk({}, "stop"), { ...base, choices: [], usage });
  return { plain, frames: events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat("data: [DONE]\n\n") };
}

/** Loads every copy first (so no instrumentation's require hook sees a later load), then patches each with its own instrumentation. */
export async function configurations(pkg, peersBelow7 = true) {
  const { OpenAIInstrumentation: Ours } = await import("../dist/openai.js");
  const { OpenAIInstrumentation: Contrib } = await import("@opentelemetry/instrumentation-openai");
  const { OpenAIInstrumentation: Traceloop } = await import("@traceloop/instrumentation-openai");
  const { OpenAIInstrumentation: OpenInference } = await import("@arizeai/openinference-instrumentation-openai");
  const hidden = { hideInputs: true, hideOutputs: true, hideLLMTools: true };
  const builds = await otherBuilds();
  // [name, patcher]; contrib and OpenLLMetry declare openai <7: on 7 they are patched by hand, as a user would.
  const every = [
    ["none", null],
    ["floor: a bare span with our attributes, call in its context", (mod) => ({ inst: { setTracerProvider: (p) => bareSpans(mod, p.getTracer("floor")) }, patch: () => {} })],
    ["humanloop (content off)", (mod) => manual(new Ours({ captureContent: false }), mod)],
    ["humanloop (default: content on)", (mod) => manual(new Ours(), mod)],
    ...builds.map(([label, Build]) => [`humanloop ${label} (content off)`, (mod) => manual(new Build({ captureContent: false }), mod)]),
    ...(peersBelow7
      ? [
          ["contrib (default: content off)", (mod) => patchContrib(new Contrib(), mod)],
          ["contrib (content on)", (mod) => patchContrib(new Contrib({ captureMessageContent: true }), mod)],
          ["openllmetry (default: content on)", (mod) => manual(new Traceloop(), mod, mod.OpenAI)],
          ["openllmetry (content off)", (mod) => manual(new Traceloop({ traceContent: false }), mod, mod.OpenAI)],
        ]
      : []),
    ["openinference (default: content on)", (mod) => manual(new OpenInference(), mod)],
    ["openinference (content off)", (mod) => manual(new OpenInference({ traceConfig: hidden }), mod)],
  ];
  const kept = new Set(onlyFromEnv(every.map(([name]) => name)));
  const all = every.filter(([name]) => kept.has(name));
  const names = all.map(([name]) => name);
  const patchers = all.map(([, patcher]) => patcher);
  const copies = names.map(() => freshCopy(pkg));
  const { plain, frames } = wireFixtures();
  const fetch = fixtureFetch(plain, frames, "x-request-id");
  const providers = [];
  const configs = [];
  for (let i = 0; i < names.length; i++) {
    const mod = copies[i];
    if (patchers[i]) {
      const provider = await droppingProvider();
      providers.push(provider);
      const { inst, patch } = patchers[i](mod);
      inst.setTracerProvider(provider);
      patch(inst);
    }
    const client = new mod.OpenAI({ apiKey: "k", baseURL: "http://bench.local/v1", fetch, maxRetries: 0 });
    configs.push({ name: names[i], client });
  }
  return { configs, providers };
}

/**
 * `BENCH_BUILDS=label=dir,...`: other builds of this package (a `dist`
 * directory each, e.g. the previous commit's or an experiment's), measured
 * with content off beside this one in the same process.
 */
async function otherBuilds() {
  const specs = (process.env.BENCH_BUILDS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return Promise.all(
    specs.map(async (spec) => {
      const [label, dir] = spec.split("=");
      const { OpenAIInstrumentation } = await import(pathToFileURL(resolve(dir, "openai.js")).href);
      return [label, OpenAIInstrumentation];
    }),
  );
}

const manual = (inst, mod, what = mod) => ({ inst, patch: (i) => i.manuallyInstrument(what) });

/**
 * The least any instrumentation recording our attribute set (content off) can
 * cost: a span started with the 5 sampling attributes, the request parameters
 * and the response attributes set, ended when the promise settles, and the
 * call made in the span's context (as every instrumentation must, so that
 * spans made inside the call, e.g. by an HTTP instrumentation, are its
 * children); no stream or lifecycle handling.
 */
function bareSpans(mod, tracer) {
  const proto = mod.OpenAI.Chat.Completions.prototype;
  const original = proto.create;
  proto.create = function (body, options) {
    const startedAt = body.stream ? performance.now() : 0;
    const span = tracer.startSpan(`chat ${body.model}`, { kind: 2, attributes: { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": body.model, "server.address": "bench.local", "server.port": 80 } });
    const params = { "humanloop.instrumented": true };
    if (body.stream) params["gen_ai.request.stream"] = true;
    params["gen_ai.request.temperature"] = body.temperature;
    params["gen_ai.request.max_tokens"] = body.max_completion_tokens;
    span.setAttributes(params);
    const result = context.with(trace.setSpan(context.active(), span), () => original.call(this, body, options));
    if (body.stream) return result.then((s) => followStream(s, span, startedAt));
    return result.then((r) => {
      endWithResponse(span, r, r.usage, r.choices[0].finish_reason);
      return r;
    });
  };
}

/** Sets the response attributes we record (identity from `head`, usage, finish reason) and ends the span. */
function endWithResponse(span, head, usage, finish) {
  span.setAttributes({ "gen_ai.response.id": head.id, "gen_ai.response.model": head.model, "openai.response.system_fingerprint": head.system_fingerprint, "openai.response.service_tier": head.service_tier });
  span.setAttributes({ "gen_ai.usage.input_tokens": usage.prompt_tokens, "gen_ai.usage.output_tokens": usage.completion_tokens, "gen_ai.usage.cache_read.input_tokens": 0, "gen_ai.usage.reasoning.output_tokens": 0 });
  span.setAttribute("gen_ai.response.finish_reasons", [finish]);
  span.end();
}

/**
 * The least a streamed call's span can cost with our attribute set: open
 * while the caller reads, each event seen as it is read (time to first
 * chunk, the response's identity, finish reason and usage), the response
 * attributes set when the stream ends, or ended as it is when the caller
 * leaves it. No content, no abort, abandonment or shutdown handling.
 */
function followStream(stream, span, startedAt) {
  const iterate = stream[Symbol.asyncIterator].bind(stream);
  let first;
  let finish;
  let usage;
  const seen = (r) => {
    if (r.done) return endWithResponse(span, first, usage, finish);
    const chunk = r.value;
    if (!first) {
      first = chunk;
      span.setAttribute("gen_ai.response.time_to_first_chunk", (performance.now() - startedAt) / 1000);
    }
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    if (chunk.usage) usage = chunk.usage;
  };
  const failed = () => span.end();
  stream[Symbol.asyncIterator] = () => {
    const inner = iterate();
    return {
      next() {
        const p = inner.next();
        p.then(seen, failed);
        return p;
      },
      return(v) {
        span.end();
        return inner.return(v);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
  return stream;
}

function patchContrib(inst, mod) {
  // Its metrics instruments exist only once it has a meter provider (the global no-op one, as in an app without metrics).
  inst.setMeterProvider(metrics.getMeterProvider());
  return { inst, patch: (i) => i.getModuleDefinitions()[0].patch(mod, "6.0.0") };
}

async function benchMajor(pkg, label) {
  const { configs, providers } = await configurations(pkg);
  const plainCall = (client) => client.chat.completions.create(request);
  const streamCall = async (client) => {
    const s = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let n = 0;
    for await (const _ of s) n++;
    if (n !== 53) throw new Error(`expected 53 chunks, got ${n}`);
  };
  const plain = await measureKind(
    "plain",
    configs.map((c) => ({ name: c.name, call: () => plainCall(c.client) })),
    { calls: PLAIN_CALLS, rounds: roundsFromEnv(30) },
  );
  const stream = await measureKind(
    "stream",
    configs.map((c) => ({ name: c.name, call: () => streamCall(c.client) })),
    { calls: STREAM_CALLS, rounds: roundsFromEnv(30) },
  );
  for (const p of providers) await p.shutdown();
  return { label, plain, stream };
}

const PAIRS = [
  ["reference: the floor vs contrib (off)", "floor: a bare span with our attributes, call in its context", "contrib (default: content off)", 0.5],
  ["equal content (off): ours vs contrib", "humanloop (content off)", "contrib (default: content off)", 0.5],
  ["defaults: ours (on) vs contrib (off)", "humanloop (default: content on)", "contrib (default: content off)", 1],
  ["equal content (on): ours vs contrib", "humanloop (default: content on)", "contrib (content on)", 0.5],
  ["equal content (off): ours vs openllmetry", "humanloop (content off)", "openllmetry (content off)", 0.5],
  ["defaults (on): ours vs openllmetry", "humanloop (default: content on)", "openllmetry (default: content on)", 1],
  ["equal content (off): ours vs openinference", "humanloop (content off)", "openinference (content off)", 0.5],
  ["defaults (on): ours vs openinference", "humanloop (default: content on)", "openinference (default: content on)", 1],
];

const MAJORS = { 6: ["openai6", "openai 6"], 7: ["openai", "openai 7"] };

/**
 * Runs the comparison on openai 6 and 7 and prints the tables. Each major runs
 * in its own process: an enabled instrumentation's require hook would patch
 * copies of `openai` loaded after it (all configurations of one major are
 * loaded before any instrumentation is made).
 */
export function runOpenAIBench() {
  for (const major of Object.keys(MAJORS).filter((m) => !process.env.BENCH_MAJOR || m === process.env.BENCH_MAJOR)) {
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--major", major], { stdio: "inherit", env: process.env });
    if (out.status !== 0) throw new Error(`openai bench for openai ${major} failed`);
  }
}

if (process.argv[2] === "--major") printComparison("OpenAI", await benchMajor(...MAJORS[process.argv[3]]), "plain chat.completions.create", PAIRS);
else if (process.argv[1] === fileURLToPath(import.meta.url)) runOpenAIBench();
