import { TracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = { export: (_s, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
const tracer = provider.getTracer("x");
const immediate = () => new Promise((r) => setImmediate(r));
const N = 2000;
async function run(kind) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    if (kind === 1) {
      const span = tracer.startSpan("chat gpt-4o-mini", { kind: 2, attributes: { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini", "server.address": "bench.local", "server.port": 80 } });
      span.setAttributes({ "humanloop.instrumented": true, "gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 256 });
      await Promise.resolve(1);
      span.setAttribute("gen_ai.response.id", "chatcmpl-1"); span.setAttribute("gen_ai.response.model", "gpt-4o-mini-2024"); span.setAttribute("openai.fp", "fp_1"); span.setAttribute("openai.tier", "default");
      span.setAttribute("gen_ai.usage.input_tokens", 96); span.setAttribute("gen_ai.usage.output_tokens", 20); span.setAttribute("c", 0); span.setAttribute("r", 0); span.setAttribute("gen_ai.response.finish_reasons", ["stop"]);
      span.end();
    } else if (kind === 2) {
      const span = tracer.startSpan("chat gpt-4o-mini", { kind: 2, attributes: { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini", "server.address": "bench.local", "server.port": 80 } });
      await context.with(trace.setSpan(context.active(), span), () => Promise.resolve(1));
      span.end();
    } else await Promise.resolve(1);
    await immediate();
  }
  const u = process.cpuUsage(c0); return (u.user + u.system) / N;
}
const r = { 0: [], 1: [], 2: [] };
for (let k = -2; k < 20; k++) for (const kind of [0, 1, 2]) { const v = await run(kind); if (k >= 0) r[kind].push(v); }
const mean = (x) => x.reduce((a, b) => a + b, 0) / x.length;
console.log("base", mean(r[0]).toFixed(1), "span+17 attrs", (mean(r[1]) - mean(r[0])).toFixed(1), "span+5 attrs+context.with", (mean(r[2]) - mean(r[0])).toFixed(1));
await provider.shutdown();
