import * as openai7 from "openai";
import * as openai6 from "openai6";
import * as openai5 from "openai5";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "../src/core/otel-sdk.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { OpenAITestServer } from "../testing/openai-server.js";

/** The three SDK majors under test, as ESM namespaces. */
export const SDKS = [
  { major: 7, mod: openai7 as unknown as typeof openai7 },
  { major: 6, mod: openai6 as unknown as typeof openai7 },
  { major: 5, mod: openai5 as unknown as typeof openai7 },
] as const;

export interface Harness {
  server: OpenAITestServer;
  exporter: InMemorySpanExporter;
  provider: TracerProvider;
  instrumentation: OpenAIInstrumentation;
  spans(): ReadableSpan[];
}

export async function harness(): Promise<Harness> {
  const server = new OpenAITestServer();
  await server.start();
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(provider);
  for (const { mod } of SDKS) instrumentation.manuallyInstrument(mod);
  return { server, exporter, provider, instrumentation, spans: () => exporter.getFinishedSpans() };
}

/** Every attribute and event text of the spans, for "no content" checks. */
export function allText(spans: ReadableSpan[]): string {
  return JSON.stringify(spans.map((s) => ({ a: s.attributes, e: s.events, st: s.status })));
}

export const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));
