/**
 * The one module that imports the OpenTelemetry SDK packages. Everything else
 * in the library depends on `@opentelemetry/api` only, plus what this module
 * re-exports, so an SDK major upgrade touches one file.
 */
import { createRequire } from "node:module";

export {
  TracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  InMemorySpanExporter,
} from "@opentelemetry/sdk-trace";
export type {
  ReadableSpan,
  SpanProcessor,
  SpanExporter,
  Span as SdkSpan,
  TracerProviderOptions,
} from "@opentelemetry/sdk-trace";
export { ExportResultCode, hrTimeToMilliseconds, hrTimeDuration, suppressTracing, isTracingSuppressed } from "@opentelemetry/core";
export type { ExportResult } from "@opentelemetry/core";
export { resourceFromAttributes, defaultResource, detectResources, envDetector } from "@opentelemetry/resources";
export type { Resource } from "@opentelemetry/resources";
export { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
export type { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";

/**
 * Loads the OTLP/HTTP trace exporter (with its transformer and metrics SDK,
 * the largest part of a cold start) only for a configuration that exports
 * over OTLP.
 */
export function loadOtlpTraceExporter(): Promise<typeof import("@opentelemetry/exporter-trace-otlp-http").OTLPTraceExporter> {
  return import("@opentelemetry/exporter-trace-otlp-http").then((m) => m.OTLPTraceExporter);
}
export { registerInstrumentations } from "@opentelemetry/instrumentation";
export type { Instrumentation } from "@opentelemetry/instrumentation";
export type { MeterProvider, MetricReader, PushMetricExporter, ResourceMetrics, AggregationTemporality } from "@opentelemetry/sdk-metrics";

/** The metrics SDK's module. */
export type MetricsSdk = typeof import("@opentelemetry/sdk-metrics");

/**
 * Loads the metrics SDK, synchronously (a global `MeterProvider` must be in
 * place before the instrumentations ask for their meters), and only for a
 * configuration that has somewhere to send metrics: most apps never load it.
 */
export function loadMetricsSdk(): MetricsSdk {
  // This file's own location in either build: CommonJS has __filename, ES modules import.meta.url.
  const here = typeof __filename === "string" ? __filename : import.meta.url;
  return createRequire(here)("@opentelemetry/sdk-metrics") as MetricsSdk;
}
export type { LogRecordProcessor, ReadWriteLogRecord } from "@opentelemetry/sdk-logs";

/** The OTLP/HTTP metric exporter's module, loaded only when metrics are to be exported over OTLP. */
export function loadOTLPMetricExporter(): Promise<typeof import("@opentelemetry/exporter-metrics-otlp-http")> {
  return import("@opentelemetry/exporter-metrics-otlp-http");
}
