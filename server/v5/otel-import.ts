/**
 * `POST /v5/import/otel/v1/traces`: Humanloop's own SDK sends its decorator
 * and provider spans here (docs/humanloop-sdks.md, "Decorators and the OTel
 * export"). This turns one OTLP/JSON payload into the v5 operations it
 * stands for, as pure functions; the route runs each through the same rules
 * as the log endpoints and answers `{ records: [<log id>, ...] }`.
 *
 * Accepted as the SDKs send them: every attribute value as `stringValue`
 * (other OTLP value kinds too), ids in hex or base64, `kind` off by one,
 * times as numbers or strings. `humanloop.file.*` is the kernel and
 * `humanloop.log.*` the log, flattened with dots (numeric keys are list
 * indices); a Flow span with `humanloop.log.id` updates that Flow log; a
 * Prompt span from a provider instrumentation (`gen_ai.*` attributes) is
 * mapped like the exporter maps a model call.
 */
import { SpanStatusCode, type Attributes } from "@opentelemetry/api";
import { toLogRequest, type MappableSpan } from "../../exporters/humanloop/mapping/log-request.js";
import { toV5Create } from "../../exporters/humanloop/mapping/v5-log.js";
import { isRecord } from "../checks.js";
import { v5Error, type V5Error } from "./errors.js";

/** One thing an imported span asks for. */
export type OtelImportOp =
  | { op: "create"; kind: "prompt" | "tool" | "flow"; body: Record<string, unknown> }
  | { op: "update_flow"; logId: string; body: Record<string, unknown> };

/** The outcome of {@link parseOtelImport}. */
export type OtelImportOutcome = { ok: true; ops: OtelImportOp[] } | { ok: false; error: V5Error };

const LOG_NUMBERS = new Set(["prompt_tokens", "reasoning_tokens", "output_tokens", "prompt_cost", "output_cost", "provider_latency"]);
const KERNEL_NUMBERS = new Set(["max_tokens", "temperature", "top_p", "presence_penalty", "frequency_penalty", "seed"]);
const FLOW_UPDATE_FIELDS = ["log_status", "output", "error", "output_message", "messages", "inputs"];

type Scalar = string | number | boolean;

/** An OTLP/JSON `AnyValue` as a plain value. */
function anyValue(value: unknown): Scalar | Scalar[] | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.stringValue === "string") return value.stringValue;
  if (typeof value.boolValue === "boolean") return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  const list = isRecord(value.arrayValue) && Array.isArray(value.arrayValue.values) ? value.arrayValue.values : undefined;
  return list?.map((v) => anyValue(v)).filter((v): v is Scalar => v !== undefined && !Array.isArray(v));
}

/** A span's attribute list as a record. */
export function otlpAttributes(list: unknown): Record<string, Scalar | Scalar[]> {
  const out: Record<string, Scalar | Scalar[]> = {};
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.key !== "string") continue;
    const value = anyValue(entry.value);
    if (value !== undefined) out[entry.key] = value;
  }
  return out;
}

function listify(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  for (const key of keys) value[key] = listify(value[key]);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) return keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k]);
  return value;
}

/** The attributes under `prefix.` as a nested object (dots nest, numeric keys make lists); `coerce` types a leaf by its key. */
export function unflatten(attributes: Record<string, unknown>, prefix: string, skip: string[] = [], coerce?: (key: string, value: unknown) => unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const parts = key.slice(prefix.length + 1).split(".");
    if (skip.includes(parts[0]!)) continue;
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = coerce ? coerce(part, value) : value;
      else node = (isRecord(node[part]) ? node[part] : (node[part] = {})) as Record<string, unknown>;
    });
  }
  return listify(root) as Record<string, unknown>;
}

