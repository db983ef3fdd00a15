import { it, expect } from "vitest";
import { runNode } from "./fixtures/spawn-node.js";

// Runs against the built package (npm test builds first): dist/index.cjs in a fresh process.
// module.registerHooks sees every resolution, CommonJS and ESM (the exporter is loaded by import()).
const loaded = (otlp: boolean): string => `
  const files = [];
  require("node:module").registerHooks({ resolve(specifier, ctx, next) { const r = next(specifier, ctx); files.push(r.url); return r; } });
  const { register } = require("./dist/index.cjs");
  const tracing = register({ apiKey: "k", flushOnExit: false });
  tracing.shutdown().then(() => setTimeout(() => {
    console.log(JSON.stringify({
      otlp: files.some((f) => f.includes("/exporter-trace-otlp-http/")),
      transformer: files.some((f) => f.includes("/otlp-transformer/")),
      sdk: files.some((f) => f.includes("/sdk-trace/")),
      metricsSdk: files.some((f) => f.includes("/sdk-metrics/")),
      logsSdk: files.some((f) => f.includes("/sdk-logs/")),
      expectOtlp: ${otlp},
    }));
  }, 50));`;

it("register() without an OTLP endpoint configured never loads the OTLP exporter (cold start)", async () => {
  const r = await runNode(["-e", loaded(false)], { OTEL_EXPORTER_OTLP_ENDPOINT: "", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "" });
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ otlp: false, transformer: false, sdk: true, metricsSdk: false, logsSdk: false, expectOtlp: false });
});

it("register() loads the metrics SDK only when it has somewhere to send metrics, and never the logs SDK", async () => {
  const withReader = `
    const files = [];
    require("node:module").registerHooks({ resolve(specifier, ctx, next) { const r = next(specifier, ctx); files.push(r.url); return r; } });
    const { register } = require("./dist/index.cjs");
    const before = files.some((f) => f.includes("/sdk-metrics/"));
    const { metrics } = require("@opentelemetry/api");
    const reader = { setMetricProducer() {}, collect: async () => ({ resourceMetrics: { resource: {}, scopeMetrics: [] }, errors: [] }), selectAggregationTemporality: () => 1, selectAggregation: () => ({ type: 0 }), selectCardinalityLimit: () => 2000, shutdown: async () => {}, forceFlush: async () => {} };
    const tracing = register({ apiKey: "k", flushOnExit: false, metricReaders: [reader] });
    console.log(JSON.stringify({ before, after: files.some((f) => f.includes("/sdk-metrics/")), provider: metrics.getMeterProvider().constructor.name, logsSdk: files.some((f) => f.includes("/sdk-logs/")) }));
    tracing.shutdown();`;
  const r = await runNode(["-e", withReader], { OTEL_EXPORTER_OTLP_ENDPOINT: "", OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "" });
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true, provider: "MeterProvider", logsSdk: false });
});

it("register() with OTEL_EXPORTER_OTLP_ENDPOINT set loads it (in the background, without delaying register())", async () => {
  const r = await runNode(["-e", loaded(true)], { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "" });
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ otlp: true, transformer: true });
});
