import { TraceFlags, isSpanContextValid, trace, type Span, type SpanContext } from "@opentelemetry/api";
import { logKindOf } from "../../exporters/humanloop/span-filter.js";
import { spanContextOfResult } from "../core/log-ref-registry.js";
import { referenceIdOf } from "../core/reference.js";

/**
 * Log references: opaque strings naming the Humanloop log made from a span
 * (its `reference_id`), for `feedback()` now or later, here or in another
 * process.
 *
 * @packageDocumentation
 */

/** How many references handed out in this process are remembered as local (oldest forgotten first). */
const MAX_LOCAL_REFERENCES = 10_000;

// References handed out here for spans of this process, so `feedback()` can
// tell "wait for our own delivery" from "ask the server" without the sink's
// help. Shared by both builds through globalThis.
const LOCAL_KEY = Symbol.for("humanloop-otel.local-log-refs");

function localReferences(): Set<string> {
  const g = globalThis as { [LOCAL_KEY]?: Set<string> };
  return (g[LOCAL_KEY] ??= new Set());
}

function rememberLocal(reference: string): void {
  const refs = localReferences();
  if (refs.has(reference)) return;
  refs.add(reference);
  if (refs.size > MAX_LOCAL_REFERENCES) {
    const oldest = refs.values().next().value;
    if (oldest !== undefined) refs.delete(oldest);
  }
}

/** Whether `reference` was handed out in this process for a span of this process (among the last 10,000). */
export function isLocalLogRef(reference: string): boolean {
  return localReferences().has(reference);
}

function sampled(spanContext: SpanContext): boolean {
  return (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}

function referenceFor(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext) || !sampled(spanContext)) return undefined;
  const reference = referenceIdOf(spanContext);
  if (spanContext.isRemote !== true) rememberLocal(reference);
  return reference;
}

/** Whether `span` becomes a Humanloop log; true when its attributes cannot be read (another SDK). */
export function isLoggedSpan(span: Span): boolean {
  const readable = span as Partial<{ name: string; attributes: Record<string, unknown> }>;
  if (typeof readable.name !== "string" || readable.attributes === undefined) return true;
  return logKindOf(readable.name, readable.attributes as never) !== undefined;
}

/**
 * The reference of the active span's log: inside a `traced()` function, that
 * function's log; inside an LLM span, that call's log.
 *
 * @returns `undefined` when no span is active, the active span is not
 * sampled (so never exported), or it is a span that does not become a
 * Humanloop log (an HTTP or database span, for example).
 */
export function currentLogRef(): string | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined || !isLoggedSpan(span)) return undefined;
  return referenceFor(span.spanContext());
}

/**
 * The reference of the log of the provider call that returned `result` (a
 * chat completion, an Anthropic message, a stream) when it was made through
 * this package's instrumentations.
 *
 * @returns `undefined` for any other value, or when the call was not sampled.
 */
export function logRefOf(result: unknown): string | undefined {
  const spanContext = spanContextOfResult(result);
  return spanContext === undefined ? undefined : referenceFor(spanContext);
}

/**
 * The reference of the log made from the span with this context, e.g.
 * `span.spanContext()` of a span you started yourself, or a context received
 * from another service (then the log is that service's).
 *
 * @returns `undefined` for an invalid or unsampled span context.
 * @throws TypeError when `spanContext` is not a span context.
 */
export function logRefOfSpanContext(spanContext: SpanContext): string | undefined {
  if (spanContext === null || typeof spanContext !== "object" || typeof spanContext.traceId !== "string" || typeof spanContext.spanId !== "string") {
    throw new TypeError("logRefOfSpanContext(spanContext): expected an OpenTelemetry SpanContext ({ traceId, spanId, traceFlags }), e.g. span.spanContext()");
  }
  return referenceFor(spanContext);
}
