import { afterAll, beforeAll, expect, it } from "vitest";
import type { Attributes } from "@opentelemetry/api";
import { GenAI, Humanloop, Semconv } from "../src/core/attributes.js";
import Anthropic from "@anthropic-ai/sdk";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { AnthropicTestServer } from "../testing/anthropic-server.js";
import { OpenAITestServer } from "../testing/openai-server.js";
import { SDKS } from "./openai-helpers.js";

const server = new OpenAITestServer();
let anthropicServer: AnthropicTestServer;
beforeAll(async () => {
  await server.start();
  anthropicServer = await AnthropicTestServer.start();
});
afterAll(() => Promise.all([server.close(), anthropicServer.close()]));

function recordingProvider(seen: Attributes[], exporter: InMemorySpanExporter): TracerProvider {
  return new TracerProvider({
    sampler: { shouldSample: (_c, _t, _n, _k, attributes) => (seen.push({ ...attributes }), { decision: 2 }), toString: () => "recording" },
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
}

it("openai: a sampler sees the GenAI attributes meant for sampling at span start; the request parameters are on the span right after", async () => {
  const seen: Attributes[] = [];
  const exporter = new InMemorySpanExporter();
  const provider = recordingProvider(seen, exporter);
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(provider);
  const mod = SDKS[1].mod;
  instrumentation.manuallyInstrument(mod);
  const client = new mod.OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
  await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], temperature: 0.3 });
  instrumentation.disable();
  const port = Number(new URL(server.url).port);
  expect(seen).toEqual([
    { [GenAI.OPERATION_NAME]: "chat", [GenAI.PROVIDER_NAME]: "openai", [GenAI.REQUEST_MODEL]: "gpt-4o-mini", [Semconv.SERVER_ADDRESS]: "127.0.0.1", [Semconv.SERVER_PORT]: port },
  ]);
  const [span] = exporter.getFinishedSpans();
  expect(span!.attributes).toMatchObject({ [Humanloop.INSTRUMENTED]: true, [GenAI.REQUEST_TEMPERATURE]: 0.3, [GenAI.REQUEST_MODEL]: "gpt-4o-mini" });
});

it("anthropic: a sampler sees the GenAI attributes meant for sampling at span start; the request parameters are on the span right after", async () => {
  const seen: Attributes[] = [];
  const exporter = new InMemorySpanExporter();
  const instrumentation = new AnthropicInstrumentation();
  instrumentation.setTracerProvider(recordingProvider(seen, exporter));
  instrumentation.manuallyInstrument(Anthropic);
  const client = new Anthropic({ apiKey: "k", baseURL: anthropicServer.url, maxRetries: 0, openTelemetry: false });
  await client.messages.create({ model: "claude-test-1", max_tokens: 64, stop_sequences: ["END"], messages: [{ role: "user", content: "hi" }] });
  instrumentation.disable();
  const port = Number(new URL(anthropicServer.url).port);
  expect(seen).toEqual([
    { [GenAI.OPERATION_NAME]: "chat", [GenAI.PROVIDER_NAME]: "anthropic", [GenAI.REQUEST_MODEL]: "claude-test-1", [Semconv.SERVER_ADDRESS]: "127.0.0.1", [Semconv.SERVER_PORT]: port },
  ]);
  const [span] = exporter.getFinishedSpans();
  expect(span!.attributes).toMatchObject({ [Humanloop.INSTRUMENTED]: true, [GenAI.REQUEST_STOP_SEQUENCES]: ["END"], [GenAI.REQUEST_MAX_TOKENS]: 64, [GenAI.REQUEST_STREAM]: false });
});
