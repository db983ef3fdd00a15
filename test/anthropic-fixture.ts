/**
 * Shared setup for the Anthropic instrumentation tests: a tracer provider
 * that is also the global one (so the SDK's own tracing, when not turned off,
 * would emit its spans there too), an in-memory exporter, the local Anthropic
 * server, and helpers to read spans.
 */
import { context, trace, type AttributeValue } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "../src/core/otel-sdk.js";
import { AnthropicTestServer } from "../testing/anthropic-server.js";

export const MODEL = "claude-test-1";

export interface Harness {
  exporter: InMemorySpanExporter;
  provider: TracerProvider;
  server: AnthropicTestServer;
}

let contextManagerSet = false;

/** Starts the server and a global tracer provider exporting to memory. */
export async function startHarness(): Promise<Harness> {
  if (!contextManagerSet) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerSet = true;
  }
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(provider);
  const server = await AnthropicTestServer.start();
  return { exporter, provider, server };
}

/** Spans made by this library's instrumentation (not the SDK's own, nor HTTP). */
export function ourSpans(exporter: InMemorySpanExporter): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.attributes["humanloop.instrumented"] === true);
}

/** Spans the Anthropic SDK made itself. */
export function sdkSpans(exporter: InMemorySpanExporter): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name.startsWith("com.anthropic.sdk"));
}

/** The one span of the call; fails when there is not exactly one span in all. */
export function onlySpan(exporter: InMemorySpanExporter): ReadableSpan {
  const spans = exporter.getFinishedSpans();
  if (spans.length !== 1) throw new Error(`expected exactly one span, got ${spans.length}: ${spans.map((s) => `${s.instrumentationScope.name}:${s.name}`).join(", ")}`);
  return spans[0]!;
}

/** A JSON attribute parsed. */
export function json(value: AttributeValue | undefined): unknown {
  if (typeof value !== "string") throw new Error(`not a JSON attribute: ${String(value)}`);
  return JSON.parse(value);
}

/** Waits until `check` holds (for ends that happen after the caller's await, e.g. GC or aborts). */
export async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
