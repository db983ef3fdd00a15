import type { HumanloopExporterOptions } from "../exporters/humanloop/options.js";
import { captureContentFromEnv, type ContentPolicy, type MaskFunction } from "./core/content-policy.js";
import type { MetricReader, SpanExporter, SpanProcessor } from "./core/otel-sdk.js";
import { DEFAULT_MAX_CONTENT_LENGTH } from "./core/serialize.js";

/**
 * Options of `register()`. Each option wins over its environment variable;
 * the Humanloop options (`apiKey`, `baseUrl`, `project`, batching and retry)
 * are those of `HumanloopSpanProcessor` and are passed to it unchanged.
 */
export interface RegisterOptions extends HumanloopExporterOptions {
  /**
   * Provider SDK modules to patch explicitly, for ESM apps started without
   * `node --import humanloop-otel/hook` and for bundlers. Both the module
   * namespace (`await import("openai")`) and its default export are accepted.
   * Default: none; `openai` and `@anthropic-ai/sdk` are patched when they are
   * `require`d (or imported under the hook).
   */
  instrumentModules?: { openai?: unknown; anthropic?: unknown };
  /** More span processors on the same tracer provider (other backends). Default: none. */
  spanProcessors?: SpanProcessor[];
  /**
   * More span exporters, each behind a `BatchSpanProcessor`. Default: none.
   * An OTLP/HTTP exporter is added by itself when `OTEL_EXPORTER_OTLP_ENDPOINT`
   * or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (configured by the usual
   * `OTEL_EXPORTER_OTLP_*` variables).
   */
  exporters?: SpanExporter[];
  /**
   * Metric readers for the GenAI metrics (`gen_ai.client.token.usage`,
   * `gen_ai.client.operation.duration`,
   * `gen_ai.client.operation.time_to_first_chunk`): with any, or with
   * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` set
   * (which adds a periodic OTLP/HTTP reader, configured by the usual
   * `OTEL_EXPORTER_OTLP_*` and `OTEL_METRIC_EXPORT_INTERVAL` variables),
   * `register()` installs a global `MeterProvider`, unless one is already
   * global (that one then gets the metrics). Default: none, and no
   * `MeterProvider`: the metrics cost nothing.
   */
  metricReaders?: MetricReader[];
  /**
   * Capture prompts, completions, inputs and outputs. Env
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`. Default `true`.
   */
  captureContent?: boolean;
  /** Redacts every captured text before it leaves the process. Default: none. */
  mask?: MaskFunction;
  /** Longest captured attribute, in characters; longer ones are cut with a `…[truncated N chars]` marker. Default 65,536. */
  maxContentLength?: number;
  /**
   * Do nothing: no provider, no instrumentation, no export. Env
   * `OTEL_SDK_DISABLED=true`. Default `false`.
   */
  disabled?: boolean;
  /**
   * Deliver what is queued when the process ends normally (`beforeExit`) or
   * gets SIGTERM. Default `true`.
   */
  flushOnExit?: boolean;
  /** Longest the exit flush waits, in ms. Default 5,000. */
  exitTimeoutMillis?: number;
}

/** `register()` options with env and defaults applied. */
export interface ResolvedRegisterOptions {
  disabled: boolean;
  /** Passed to `HumanloopSpanProcessor`, which resolves and checks them. */
  humanloop: HumanloopExporterOptions;
  content: ContentPolicy;
  /** The env var that asks for an OTLP exporter, if any. */
  otlpEnvVar: string | undefined;
  spanProcessors: SpanProcessor[];
  exporters: SpanExporter[];
  metricReaders: MetricReader[];
  /** The env var that asks for OTLP metrics, if any. */
  otlpMetricsEnvVar: string | undefined;
  instrumentModules: { openai?: unknown; anthropic?: unknown };
  flushOnExit: boolean;
  exitTimeoutMillis: number;
}

const REGISTER_KEYS = [
  "instrumentModules",
  "spanProcessors",
  "exporters",
  "metricReaders",
  "captureContent",
  "mask",
  "maxContentLength",
  "disabled",
  "flushOnExit",
  "exitTimeoutMillis",
] as const;

