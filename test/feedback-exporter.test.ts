/**
 * Exporter-only mode (the app's own BatchSpanProcessor with
 * HumanloopSpanExporter): feedback given right after a call, before the batch
 * processor has even exported its span, waits for that log in the exporter's
 * queue and attaches to it, as with the processor.
 */
import { context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { HumanloopSpanExporter } from "../exporters/humanloop/index.js";
import { HumanloopTestServer } from "../testing/index.js";
import { getFeedbackSink } from "../src/core/feedback-sink.js";
import { feedback } from "../src/feedback/feedback.js";
import { currentLogRef } from "../src/feedback/log-ref.js";
import { AsyncLocalStorageContextManager, BatchSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { traced } from "../src/tracing/traced.js";

let humanloop: HumanloopTestServer;
let exporter: HumanloopSpanExporter;
let provider: TracerProvider;

beforeAll(async () => {
  vi.stubEnv("HUMANLOOP_API_KEY", "");
  humanloop = await HumanloopTestServer.start();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  exporter = new HumanloopSpanExporter({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "exporter-only", scheduledDelayMillis: 50 });
  // The batch processor exports after 300 ms: the feedback below always comes first.
  provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 300 })] });
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  await humanloop.close();
  trace.disable();
  context.disable();
  vi.unstubAllEnvs();
});

it("feedback given before the batch processor exported the span waits for its log and attaches to it", async () => {
  expect(getFeedbackSink()).toBe(exporter);
  let ref: string | undefined;
  const answer = traced(async function answer() {
    ref = currentLogRef();
    return "42";
  }, { kind: "agent" });
  await answer();
  expect(humanloop.logs()).toHaveLength(0);
  await feedback(ref!, { type: "rating", value: "good" });
  const [log] = humanloop.logs();
  expect(log?.reference_id).toBe(ref);
  expect(humanloop.feedback()).toMatchObject([{ data_id: log!.id, type: "rating", value: "good" }]);
});

it("shutdown() stops it being the feedback sink", async () => {
  const other = new HumanloopSpanExporter({ apiKey: humanloop.apiKey, baseUrl: humanloop.url });
  expect(getFeedbackSink()).toBe(other);
  await other.shutdown();
  expect(getFeedbackSink()).not.toBe(other);
});
