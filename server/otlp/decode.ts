/**
 * OTLP/HTTP trace request bodies -> {@link OtlpSpan}s. Protobuf is decoded
 * by protobufjs; OTLP/JSON is read as the OTLP specification writes it and
 * as other SDKs send it: ids in hex (or base64, as proto3 JSON has it),
 * 64-bit values as strings or numbers, enums as numbers (or names),
 * lowerCamelCase field names (or the proto's snake_case ones).
 */
import type { Attributes, HrTime } from "@opentelemetry/api";
import { attributesOf, toBigInt } from "./any-value.js";
import type { OtlpEvent, OtlpSpan } from "./otlp-span.js";
import { ExportTraceServiceRequest } from "./proto-codec.js";

/** A body that is not an OTLP trace request at all: answered with 400. */
export class OtlpDecodeError extends Error {}

/** The spans of one request, and the spans refused one by one (partial success). */
export interface DecodedTraces {
  spans: OtlpSpan[];
  /** How many spans were refused (bad ids). */
  rejected: number;
  /** Why, for the first refused span. */
  rejectedReason?: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A field under its lowerCamelCase name, else its proto (snake_case) name. */
function field(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined || v === null ? o[snake] : v;
}

function list(o: Obj, camel: string, snake: string, where: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${where}.${camel} must be an array`);
  return v;
}

const HEX = /^[0-9a-fA-F]+$/;
const ZERO = /^0+$/;

/** An id (bytes, hex or base64 text) as lowercase hex of `size` bytes; "" when absent; undefined when malformed. */
export function idOf(value: unknown, size: 8 | 16): string | undefined {
  let hex: string;
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) value = Uint8Array.from(value as number[]); // protobufjs's default for absent bytes is []
  if (value instanceof Uint8Array) {
    if (value.length === 0) return "";
    if (value.length !== size) return undefined;
    hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  } else if (typeof value === "string") {
    if (value === "") return "";
    if (value.length === size * 2 && HEX.test(value)) hex = value.toLowerCase();
    else {
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
      const bytes = Buffer.from(value, "base64");
      if (bytes.length !== size) return undefined;
      hex = bytes.toString("hex");
    }
  } else return undefined;
  return ZERO.test(hex) ? undefined : hex;
}

function timeOf(value: unknown): HrTime {
  const nanos = toBigInt(value ?? 0, true) ?? 0n;
  const n = nanos < 0n ? 0n : nanos;
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

function enumOf(value: unknown, names: Record<string, number>): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return names[value] ?? (Number.isInteger(Number(value)) ? Number(value) : 0);
  return 0;
}

function eventsOf(raw: unknown[]): OtlpEvent[] {
  return raw.filter(isObj).map((e) => ({
    name: typeof e.name === "string" ? e.name : "",
    time: timeOf(field(e, "timeUnixNano", "time_unix_nano")),
    attributes: attributesOf(e.attributes),
  }));
}

/** Walks an `ExportTraceServiceRequest` (decoded message or JSON object). */
function spansOf(request: unknown): DecodedTraces {
  if (!isObj(request)) throw new OtlpDecodeError("the body must be an ExportTraceServiceRequest object");
  const out: DecodedTraces = { spans: [], rejected: 0 };
  const refuse = (reason: string) => {
    out.rejected += 1;
    out.rejectedReason ??= reason;
  };
  for (const rs of list(request, "resourceSpans", "resource_spans", "request")) {
    if (!isObj(rs)) throw new OtlpDecodeError("resourceSpans items must be objects");
    const resourceRaw = rs.resource;
    const resource: Attributes = isObj(resourceRaw) ? attributesOf(resourceRaw.attributes) : {};
    for (const ss of list(rs, "scopeSpans", "scope_spans", "resourceSpans[]")) {
      if (!isObj(ss)) throw new OtlpDecodeError("scopeSpans items must be objects");
      const scopeName = isObj(ss.scope) && typeof ss.scope.name === "string" && ss.scope.name !== "" ? ss.scope.name : undefined;
      for (const s of list(ss, "spans", "spans", "scopeSpans[]")) {
        if (!isObj(s)) throw new OtlpDecodeError("spans items must be objects");
        const traceId = idOf(field(s, "traceId", "trace_id"), 16);
        const spanId = idOf(field(s, "spanId", "span_id"), 8);
        const parentSpanId = idOf(field(s, "parentSpanId", "parent_span_id"), 8);
        if (!traceId) {
          refuse(`a span has an invalid trace id (${JSON.stringify(field(s, "traceId", "trace_id") ?? null)}): expected 16 bytes, not all zero`);
          continue;
        }
        if (!spanId) {
          refuse(`a span has an invalid span id (${JSON.stringify(field(s, "spanId", "span_id") ?? null)}): expected 8 bytes, not all zero`);
          continue;
        }
        if (parentSpanId === undefined) {
          refuse(`span ${spanId} has an invalid parent span id: expected 8 bytes or empty`);
          continue;
        }
        const status = isObj(s.status) ? s.status : {};
        const span: OtlpSpan = {
          traceId,
          spanId,
          name: typeof s.name === "string" ? s.name : "",
          kind: enumOf(s.kind, KIND_NAMES),
          startTime: timeOf(field(s, "startTimeUnixNano", "start_time_unix_nano")),
          endTime: timeOf(field(s, "endTimeUnixNano", "end_time_unix_nano")),
          attributes: attributesOf(s.attributes),
          events: eventsOf(list(s, "events", "events", "spans[]")),
          status: { code: enumOf(status.code, STATUS_NAMES) },
          resource,
        };
        if (parentSpanId !== "") span.parentSpanId = parentSpanId;
        if (typeof status.message === "string" && status.message !== "") span.status.message = status.message;
        if (scopeName) span.scope = scopeName;
        out.spans.push(span);
      }
    }
  }
  return out;
}

/** Decodes an OTLP/HTTP protobuf body; throws {@link OtlpDecodeError} when it is not one. */
export function decodeProtobufTraces(bytes: Uint8Array): DecodedTraces {
  let message: unknown;
  try {
    message = ExportTraceServiceRequest.decode(bytes);
  } catch (error) {
    throw new OtlpDecodeError(`the protobuf body is not an ExportTraceServiceRequest: ${(error as Error).message}`);
  }
  return spansOf(message);
}

/** Decodes an OTLP/JSON body; throws {@link OtlpDecodeError} when it is not one. */
export function decodeJsonTraces(text: string): DecodedTraces {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`the JSON body does not parse: ${(error as Error).message}`);
  }
  return spansOf(parsed);
}