function toNumberIf(set: Set<string>) {
  return (key: string, value: unknown) => {
    if (key === "strict" && (value === "true" || value === "false")) return value === "true";
    if (set.has(key) && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
    return value;
  };
}

/** Epoch ns (number or string) as ISO 8601, or undefined. */
function isoOfNanos(value: unknown): string | undefined {
  const ns = typeof value === "string" ? Number(value) : value;
  if (typeof ns !== "number" || !Number.isFinite(ns) || ns <= 0) return undefined;
  return new Date(ns / 1e6).toISOString();
}

function hrOfNanos(value: unknown): [number, number] {
  const ns = typeof value === "string" ? Number(value) : typeof value === "number" ? value : NaN;
  const ms = ns / 1e6;
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

/** gen_ai attributes with numeric text typed back (the SDK stringifies every value). */
function typedGenAI(attributes: Record<string, Scalar | Scalar[]>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    const numeric = (key.startsWith("gen_ai.request.") || key.startsWith("gen_ai.usage.") || key.startsWith("llm.usage.")) && typeof value === "string";
    out[key] = numeric && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return out;
}

/** A Prompt log from a provider span, mapped as the exporter maps a model call. */
function providerPromptBody(span: Record<string, unknown>, attributes: Record<string, Scalar | Scalar[]>, path: string): Record<string, unknown> {
  const typed = typedGenAI(attributes);
  const start = hrOfNanos(span.startTimeUnixNano);
  const end = hrOfNanos(span.endTimeUnixNano);
  const failed = isRecord(span.status) && (span.status.code === 2 || span.status.code === "STATUS_CODE_ERROR");
  const mappable: MappableSpan = {
    name: typeof span.name === "string" ? span.name : "llm",
    attributes: typed,
    spanContext: () => ({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 1 }),
    startTime: start,
    endTime: end,
    duration: [end[0] - start[0], end[1] - start[1]],
    status: failed ? { code: SpanStatusCode.ERROR, message: String((span.status as Record<string, unknown>).message ?? "error") } : { code: SpanStatusCode.UNSET },
    events: [],
    resource: { attributes: {} } as MappableSpan["resource"],
  };
  const body: Record<string, unknown> = { ...toV5Create(toLogRequest(mappable, "model", {}, { project: "imported" })).body, path };
  delete body.log_id;
  delete body.metadata;
  return body;
}

function spanOps(span: Record<string, unknown>, scope: string | undefined, at: (string | number)[]): OtelImportOp | V5Error {
  const attributes = otlpAttributes(span.attributes);
  const type = attributes["humanloop.file.type"];
  if (type !== "prompt" && type !== "tool" && type !== "flow") {
    return v5Error(422, type === undefined ? "missing" : "literal_error", "humanloop.file.type must be prompt, tool or flow", [...at, "attributes"]);
  }
  const log = unflatten(attributes, "humanloop.log", [], toNumberIf(LOG_NUMBERS));
  if (type === "flow" && typeof log.id === "string") {
    const body: Record<string, unknown> = {};
    for (const key of FLOW_UPDATE_FIELDS) if (log[key] !== undefined) body[key] = log[key];
    return { op: "update_flow", logId: log.id, body };
  }
  const path = attributes["humanloop.file.path"];
  if (typeof path !== "string" || path === "") return v5Error(422, "missing", "humanloop.file.path is required", [...at, "attributes"]);
  const isProvider = scope === "humanloop.sdk.provider" || Object.keys(attributes).some((k) => k.startsWith("gen_ai."));
  const body: Record<string, unknown> = type === "prompt" && isProvider ? providerPromptBody(span, attributes, path) : { path };
  const kernel = unflatten(attributes, "humanloop.file", ["type", "path"], toNumberIf(KERNEL_NUMBERS));
  if (Object.keys(kernel).length > 0) body[type] = { ...(body[type] as Record<string, unknown> | undefined), ...kernel };
  Object.assign(body, log);
  delete body.id;
  const start = isoOfNanos(span.startTimeUnixNano);
  const end = isoOfNanos(span.endTimeUnixNano);
  if (body.start_time === undefined && start) body.start_time = start;
  if (body.end_time === undefined && end) body.end_time = end;
  return { op: "create", kind: type, body };
}

/** The v5 operations of an OTLP/JSON traces payload, in order; a 422 when it is not one or a span is not a Humanloop span. */
export function parseOtelImport(payload: unknown): OtelImportOutcome {
  if (!isRecord(payload) || !Array.isArray(payload.resourceSpans)) {
    return { ok: false, error: v5Error(422, "missing", "Expected an OTLP/JSON traces payload with resourceSpans", ["body", "resourceSpans"]) };
  }
  const ops: OtelImportOp[] = [];
  for (const [i, resource] of payload.resourceSpans.entries()) {
    const scopes = isRecord(resource) && Array.isArray(resource.scopeSpans) ? resource.scopeSpans : [];
    for (const [j, scopeSpans] of scopes.entries()) {
      if (!isRecord(scopeSpans) || !Array.isArray(scopeSpans.spans)) continue;
      const scope = isRecord(scopeSpans.scope) && typeof scopeSpans.scope.name === "string" ? scopeSpans.scope.name : undefined;
      for (const [k, span] of scopeSpans.spans.entries()) {
        const at = ["body", "resourceSpans", i, "scopeSpans", j, "spans", k];
        if (!isRecord(span)) return { ok: false, error: v5Error(422, "dict_type", "A span must be an object", at) };
        const op = spanOps(span, scope, at);
        if ("status" in op) return { ok: false, error: op };
        ops.push(op);
      }
    }
  }
  return { ok: true, ops };
}
