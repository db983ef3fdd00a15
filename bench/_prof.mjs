import { droppingProvider, freshCopy } from "./harness.mjs";
const which = process.argv[2];
const mod = freshCopy("openai6");
const provider = await droppingProvider();
if (which === "hl" || which === "hlon") {
  const { OpenAIInstrumentation } = await import("../dist/openai.js");
  const i = new OpenAIInstrumentation({ captureContent: which === "hlon" }); i.setTracerProvider(provider); i.manuallyInstrument(mod);
} else if (which === "contrib") {
  const { metrics } = await import("@opentelemetry/api");
  const { OpenAIInstrumentation } = await import("@opentelemetry/instrumentation-openai");
  const i = new OpenAIInstrumentation(); i.setTracerProvider(provider); i.setMeterProvider(metrics.getMeterProvider()); i.getModuleDefinitions()[0].patch(mod, "6.0.0");
}
const plain = JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-4o-mini-2024-07-18", system_fingerprint: "fp_1", choices: [{ index: 0, message: { role: "assistant", content: "Your order shipped.", refusal: null }, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } });
const fetch = async () => new Response(plain, { status: 200, headers: { "content-type": "application/json", "x-request-id": "r" } });
const client = new mod.OpenAI({ apiKey: "k", baseURL: "http://bench.local/v1", fetch, maxRetries: 0 });
const messages = [{ role: "system", content: "You are terse." }, { role: "assistant", content: "Hello!" }, { role: "user", content: "Where is my order A-17?" }];
const tools = [{ type: "function", function: { name: "lookup_order", description: "Looks an order up.", parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] } } }];
const N = Number(process.argv[3] ?? 20000);
import { Session } from "node:inspector/promises";
const session = new Session(); session.connect();
for (let i = 0; i < 500; i++) { await client.chat.completions.create({ model: "gpt-4o-mini", messages, tools, temperature: 0.2 }); await new Promise((r) => setImmediate(r)); }
if (process.env.HEAP) await session.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const t0 = performance.now(); const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) { await client.chat.completions.create({ model: "gpt-4o-mini", messages, tools, temperature: 0.2 }); await new Promise((r) => setImmediate(r)); }
const u = process.cpuUsage(c0);
console.log(which, "wall", ((performance.now() - t0) * 1000 / N).toFixed(1), "cpu", ((u.user + u.system) / N).toFixed(1));
if (process.env.HEAP) { const { profile } = await session.post("HeapProfiler.stopSampling"); (await import("node:fs")).writeFileSync(process.env.HEAP, JSON.stringify({ head: profile.head })); }
await provider.shutdown();
