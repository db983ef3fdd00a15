/**
 * The GenAI metrics of our instrumentations: through an in-memory metric
 * reader given to register() (the OTLP path: metrics-otlp.test.ts); the
 * Humanloop logs of the same calls carry the same token totals, once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { metrics } from "@opentelemetry/api";
import { register } from "../src/index.js";
import { AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { DURATION_BUCKETS, TIME_TO_FIRST_CHUNK_BUCKETS, TOKEN_BUCKETS } from "../instrumentations/shared/metrics.js";
import { HumanloopTestServer } from "../testing/index.js";
import { callServers } from "./fixtures/genai-calls.js";
import { tokenSum, type Log } from "./fixtures/framework-harness.js";

let humanloop: HumanloopTestServer;
const servers = callServers();
beforeAll(async () => {
  humanloop = await HumanloopTestServer.start();
});
afterAll(() => humanloop.close());

interface Point {
  metric: string;
  unit: string;
  attributes: Record<string, unknown>;
  count: number;
  sum: number;
  bounds: number[];
}

function pointsOf(exporter: InMemoryMetricExporter): Point[] {
  const out: Point[] = [];
  for (const rm of exporter.getMetrics()) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of m.dataPoints) {
          const v = p.value as { count: number; sum: number; buckets: { boundaries: number[] } };
          out.push({ metric: m.descriptor.name, unit: m.descriptor.unit, attributes: p.attributes, count: v.count, sum: v.sum, bounds: v.buckets.boundaries });
        }
      }
    }
  }
  return out;
}

it("an in-memory reader given to register() gets token usage, duration and time to first chunk, as the conventions say", async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000 });
  const tracing = register({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "metrics", instrumentModules: { openai: OpenAI, anthropic: Anthropic }, metricReaders: [reader] });
  await servers.calls();
  await tracing.forceFlush();
  const points = pointsOf(exporter);
  const tokens = points.filter((p) => p.metric === "gen_ai.client.token.usage");
  for (const p of tokens) {
    expect(p.unit).toBe("{token}");
    expect(p.bounds).toEqual(TOKEN_BUCKETS);
  }
  const sumOf = (provider: string, type: string) => tokens.filter((p) => p.attributes["gen_ai.provider.name"] === provider && p.attributes["gen_ai.token.type"] === type).reduce((n, p) => n + p.sum, 0);
  expect(sumOf("openai", "input")).toBe(17);
  expect(sumOf("openai", "output")).toBe(8);
  // Anthropic's input_tokens leaves out cached tokens; the conventions' input count includes them.
  expect(sumOf("anthropic", "input")).toBe(22);
  expect(sumOf("anthropic", "output")).toBe(4);
  expect(tokens.find((p) => p.attributes["gen_ai.provider.name"] === "openai")!.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "server.address": "127.0.0.1" });

  const durations = points.filter((p) => p.metric === "gen_ai.client.operation.duration");
  expect(durations.reduce((n, p) => n + p.count, 0)).toBe(4);
  for (const p of durations) {
    expect(p.unit).toBe("s");
    expect(p.bounds).toEqual(DURATION_BUCKETS);
  }
  expect(durations.find((p) => p.attributes["error.type"] !== undefined)).toMatchObject({ count: 1, attributes: { "error.type": "RateLimitError" } });

  const firstChunk = points.filter((p) => p.metric === "gen_ai.client.operation.time_to_first_chunk");
  expect(firstChunk).toHaveLength(1);
  expect(firstChunk[0]).toMatchObject({ count: 1, unit: "s", bounds: TIME_TO_FIRST_CHUNK_BUCKETS });
  // the GenAI conventions' boundaries for this metric, written out (the same as the duration's)
  expect(firstChunk[0]!.bounds).toEqual([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);

  // The Humanloop logs of the same calls: the same totals, counted once.
  const logs = humanloop.logs() as Log[];
  expect(logs).toHaveLength(4);
  expect(tokenSum(logs, "prompt_tokens")).toBe(17 + 22);
  expect(tokenSum(logs, "output_tokens")).toBe(8 + 4);
  const anthropicLog = logs.find((l) => l.config.provider === "anthropic")!;
  expect(anthropicLog.metadata).toMatchObject({ cache_read_input_tokens: 8, cache_creation_input_tokens: 2 });
  expect(logs.find((l) => l.output === "Hi.")!.metadata).toMatchObject({ cache_read_input_tokens: 4, reasoning_output_tokens: 2 });
  await tracing.shutdown();
  // shutdown() takes its MeterProvider off the global again.
  expect(metrics.getMeterProvider().getMeter("x").createHistogram("y").constructor.name).toBe("NoopHistogramMetric");
  humanloop.reset();
});
