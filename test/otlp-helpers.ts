import { gzipSync } from "node:zlib";
import type { StoredLog } from "../testing/index.js";

/** Server-assigned fields (ids, receipt time) differ between servers; everything else must match. */
const SERVER_FIELDS = ["id", "project_id", "session_id", "parent_id", "received_at", "updates"];

/** Logs without their server-assigned fields, sorted by reference id, for comparing two servers' logs. */
export function comparable(logs: StoredLog[]): Record<string, unknown>[] {
  return logs
    .map((log) => Object.fromEntries(Object.entries(log).filter(([k]) => !SERVER_FIELDS.includes(k))))
    .sort((a, b) => String(a.reference_id).localeCompare(String(b.reference_id)));
}

/** A span for {@link otlpJson}. */
export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Record<string, string | number | boolean>;
}

const anyValue = (v: string | number | boolean) =>
  typeof v === "string" ? { stringValue: v } : typeof v === "boolean" ? { boolValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v };

/** An OTLP/JSON `ExportTraceServiceRequest` as the spec writes it (hex ids), one resource `service.name: app`. */
export function otlpJson(spans: SpanSpec[], start = Date.now()): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "app" } }] },
        scopeSpans: [
          {
            scope: { name: "test" },
            spans: spans.map((s, i) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: String(BigInt(start + i) * 1_000_000n),
              endTimeUnixNano: String(BigInt(start + i + 5) * 1_000_000n),
              attributes: Object.entries(s.attributes ?? {}).map(([key, value]) => ({ key, value: anyValue(value) })),
              status: {},
            })),
          },
        ],
      },
    ],
  };
}

/** A `traced()` tool span. */
export const tool = (traceId: string, spanId: string, name: string, parentSpanId?: string): SpanSpec => ({
  traceId,
  spanId,
  name,
  attributes: { "humanloop.kind": "tool" },
  ...(parentSpanId ? { parentSpanId } : {}),
});

/** POSTs an OTLP body; `gzip` compresses it. */
export async function postOtlp(
  url: string,
  body: string | Uint8Array,
  { contentType = "application/json", key, gzip = false, method = "POST" }: { contentType?: string; key?: string; gzip?: boolean; method?: string } = {},
): Promise<{ status: number; contentType: string | null; retryAfter: string | null; bytes: Buffer }> {
  const headers: Record<string, string> = { "content-type": contentType };
  if (key !== undefined) headers["x-api-key"] = key;
  let payload: Uint8Array = typeof body === "string" ? Buffer.from(body) : body;
  if (gzip) {
    payload = gzipSync(payload);
    headers["content-encoding"] = "gzip";
  }
  const res = await fetch(url, { method, headers, ...(method === "GET" ? {} : { body: payload }) });
  return { status: res.status, contentType: res.headers.get("content-type"), retryAfter: res.headers.get("retry-after"), bytes: Buffer.from(await res.arrayBuffer()) };
}

const hexToBase64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
const KIND = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
const STATUS = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * An OTLP/JSON body rewritten the way protobuf's JSON printers write it
 * (Python's `MessageToJson`, Go's `protojson`): ids in base64, every 64-bit
 * number as a string, enums by name; with `snakeCase`, proto field names.
 */
export function protobufJsonShape(value: unknown, snakeCase = false, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => protobufJsonShape(v, snakeCase, key));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[snakeCase ? snake(k) : k] = protobufJsonShape(v, snakeCase, k);
    return out;
  }
  if ((key === "traceId" || key === "spanId" || key === "parentSpanId") && typeof value === "string") return hexToBase64(value);
  if (/UnixNano$|^intValue$|^droppedAttributesCount$/.test(key) && typeof value === "number") return String(value);
  if (key === "kind" && typeof value === "number") return KIND[value];
  if (key === "code" && typeof value === "number") return STATUS[value];
  return value;
}
