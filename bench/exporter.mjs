// Exporter benchmark: spans/s delivered to the local Humanloop server in one
// process, and peak RSS for 100,000 spans with the backend down.
// Imports the built package (run `npm run build` first; `npm run bench` does).
import { context, trace } from "@opentelemetry/api";
import { HumanloopSpanProcessor, Humanloop, GenAI } from "../dist/index.js";
import { HumanloopTestServer } from "../dist/testing.js";
import { TracerProvider } from "@opentelemetry/sdk-trace";

const attrs = {
  [Humanloop.INSTRUMENTED]: true,
  [GenAI.PROVIDER_NAME]: "openai",
  [GenAI.OPERATION_NAME]: "chat",
  [GenAI.REQUEST_MODEL]: "gpt-4o-mini",
  [GenAI.INPUT_MESSAGES]: JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Where is my order A-17?" }] }]),
  [GenAI.OUTPUT_MESSAGES]: JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "It ships tomorrow." }], finish_reason: "stop" }]),
  [GenAI.USAGE_INPUT_TOKENS]: 12,
  [GenAI.USAGE_OUTPUT_TOKENS]: 5,
};

function emit(tracer, traces) {
  for (let t = 0; t < traces; t++) {
    const root = tracer.startSpan("answer", { attributes: { [Humanloop.KIND]: "agent", [Humanloop.INPUTS]: '{"q":"x"}' } });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 9; i++) tracer.startSpan("chat gpt-4o-mini", { attributes: attrs }, ctx).end();
    root.setAttribute(Humanloop.OUTPUT, "done");
    root.end();
  }
}

async function throughput(spans) {
  const server = await HumanloopTestServer.start();
  const processor = new HumanloopSpanProcessor({ apiKey: server.apiKey, baseUrl: server.url, project: "bench", maxQueueSize: spans * 2, maxBatchSize: 200, scheduledDelayMillis: 20 });
  const provider = new TracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer("bench");
  const started = performance.now();
  emit(tracer, spans / 10);
  await processor.forceFlush();
  const seconds = (performance.now() - started) / 1000;
  const stored = server.logs().length;
  await provider.shutdown();
  await server.close();
  return { spans, stored, seconds, rate: Math.round(stored / seconds) };
}

async function backendDown(spans) {
  const server = await HumanloopTestServer.start({ faults: { status: { 503: 1 }, retryAfter: null } });
  const processor = new HumanloopSpanProcessor({ apiKey: server.apiKey, baseUrl: server.url, project: "bench", shutdownTimeoutMillis: 2000 });
  const provider = new TracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer("bench");
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  for (let done = 0; done < spans; done += 1000) {
    emit(tracer, 100);
    peak = Math.max(peak, process.memoryUsage().rss);
    await new Promise((r) => setImmediate(r));
  }
  const shutdownStarted = performance.now();
  await provider.shutdown();
  const shutdownMs = Math.round(performance.now() - shutdownStarted);
  clearInterval(timer);
  const stats = processor.stats;
  await server.close();
  return { spans, rssGrowthMB: +((peak - before) / 2 ** 20).toFixed(1), dropped: stats.dropped, failed: stats.failed, shutdownMs };
}

export async function runExporterBench() {
  await throughput(10_000); // warm-up
  const t = await throughput(50_000);
  console.log(`exporter throughput: ${t.stored}/${t.spans} spans delivered in ${t.seconds.toFixed(2)} s = ${t.rate} spans/s (target >= 20,000)`);
  const d = await backendDown(100_000);
  console.log(`backend down, ${d.spans} spans: peak RSS growth ${d.rssGrowthMB} MB (target < 64), dropped ${d.dropped}, given up ${d.failed}, shutdown ${d.shutdownMs} ms`);
  return { throughput: t, backendDown: d };
}

if (import.meta.url === `file://${process.argv[1]}`) await runExporterBench();