// Every HumanloopExporterOptions key; the type below fails to compile when the exporter adds one not listed here.
const HUMANLOOP_KEYS = [
  "apiKey",
  "apiVersion",
  "baseUrl",
  "project",
  "source",
  "environment",
  "maxQueueSize",
  "maxBatchSize",
  "maxBatchBytes",
  "scheduledDelayMillis",
  "maxConcurrentRequests",
  "requestTimeoutMillis",
  "retryDeadlineMillis",
  "retryInitialDelayMillis",
  "retryMaxDelayMillis",
  "shutdownTimeoutMillis",
  "parentWaitMillis",
  "earlyLogAfterMillis",
  "maxRememberedLogs",
] as const satisfies readonly (keyof HumanloopExporterOptions)[];
type Unlisted = Exclude<keyof HumanloopExporterOptions, (typeof HUMANLOOP_KEYS)[number]>;
const _allListed: [Unlisted] extends [never] ? true : Unlisted = true;
void _allListed;

const KNOWN = new Set<string>([...REGISTER_KEYS, ...HUMANLOOP_KEYS]);

function fail(message: string): never {
  throw new TypeError(`humanloop-otel: register(): ${message}`);
}

function envFlag(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (!v) return undefined;
  return v === "true" || v === "1" || v === "yes" || v === "on";
}

/** Applies env vars and defaults to `register()` options; throws a `TypeError` naming a bad or unknown option. */
export function resolveRegisterOptions(options: RegisterOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedRegisterOptions {
  if (typeof options !== "object" || options === null) fail('options must be an object, e.g. register({ project: "my-app" }).');
  const humanloop: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!KNOWN.has(key)) fail(`unknown option "${key}". Known options: ${[...KNOWN].join(", ")}.`);
    if ((HUMANLOOP_KEYS as readonly string[]).includes(key)) humanloop[key] = value;
  }
  const o = options;
  check(o.captureContent, "boolean", "captureContent");
  check(o.disabled, "boolean", "disabled");
  check(o.flushOnExit, "boolean", "flushOnExit");
  check(o.mask, "function", "mask");
  checkList(o.spanProcessors, "spanProcessors", ["onStart", "onEnd", "shutdown", "forceFlush"]);
  checkList(o.exporters, "exporters", ["export", "shutdown"]);
  checkList(o.metricReaders, "metricReaders", ["collect", "shutdown", "forceFlush"]);
  if (o.instrumentModules !== undefined && (typeof o.instrumentModules !== "object" || o.instrumentModules === null)) {
    fail('option "instrumentModules" must be an object like { openai: await import("openai") }.');
  }
  for (const key of Object.keys(o.instrumentModules ?? {})) {
    if (key !== "openai" && key !== "anthropic") fail(`instrumentModules.${key} is not supported; use "openai" and/or "anthropic".`);
  }
  const maxContentLength = positive(o.maxContentLength, "maxContentLength", DEFAULT_MAX_CONTENT_LENGTH);
  const otlpEnvVar = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"].find((name) => env[name]?.trim());
  const otlpMetricsEnvVar = ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"].find((name) => env[name]?.trim());
  const content: ContentPolicy = {
    captureContent: o.captureContent ?? captureContentFromEnv(env) ?? true,
    maxContentLength,
  };
  if (o.mask) content.mask = o.mask;
  return {
    disabled: o.disabled ?? envFlag(env.OTEL_SDK_DISABLED) ?? false,
    humanloop: humanloop as HumanloopExporterOptions,
    content,
    otlpEnvVar,
    spanProcessors: o.spanProcessors ?? [],
    exporters: o.exporters ?? [],
    metricReaders: o.metricReaders ?? [],
    otlpMetricsEnvVar,
    instrumentModules: { ...o.instrumentModules },
    flushOnExit: o.flushOnExit ?? true,
    exitTimeoutMillis: positive(o.exitTimeoutMillis, "exitTimeoutMillis", 5_000),
  };
}

function check(value: unknown, type: "boolean" | "function", name: string): void {
  if (value !== undefined && typeof value !== type) fail(`option "${name}" must be a ${type}, got ${typeof value}.`);
}

function checkList(value: unknown, name: string, methods: string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(`option "${name}" must be an array.`);
  value.forEach((item: unknown, i) => {
    const missing = methods.find((m) => typeof (item as Record<string, unknown> | null)?.[m] !== "function");
    if (missing) fail(`${name}[${i}] has no ${missing}() method.`);
  });
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) fail(`option "${name}" must be a number > 0, got ${String(value)}. Leave it out for the default (${fallback}).`);
  return value;
}
