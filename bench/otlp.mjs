// OTLP bridge benchmark: many concurrent senders (the OpenTelemetry JS OTLP
// exporters, protobuf and JSON, on loopback) against one bridge process
// (the built `humanloop-otel-bridge`, with its spool) delivering to one
// server process (the built `humanloop-otel-server`). Reports spans/s
// acknowledged and delivered, p50/p99 acknowledgement latency, and the
// bridge's RSS over the run (flat = bounded memory).
//
//   node bench/otlp.mjs [--seconds 60] [--senders 16] [--batch 512]
//   npm run bench -- --otlp-seconds 300
//
// The server keeps every log in memory (its RSS grows; the bridge's must not).
// On a shared machine the wall-clock rate depends on the other processes;
// `bridgeCoreRate` (spans per CPU-second of the bridge process) is the rate
// one core would sustain.
// Imports the built package (run `npm run build` first; `npm run bench` does).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { startServerProcess } from "./exporter.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

/** `--name value` from argv, as a number. */
function flag(argv, name, fallback) {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** A batch of `batch` ended spans (traces of agent <- HTTP <- chat, agent <- tool), as templates. */
async function templateSpans(batch) {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ "service.name": "bench-app" }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer("bench");
  for (let i = 0; i < batch / 4; i++) {
    const agent = tracer.startSpan("agent", { attributes: { "humanloop.kind": "agent", "humanloop.inputs": '{"q":"Where is my order A-17?"}' } });
    const inAgent = trace.setSpan(context.active(), agent);
    const http = tracer.startSpan("POST /v1/chat/completions", { attributes: { "http.request.method": "POST" } }, inAgent);
    tracer.startSpan("chat gpt-4o-mini", {
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Where is my order A-17?" }] }]),
        "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "It ships tomorrow." }], finish_reason: "stop" }]),
      },
    }, trace.setSpan(inAgent, http)).end();
    http.end();
    tracer.startSpan("lookup", { attributes: { "humanloop.kind": "tool", "humanloop.output": "shipped" } }, inAgent).end();
    agent.end();
  }
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

let counter = 0;
/** The templates again under new trace ids (so no span is a duplicate of an earlier one). */
function freshCopy(templates) {
  const ids = new Map();
  const traceOf = (old) => {
    let id = ids.get(old);
    if (!id) ids.set(old, (id = (++counter).toString(16).padStart(16, "0") + old.slice(16)));
    return id;
  };
  return templates.map((s) => {
    const ctx = { ...s.spanContext(), traceId: traceOf(s.spanContext().traceId) };
    const parent = s.parentSpanContext ? { ...s.parentSpanContext, traceId: ctx.traceId } : undefined;
    return {
      name: s.name, kind: s.kind, spanContext: () => ctx, parentSpanContext: parent, startTime: s.startTime, endTime: s.endTime,
      status: s.status, attributes: s.attributes, links: s.links, events: s.events, duration: s.duration, ended: true,
      resource: s.resource, instrumentationScope: s.instrumentationScope,
      droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
    };
  });
}

function startBridgeProcess(serverUrl, spool) {
  const child = spawn(process.execPath, [...(process.env.BRIDGE_NODE_ARGS ?? "").split(" ").filter(Boolean), `${root}dist/bridge-cli.js`, "--port", "0", "--stats-interval", "0", "--max-pending-spans", "50000"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, HUMANLOOP_API_KEY: "test-key", HUMANLOOP_BASE_URL: serverUrl, HUMANLOOP_OTEL_BRIDGE_SPOOL: spool },
  });
  let buffered = "";
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bridge exited with ${code}`)));
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const match = /listening at (\S+)\/v1\/traces/.exec(buffered);
      if (match) resolve({ child, url: match[1] });
    });
  });
}

/** CPU seconds (user + system) a process has used. */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
};
const rssMb = (pid) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export async function runOtlpBench(argv = process.argv.slice(2)) {
  const seconds = flag(argv, argv.includes("--otlp-seconds") ? "--otlp-seconds" : "--seconds", 60);
  const senders = flag(argv, "--senders", 16);
  const batch = flag(argv, "--batch", 512);
  const dir = mkdtempSync(path.join(tmpdir(), "hl-otlp-bench-"));
  const server = await startServerProcess();
  const bridge = await startBridgeProcess(server.url, path.join(dir, "spool.sqlite"));
  const health = async () => (await fetch(`${bridge.url}/healthz`)).json();
  const templates = await templateSpans(batch);
  const latencies = [];
  let acked = 0;
  let refusedRequests = 0;
  const exporters = Array.from({ length: senders }, (_, i) => {
    const Exporter = i % 2 === 0 ? ProtoExporter : JsonExporter;
    return new Exporter({ url: `${bridge.url}/v1/traces`, headers: { "x-api-key": "test-key" }, timeoutMillis: 30_000 });
  });
  const end = performance.now() + seconds * 1000;
  const rss = [];
  const sampler = setInterval(() => rss.push(rssMb(bridge.child.pid)), 1000);
  const cpuBefore = cpuSeconds(bridge.child.pid);
  const started = performance.now();
  await Promise.all(
    exporters.map(async (exporter) => {
      while (performance.now() < end) {
        const spans = freshCopy(templates);
        const t0 = performance.now();
        const result = await new Promise((resolve) => exporter.export(spans, resolve));
        latencies.push(performance.now() - t0);
        if (result.code === 0) acked += spans.length;
        else refusedRequests++;
      }
    }),
  );
  const sendSeconds = (performance.now() - started) / 1000;
  // delivery catches up: wait until nothing is pending in the bridge
  let h = await health();
  while (h.pendingLogs + h.waiting > 0 && performance.now() - started < (seconds + 120) * 1000) {
    await new Promise((r) => setTimeout(r, 200));
    h = await health();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const bridgeCpu = cpuSeconds(bridge.child.pid) - cpuBefore;
  clearInterval(sampler);
  await Promise.all(exporters.map((e) => e.shutdown()));
  latencies.sort((a, b) => a - b);
  const quarter = (q) => rss[Math.min(rss.length - 1, Math.floor((rss.length - 1) * q))];
  const processed = h.delivered + h.passedThrough + h.refused;
  const result = {
    seconds,
    senders: `${senders} (half protobuf, half JSON), ${batch} spans per request`,
    spansAcknowledged: acked,
    ackedPerSecond: Math.round(acked / sendSeconds),
    deliveredPerSecond: Math.round(processed / totalSeconds),
    bridgeCpuSeconds: +bridgeCpu.toFixed(1),
    bridgeCoreRate: Math.round(acked / bridgeCpu),
    drainSeconds: +(totalSeconds - sendSeconds).toFixed(1),
    ackLatencyMs: { p50: +percentile(latencies, 0.5).toFixed(1), p99: +percentile(latencies, 0.99).toFixed(1) },
    failedExports: refusedRequests,
    bridgeRssMb: { at25: quarter(0.25), at50: quarter(0.5), at75: quarter(0.75), end: quarter(1), peak: Math.max(...rss) },
    bridge: h,
  };
  console.log("OTLP bridge:", JSON.stringify(result, null, 1));
  bridge.child.kill("SIGTERM");
  await once(bridge.child, "exit").catch(() => {});
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runOtlpBench();
