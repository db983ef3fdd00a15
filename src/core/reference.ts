import type { SpanContext } from "@opentelemetry/api";

/**
 * The Humanloop `reference_id` of the log made from a span: unique per span,
 * derived from its trace id and span id, so any process that knows the span
 * context can name the log without asking the server.
 */
export function referenceIdOf(spanContext: Pick<SpanContext, "traceId" | "spanId">): string {
  return `${spanContext.traceId}-${spanContext.spanId}`;
}

/** The trace id and span id encoded in a reference made by {@link referenceIdOf}, or undefined for any other string. */
export function parseReferenceId(reference: string): { traceId: string; spanId: string } | undefined {
  const m = /^([0-9a-f]{32})-([0-9a-f]{16})$/.exec(reference);
  return m ? { traceId: m[1]!, spanId: m[2]! } : undefined;
}
