import { context, diag, DiagLogLevel, trace, type Context, type DiagLogger, type Span, type Tracer } from "@opentelemetry/api";
import { HumanloopTestServer, type Faults } from "../testing/index.js";
import { HumanloopSpanProcessor, HumanloopSpanExporter, type HumanloopExporterOptions } from "../exporters/humanloop/index.js";
import { BatchSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { Humanloop, GenAI } from "../src/core/attributes.js";
import { referenceIdOf } from "../src/core/reference.js";

/** Small backoff and batching settings so fault tests run fast. */
export const FAST: HumanloopExporterOptions = {
  scheduledDelayMillis: 5,
  retryInitialDelayMillis: 2,
  retryMaxDelayMillis: 20,
  retryDeadlineMillis: 20_000,
  requestTimeoutMillis: 2_000,
  parentWaitMillis: 2_000,
};

export async function startServer(faults?: Faults, seed = 7): Promise<HumanloopTestServer> {
  return HumanloopTestServer.start({ ...(faults ? { faults } : {}), seed });
}

/** `server()` starts a local server like {@link startServer}; `closeServers()` (for `afterEach`) closes every one started. */
export function serverPool() {
  const servers: HumanloopTestServer[] = [];
  return {
    async server(...args: Parameters<typeof startServer>) {
      const s = await startServer(...args);
      servers.push(s);
      return s;
    },
    closeServers: () => Promise.all(servers.splice(0).map((s) => s.close())),
  };
}

/** Routes diag warnings and errors into the returned array (undo with `diag.disable()`). */
export function captureDiag(): string[] {
  const lines: string[] = [];
  const log = (msg: string) => lines.push(msg);
  const logger: DiagLogger = { error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return lines;
}

export function withProcessor(server: HumanloopTestServer, options: HumanloopExporterOptions = {}) {
  const processor = new HumanloopSpanProcessor({ apiKey: server.apiKey, baseUrl: server.url, project: "test", ...FAST, ...options });
  const provider = new TracerProvider({ spanProcessors: [processor] });
  return { processor, provider, tracer: provider.getTracer("test") };
}

export function withExporter(server: HumanloopTestServer, options: HumanloopExporterOptions = {}) {
  const exporter = new HumanloopSpanExporter({ apiKey: server.apiKey, baseUrl: server.url, project: "test", ...FAST, ...options });
  const bsp = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 5, maxExportBatchSize: 64 });
  const provider = new TracerProvider({ spanProcessors: [bsp] });
  return { exporter, provider, tracer: provider.getTracer("test") };
}

/** Starts a span as a child of `parent` (or a root). */
export function startChild(tracer: Tracer, name: string, parent: Span | undefined, attributes: Record<string, string | number | boolean> = {}): Span {
  const ctx: Context = parent ? trace.setSpan(context.active(), parent) : context.active();
  return tracer.startSpan(name, { attributes }, ctx);
}

export const tool = (name = "step") => ({ [Humanloop.KIND]: "tool", [Humanloop.INPUTS]: JSON.stringify({ name }) });
export const llm = () => ({
  [Humanloop.INSTRUMENTED]: true,
  [GenAI.PROVIDER_NAME]: "openai",
  [GenAI.OPERATION_NAME]: "chat",
  [GenAI.REQUEST_MODEL]: "gpt-4o-mini",
  [GenAI.INPUT_MESSAGES]: JSON.stringify([{ role: "user", parts: [{ type: "text", content: "hi" }] }]),
  [GenAI.OUTPUT_MESSAGES]: JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "hello" }], finish_reason: "stop" }]),
  [GenAI.USAGE_INPUT_TOKENS]: 3,
  [GenAI.USAGE_OUTPUT_TOKENS]: 2,
});

export const refOf = (span: Span) => referenceIdOf(span.spanContext());
