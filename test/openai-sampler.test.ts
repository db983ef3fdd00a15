import { afterAll, beforeAll, expect, it } from "vitest";
import type { Attributes } from "@opentelemetry/api";
import { GenAI, Humanloop, Semconv } from "../src/core/attributes.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { OpenAITestServer } from "../testing/openai-server.js";
import { SDKS } from "./openai-helpers.js";

const server = new OpenAITestServer();
beforeAll(() => server.start());
afterAll(() => server.close());

it("a sampler sees the GenAI attributes meant for sampling at span start; the request parameters are on the span right after", async () => {
  const seen: Attributes[] = [];
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: { shouldSample: (_c, _t, _n, _k, attributes) => (seen.push({ ...attributes }), { decision: 2 }), toString: () => "recording" },
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
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
