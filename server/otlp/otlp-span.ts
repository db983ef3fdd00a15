/**
 * The receiver's span: an OTLP span decoded from protobuf or JSON into plain
 * data (hex ids, `[seconds, nanos]` times, OTel attribute values), so it can
 * be kept in a spool as JSON and adapted into the mapping's `MappableSpan`.
 */
import type { Attributes, HrTime, SpanContext } from "@opentelemetry/api";
import type { MappableSpan } from "../../exporters/humanloop/mapping/log-request.js";

/** One span event. */
export interface OtlpEvent {
  name: string;
  time: HrTime;
  attributes: Attributes;
}

/** One ended span as received. */
export interface OtlpSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** 16 lowercase hex digits; absent for a root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP `SpanKind` number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  events: OtlpEvent[];
  /** `code`: 0 unset, 1 ok, 2 error (as `SpanStatusCode`). */
  status: { code: number; message?: string };
  /** The attributes of the span's resource (`service.name`, ...). */
  resource: Attributes;
  /** The instrumentation scope's name, when sent. */
  scope?: string;
}

/** The key of a span in a receiver's structures: trace id and span id. */
export function spanKey(traceId: string, spanId: string): string {
  return `${traceId}-${spanId}`;
}

function durationOf(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return seconds < 0 ? [0, 0] : [seconds, nanos];
}

/**
 * The span as the mapping reads it (the fields of a `ReadableSpan` that
 * `toLogRequest` uses), so a received span becomes the same log an
 * in-process span does.
 */
export function toMappableSpan(span: OtlpSpan): MappableSpan {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: 1, isRemote: true };
  return {
    name: span.name,
    attributes: span.attributes,
    spanContext: () => context,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: durationOf(span.startTime, span.endTime),
    status: span.status,
    events: span.events, // already in the SDK's TimedEvent shape
    // the mapping reads only the resource's attributes (service.name)
    resource: { attributes: span.resource } as unknown as MappableSpan["resource"],
  };
}
