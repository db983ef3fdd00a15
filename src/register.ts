import { context, createContextKey, diag, ProxyTracerProvider, ROOT_CONTEXT, trace, type TracerProvider as ApiTracerProvider } from "@opentelemetry/api";
import { endPendingCalls } from "../instrumentations/shared/index.js";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { setContentPolicy } from "./core/content-policy.js";
import { ExitFlush } from "./exit-flush.js";
import { LazyOtlpTraceExporter } from "./otlp-exporter.js";
import { instrumentProviders } from "./provider-instrumentation.js";
import { resolveRegisterOptions, type RegisterOptions, type ResolvedRegisterOptions } from "./options.js";
import {
  AsyncLocalStorageContextManager,
  BatchSpanProcessor,
  defaultResource,
  detectResources,
  envDetector,
  TracerProvider,
  type SpanProcessor,
} from "./core/otel-sdk.js";
import { endOpenCalls } from "./tracing/traced-call.js";
import { startEventCollection, startMetrics, stopEventCollection, stopMetrics } from "./signals.js";

/** What `register()` returns. */
export interface Tracing {
  /**
   * The tracer provider spans go to: the one `register()` made and installed
   * globally, or, when the app already had a global provider, that one.
   */
  readonly tracerProvider: ApiTracerProvider;
  /** Delivers everything queued (to Humanloop and the other backends); call it before a serverless handler returns. */
  forceFlush(): Promise<void>;
  /**
   * Ends the spans of streams nobody finished reading (traced and provider
   * streams), delivers everything queued, and stops tracing; an app's own
   * provider (see `tracerProvider`) is flushed, not shut down. Safe to call
   * more than once.
   */
  shutdown(): Promise<void>;
}

// Kept on globalThis so the ESM and CJS builds (or two copies) share one registration.
const STATE_KEY = Symbol.for("humanloop-otel.registration");
interface RegistrationState {
  tracing?: Tracing;
  warnedForeignProvider?: boolean;
}
function state(): RegistrationState {
  const g = globalThis as { [STATE_KEY]?: RegistrationState };
  return (g[STATE_KEY] ??= {});
}

/**
 * Starts tracing in one line: installs an AsyncLocalStorage context manager
 * and a global tracer provider whose spans go to Humanloop
 * (`HumanloopSpanProcessor`) and to any other backend (an OTLP/HTTP exporter
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * is set, plus `spanProcessors` and `exporters`), instruments `openai` and
 * `@anthropic-ai/sdk`, sets the content policy, and flushes on exit. Also,
 * unless the app has its own: a global `LoggerProvider` whose
 * `GenAIEventsProcessor` puts other instrumentations' GenAI message events
 * on their spans, and, with `metricReaders` or `OTEL_EXPORTER_OTLP_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, a global `MeterProvider` for the
 * GenAI metrics (both are shut down with it).
 *
 * Calling it again returns the same handle (the new options are checked,
 * then ignored, with a diag warning). When another tracer provider is
 * already global (e.g. `NodeSDK`), it is not replaced: `register()` says once
 * through the OTel diag logger how to add `HumanloopSpanProcessor` to it.
 *
 * @throws TypeError for an unknown or invalid option.
 */
export function register(options?: RegisterOptions): Tracing {
  const s = state();
  if (s.tracing) {
    if (options !== undefined) {
      resolveRegisterOptions(options); // still a TypeError for a typo, as on the first call
      if (Object.keys(options).length > 0) diag.warn("humanloop-otel: register() was already called; returning the existing handle and ignoring the new options");
    }
    return s.tracing;
  }
  const resolved = resolveRegisterOptions(options);
  s.tracing = resolved.disabled ? disabledTracing() : start(resolved, s);
  return s.tracing;
}

