import { createNoopMeter, diag, logs, metrics } from "@opentelemetry/api";
import { GenAIEventsLoggerProvider } from "../exporters/humanloop/index.js";
import {
  ExportResultCode,
  loadMetricsSdk,
  loadOTLPMetricExporter,
  type AggregationTemporality,
  type ExportResult,
  type MeterProvider,
  type MetricsSdk,
  type MetricReader,
  type PushMetricExporter,
  type Resource,
  type ResourceMetrics,
} from "./core/otel-sdk.js";

/**
 * The metrics and logs side of `register()`: a global `MeterProvider` for
 * the GenAI metrics (only when there is somewhere to send them), and a global
 * `LoggerProvider` that collects GenAI events into their spans.
 */

/** The OTLP/HTTP metric exporter, loaded on first use, so apps that export no metrics never load it. */
class LazyOTLPMetricExporter implements PushMetricExporter {
  private readonly exporter: Promise<PushMetricExporter> = loadOTLPMetricExporter().then((m) => new m.OTLPMetricExporter());
  private readonly temporality: MetricsSdk["AggregationTemporality"];

  constructor(temporality: MetricsSdk["AggregationTemporality"]) {
    this.temporality = temporality;
    this.exporter.catch((err: unknown) => diag.error("humanloop-otel: could not load @opentelemetry/exporter-metrics-otlp-http", err));
  }

  export(batch: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.exporter.then(
      (e) => e.export(batch, resultCallback),
      (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
  }

  // The OTLP exporter's default (cumulative), unless the standard variable asks for delta.
  selectAggregationTemporality(): AggregationTemporality {
    return process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE?.trim().toLowerCase() === "delta" ? this.temporality.DELTA : this.temporality.CUMULATIVE;
  }

  async forceFlush(): Promise<void> {
    await (await this.exporter.catch(() => undefined))?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await (await this.exporter.catch(() => undefined))?.shutdown();
  }
}

/** Whether a global `MeterProvider` is registered (the API's default one hands out the no-op meter). */
function hasGlobalMeterProvider(): boolean {
  return metrics.getMeterProvider().getMeter("humanloop-otel.probe") !== createNoopMeter();
}

/**
 * Installs a global `MeterProvider` with `readers`, plus a periodic OTLP/HTTP
 * reader when `otlpEnvVar` names the variable that asked for one. Returns it,
 * or undefined when there is nothing to read metrics or another provider is
 * already global (that one is left as it is, and gets the metrics).
 */
export function startMetrics(readers: MetricReader[], otlpEnvVar: string | undefined, resource: Resource): MeterProvider | undefined {
  if (readers.length === 0 && !otlpEnvVar) return undefined;
  if (hasGlobalMeterProvider()) {
    diag.warn("humanloop-otel: a global MeterProvider is already registered; register() leaves it in place (the GenAI metrics go to it) and ignores metricReaders and the OTLP metrics variables");
    return undefined;
  }
  const sdk = loadMetricsSdk();
  const all = [...readers];
  if (otlpEnvVar) all.push(new sdk.PeriodicExportingMetricReader({ exporter: new LazyOTLPMetricExporter(sdk.AggregationTemporality) }));
  const provider = new sdk.MeterProvider({ resource, readers: all });
  metrics.setGlobalMeterProvider(provider);
  return provider;
}

/** Removes `provider` from the global registration if it is still the one there. */
export function stopMetrics(provider: MeterProvider | undefined): Promise<void> {
  if (!provider) return Promise.resolve();
  if (metrics.getMeterProvider() === provider) metrics.disable();
  return provider.shutdown();
}

const API_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/**
 * Installs a global {@link GenAIEventsLoggerProvider} (GenAI events into
 * their spans, no logs SDK), unless the app has its own `LoggerProvider`
 * (then add a `GenAIEventsProcessor` to it). Returns it, or undefined when
 * another was global.
 */
export function startEventCollection(): GenAIEventsLoggerProvider | undefined {
  if ((globalThis as { [API_GLOBAL]?: { logs?: unknown } })[API_GLOBAL]?.logs !== undefined) return undefined;
  const provider = new GenAIEventsLoggerProvider();
  return logs.setGlobalLoggerProvider(provider) ? provider : undefined;
}

/** Removes `provider` from the global registration if it is still the one there. */
export function stopEventCollection(provider: GenAIEventsLoggerProvider | undefined): void {
  if (provider && logs.getLoggerProvider() === provider) logs.disable();
}
