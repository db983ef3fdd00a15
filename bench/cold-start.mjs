// Cold start, for serverless users: a fresh Node process that loads the
// package, calls register() and shutdown(), against bare Node and against the
// usual alternative (contrib's OpenAI instrumentation + the OTel SDK + the
// OTLP exporter). Configurations alternate run by run; each figure is the
// median over runs of the whole process (spawn to exit, wall) and of its peak
// RSS, minus bare Node's. Imports the built package (`npm run build` first).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const root = fileURLToPath(new URL("..", import.meta.url));
const report = `process.on("exit", () => process.stdout.write(JSON.stringify({ rss: process.resourceUsage().maxRSS })));`;

const scripts = {
  "bare Node": `${report}`,
  "humanloop-otel (CommonJS: require, register, shutdown)": `${report}
    const { register } = require("./dist/index.cjs");
    register({ apiKey: "k" }).shutdown();`,
  "humanloop-otel (ESM: import, register, shutdown)": `${report}
    import("./dist/index.js").then(({ register }) => register({ apiKey: "k" }).shutdown());`,
  "the OTel SDK packages we build on, alone, CommonJS (floor)": `${report}
    const { context, trace } = require("@opentelemetry/api");
    const { TracerProvider } = require("@opentelemetry/sdk-trace");
    require("@opentelemetry/resources");
    const { AsyncLocalStorageContextManager } = require("@opentelemetry/context-async-hooks");
    require("@opentelemetry/instrumentation");
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const provider = new TracerProvider();
    trace.setGlobalTracerProvider(provider);
    provider.shutdown();`,
  "the same SDK packages alone, ESM (floor)": `${report}
    Promise.all(["@opentelemetry/api", "@opentelemetry/sdk-trace", "@opentelemetry/resources", "@opentelemetry/context-async-hooks", "@opentelemetry/instrumentation"].map((m) => import(m)))
      .then(([{ context, trace }, { TracerProvider }, , { AsyncLocalStorageContextManager }]) => {
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
        const provider = new TracerProvider();
        trace.setGlobalTracerProvider(provider);
        provider.shutdown();
      });`,
  "OTel SDK + contrib openai + OTLP exporter": `${report}
    const { context, trace } = require("@opentelemetry/api");
    const { TracerProvider, BatchSpanProcessor } = require("@opentelemetry/sdk-trace");
    const { AsyncLocalStorageContextManager } = require("@opentelemetry/context-async-hooks");
    const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http");
    const { registerInstrumentations } = require("@opentelemetry/instrumentation");
    const { OpenAIInstrumentation } = require("@opentelemetry/instrumentation-openai");
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] });
    trace.setGlobalTracerProvider(provider);
    registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()], tracerProvider: provider });
    provider.shutdown();`,
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runOnce(code) {
  const env = { ...process.env };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  delete env.NODE_OPTIONS;
  const t0 = performance.now();
  const out = spawnSync(process.execPath, ["-e", code], { cwd: root, encoding: "utf8", env });
  const wall = performance.now() - t0;
  if (out.status !== 0) throw new Error(`cold-start run failed: ${out.stderr}`);
  return { wall, rss: JSON.parse(out.stdout).rss / 1024 };
}

/** Runs the comparison and prints a table; returns the rows. */
export function runColdStartBench() {
  const names = Object.keys(scripts);
  const samples = Object.fromEntries(names.map((n) => [n, { wall: [], rss: [] }]));
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const { wall, rss } = runOnce(scripts[name]);
      samples[name].wall.push(wall);
      samples[name].rss.push(rss);
    }
  }
  const bare = { wall: median(samples["bare Node"].wall), rss: median(samples["bare Node"].rss) };
  const rows = names.map((name) => {
    const s = samples[name];
    const wall = median(s.wall);
    const rss = median(s.rss);
    return {
      configuration: name,
      "process wall ms (median)": wall.toFixed(0),
      "added ms": name === "bare Node" ? "" : (wall - bare.wall).toFixed(0),
      "added ms [min…max]": name === "bare Node" ? "" : `${(Math.min(...s.wall) - bare.wall).toFixed(0)}…${(Math.max(...s.wall) - bare.wall).toFixed(0)}`,
      "peak RSS MB (median)": rss.toFixed(1),
      "added MB": name === "bare Node" ? "" : (rss - bare.rss).toFixed(1),
    };
  });
  console.log(`\nCold start: a fresh process, median of ${RUNS} alternating runs (goal for humanloop-otel: added <= 100 ms and <= 15 MB)`);
  console.table(rows);
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runColdStartBench();