function start(resolved: ResolvedRegisterOptions, s: RegistrationState): Tracing {
  const foreign = globalTracerProvider();
  if (foreign) return joinForeignProvider(foreign, resolved, s);
  // Built before any global change, so an invalid Humanloop option throws with nothing installed.
  const humanloop = new HumanloopSpanProcessor(resolved.humanloop);
  setContentPolicy(resolved.content);
  const processors: SpanProcessor[] = [humanloop];
  if (resolved.otlpEnvVar) processors.push(new BatchSpanProcessor({ exporter: new LazyOtlpTraceExporter() }));
  processors.push(...resolved.spanProcessors, ...resolved.exporters.map((exporter) => new BatchSpanProcessor({ exporter })));

  const resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
  const meterProvider = startMetrics(resolved.metricReaders, resolved.otlpMetricsEnvVar, resource);
  const loggerProvider = startEventCollection();
  let exitFlush: ExitFlush | undefined;
  const flush = async (): Promise<void> => {
    await Promise.all([provider.forceFlush(), meterProvider?.forceFlush()]);
  };
  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (): Promise<void> => (shutdownPromise ??= stop());
  if (resolved.flushOnExit) {
    // The SDK's forceFlush waits 30 s by default on a ref'd timer: bound it by the exit limit, or a
    // finished process with Humanloop unreachable would stay alive that long.
    const exitTimeoutMillis = resolved.exitTimeoutMillis;
    const exitFlushAll = async (): Promise<void> => {
      await Promise.all([provider.forceFlush({ timeoutMillis: exitTimeoutMillis }), meterProvider?.forceFlush({ timeoutMillis: exitTimeoutMillis })]);
    };
    exitFlush = new ExitFlush(exitFlushAll, shutdown, exitTimeoutMillis, endOpenWork);
    processors.push(exitFlush);
  }
  const provider = new TracerProvider({
    resource,
    spanProcessors: processors,
  });
  if (!hasContextManager()) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  const uninstrument = instrumentProviders(provider, resolved.instrumentModules);
  exitFlush?.install();

  async function stop(): Promise<void> {
    exitFlush?.uninstall();
    endOpenWork();
    try {
      await Promise.all([provider.shutdown(), stopMetrics(meterProvider), stopEventCollection(loggerProvider)]);
    } finally {
      uninstrument();
      if (globalTracerProvider() === provider) trace.disable();
      if (state().tracing === tracing) state().tracing = undefined;
    }
  }
  const tracing: Tracing = { tracerProvider: provider, forceFlush: flush, shutdown };
  return tracing;
}

function joinForeignProvider(foreign: ApiTracerProvider, resolved: ResolvedRegisterOptions, s: RegistrationState): Tracing {
  if (!s.warnedForeignProvider) {
    s.warnedForeignProvider = true;
    diag.warn(
      "humanloop-otel: a global tracer provider is already registered, so register() does not replace it and sends nothing to Humanloop by itself. " +
        "Add the Humanloop processor to that provider instead, e.g. new NodeSDK({ spanProcessors: [new HumanloopSpanProcessor()] }) " +
        "or new TracerProvider({ spanProcessors: [new HumanloopSpanProcessor(), ...] }) (HumanloopSpanProcessor is exported by humanloop-otel).",
    );
  }
  setContentPolicy(resolved.content);
  const uninstrument = instrumentProviders(foreign, resolved.instrumentModules);
  const flush = async (): Promise<void> => {
    await (foreign as { forceFlush?: () => Promise<void> }).forceFlush?.();
  };
  let shutdownPromise: Promise<void> | undefined;
  const tracing: Tracing = {
    tracerProvider: foreign,
    forceFlush: flush,
    // The provider belongs to the app: flush it, never shut it down.
    shutdown: () =>
      (shutdownPromise ??= (async () => {
        endOpenWork();
        try {
          await flush();
        } finally {
          uninstrument();
          if (state().tracing === tracing) state().tracing = undefined;
        }
      })()),
  };
  return tracing;
}

/** Ends the spans of results nobody finished reading (traced streams, provider streams), so shutdown exports them. */
function endOpenWork(): void {
  endOpenCalls();
  endPendingCalls();
}

function disabledTracing(): Tracing {
  diag.debug("humanloop-otel: tracing disabled (option disabled or OTEL_SDK_DISABLED)");
  const tracing: Tracing = {
    tracerProvider: trace.getTracerProvider(),
    forceFlush: () => Promise.resolve(),
    shutdown: async () => {
      if (state().tracing === tracing) state().tracing = undefined;
    },
  };
  return tracing;
}

/** The global tracer provider when someone registered one, else undefined. */
function globalTracerProvider(): ApiTracerProvider | undefined {
  const global = trace.getTracerProvider();
  if (!(global instanceof ProxyTracerProvider)) return global; // registered by another copy of the API
  const delegate = global.getDelegate();
  return delegate === new ProxyTracerProvider().getDelegate() ? undefined : delegate;
}

/** Whether a context manager that propagates context is installed (the API's default one does not). */
function hasContextManager(): boolean {
  const key = createContextKey("humanloop-otel.probe");
  return context.with(ROOT_CONTEXT.setValue(key, true), () => context.active().getValue(key) === true);
}
