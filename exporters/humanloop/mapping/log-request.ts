import { SpanStatusCode, type Attributes } from "@opentelemetry/api";
import { GenAI, Humanloop, OpenInference, Semconv } from "../../../src/core/attributes.js";
import { hrTimeToMilliseconds, type ReadableSpan } from "../../../src/core/otel-sdk.js";
import { referenceIdOf } from "../../../src/core/reference.js";
import type { LogKind } from "../span-filter.js";
import type { ChatMessage, LogCompletion, LogFeedback, LogRequest } from "../types.js";
import { asText, countAttr, isRecord, jsonAttr, numberAttr, objectAttr, stringAttr } from "./json.js";
import { fromFlattened, fromGenAIMessages, fromVercelMessages, outputTextOf, systemMessage, vercelOutputMessage } from "./messages.js";
import { fastTextMessages } from "./fast-messages.js";
import { modelConfigOf } from "./model-config.js";
import { openInferenceInputs, openInferenceMessages, openInferenceOutput } from "./openinference.js";

/**
 * Span -> `LogRequest`, as pure functions. Embedding calls become model logs
 * (no endpoint; `config.other.operation = "embeddings"`) without messages or
 * output; their dimension count and encoding go to metadata/config.
 */

/** The span fields the mapping reads (a `ReadableSpan`, or an SDK span still open). */
export type MappableSpan = Pick<ReadableSpan, "name" | "attributes" | "spanContext" | "startTime" | "endTime" | "duration" | "status" | "events" | "resource">;

/** Exporter-wide values a span can override. */
export interface MappingDefaults {
  project?: string;
  source?: string;
  environment?: string;
}

/** Where the log sits in its tree. */
export interface LogLink {
  /** `reference_id` of the nearest logged ancestor, when it was (or will be) logged. */
  parentReferenceId?: string;
  /** Why the log has no parent link although its span has a logged ancestor. */
  unlinkedReason?: string;
}

/** Metadata key for the reason a log lost its parent link. */
export const UNLINKED_REASON_KEY = "humanloop_otel.parent_unlinked_reason";

/** The project of a span's log: its own attribute, the exporter's, the service name, else `"default"`. */
export function projectOf(span: Pick<MappableSpan, "attributes" | "resource">, defaults: MappingDefaults): string {
  const own = stringAttr(span.attributes, Humanloop.PROJECT);
  if (own) return own;
  if (defaults.project) return defaults.project;
  const service = span.resource?.attributes?.["service.name"];
  if (typeof service === "string" && service !== "" && !service.startsWith("unknown_service")) return service;
  return "default";
}

/**
 * Attributes that name a session, first found wins: `session()`'s own, the
 * GenAI conversation id, OpenInference's `session.id`, OpenLLMetry's
 * association property, Langfuse's. Without any, one trace is one session.
 */
export const SESSION_KEYS: readonly string[] = [
  Humanloop.SESSION_ID,
  GenAI.CONVERSATION_ID,
  "session.id",
  "traceloop.association.properties.session_id",
  "langfuse.session.id",
];

/** The session a span's attributes name, if any (see {@link SESSION_KEYS}). */
export function sessionOf(attributes: Attributes): string | undefined {
  for (const key of SESSION_KEYS) {
    const value = stringAttr(attributes, key);
    if (value) return value;
  }
  return undefined;
}

/** Whether a span's attributes name a session of their own. */
export function hasOwnSession(attributes: Attributes): boolean {
  return sessionOf(attributes) !== undefined;
}

/** Epoch ms of the minute whose `YYYY-MM-DDTHH:MM:` prefix is cached (spans of one minute share it). */
let prefixMinute = NaN;
let prefix = "";
/** 10000-01-01: from there on `toISOString` writes an extended year. */
const MAX_PLAIN_MS = 253_402_300_800_000;

/** RFC 3339 time of an OTel `HrTime` (as `Date.prototype.toISOString` writes it; the minute's text is reused). */
export function rfc3339(hr: [number, number]): string {
  const ms = Math.trunc(hrTimeToMilliseconds(hr)); // as `new Date(ms)` truncates
  if (!(ms >= 0 && ms < MAX_PLAIN_MS)) return new Date(ms).toISOString();
  const inMinute = ms % 60_000;
  const minute = ms - inMinute;
  if (minute !== prefixMinute) {
    prefix = new Date(minute).toISOString().slice(0, 17);
    prefixMinute = minute;
  }
  const seconds = (inMinute / 1000) | 0;
  const millis = inMinute - seconds * 1000;
  return `${prefix}${seconds < 10 ? "0" : ""}${seconds}.${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

/** The log's error text from the span status or its `exception` event, if it failed. */
export function errorOf(span: Pick<MappableSpan, "status" | "events" | "attributes">): string | undefined {
  if (span.status.code !== SpanStatusCode.ERROR) return undefined;
  const exception = span.events.find((e) => e.name === "exception")?.attributes;
  const type = exception?.["exception.type"] ?? span.attributes[Semconv.ERROR_TYPE];
  const message = span.status.message || (exception?.["exception.message"] as string | undefined);
  if (message && type && !message.startsWith(String(type))) return `${String(type)}: ${message}`;
  return message || (type ? String(type) : "error");
}

function feedbackOf(attributes: Attributes): LogFeedback[] | undefined {
  const raw = jsonAttr(attributes, Humanloop.FEEDBACK);
  const list = Array.isArray(raw) ? raw : isRecord(raw) ? [raw] : [];
  const out: LogFeedback[] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.type !== "string") continue;
    // Humanloop takes a string, number or boolean value; anything else would refuse the whole log (422).
    const value = item.value;
    const scalar = typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
    out.push(scalar ? { type: item.type, value } : value === undefined || value === null ? { type: item.type } : { type: item.type, value: asText(value) });
  }
  return out.length > 0 ? out : undefined;
}

/** Token counts, by convention: GenAI semconv first, then the Vercel AI SDK's `ai.usage.*`, then OpenInference. */
const INPUT_TOKEN_KEYS = [GenAI.USAGE_INPUT_TOKENS, GenAI.USAGE_PROMPT_TOKENS, "ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.tokens", OpenInference.LLM_TOKEN_COUNT_PROMPT];
const OUTPUT_TOKEN_KEYS = [GenAI.USAGE_OUTPUT_TOKENS, GenAI.USAGE_COMPLETION_TOKENS, "ai.usage.outputTokens", "ai.usage.completionTokens", OpenInference.LLM_TOKEN_COUNT_COMPLETION];
const CACHE_READ_KEYS = [GenAI.USAGE_CACHE_READ_INPUT_TOKENS, "ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens", OpenInference.LLM_TOKEN_COUNT_CACHE_READ];
const CACHE_WRITE_KEYS = [GenAI.USAGE_CACHE_CREATION_INPUT_TOKENS, "ai.usage.inputTokenDetails.cacheWriteTokens", OpenInference.LLM_TOKEN_COUNT_CACHE_WRITE];
const REASONING_KEYS = [GenAI.USAGE_REASONING_OUTPUT_TOKENS, "ai.usage.outputTokenDetails.reasoningTokens", "ai.usage.reasoningTokens", OpenInference.LLM_TOKEN_COUNT_REASONING];

/** Other conventions write 0 for "none"; our own spans write these counts only when the provider reported them. */
function nonZero(n: number | undefined): number | undefined {
  return n === 0 ? undefined : n;
}

function metadataOf(attributes: Attributes, kind: LogKind): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...objectAttr(attributes, Humanloop.SESSION_METADATA) };
  const put = (name: string, value: unknown) => {
    if (value !== undefined) metadata[name] = value;
  };
  put("user_id", stringAttr(attributes, Humanloop.USER_ID));
  put("session_name", stringAttr(attributes, Humanloop.SESSION_NAME));
  put("conversation_id", stringAttr(attributes, GenAI.CONVERSATION_ID));
  if (kind === "model") {
    put("finish_reasons", attributes[GenAI.RESPONSE_FINISH_REASONS] ?? attributes["ai.response.finishReason"] ?? attributes[OpenInference.LLM_FINISH_REASON]);
    put("response_id", stringAttr(attributes, GenAI.RESPONSE_ID) ?? stringAttr(attributes, "ai.response.id"));
    const responseModel = stringAttr(attributes, GenAI.RESPONSE_MODEL);
    if (responseModel !== stringAttr(attributes, GenAI.REQUEST_MODEL)) put("response_model", responseModel);
    put("cache_read_input_tokens", nonZero(countAttr(attributes, ...CACHE_READ_KEYS)));
    put("cache_creation_input_tokens", nonZero(countAttr(attributes, ...CACHE_WRITE_KEYS)));
    put("reasoning_output_tokens", nonZero(countAttr(attributes, ...REASONING_KEYS)));
    put("time_to_first_chunk", numberAttr(attributes, GenAI.RESPONSE_TIME_TO_FIRST_CHUNK));
    put("system_fingerprint", stringAttr(attributes, GenAI.OPENAI_RESPONSE_SYSTEM_FINGERPRINT));
    put("service_tier", stringAttr(attributes, GenAI.OPENAI_RESPONSE_SERVICE_TIER));
    put("embedding_dimensions", countAttr(attributes, GenAI.EMBEDDINGS_DIMENSION_COUNT));
    put("server_address", stringAttr(attributes, Semconv.SERVER_ADDRESS));
  }
  put("truncated", attributes[Humanloop.TRUNCATED]);
  Object.assign(metadata, objectAttr(attributes, Humanloop.METADATA));
  return metadata;
}

/** GenAI messages of a JSON attribute: the cheap path for text-only ones, else parsed and reshaped. */
function genAIMessagesOf(attributes: Attributes, key: string): ChatMessage[] {
  const raw = attributes[key];
  return (typeof raw === "string" ? fastTextMessages(raw) : undefined) ?? fromGenAIMessages(jsonAttr(attributes, key));
}

function inputMessagesOf(attributes: Attributes): ChatMessage[] {
  let messages = genAIMessagesOf(attributes, GenAI.INPUT_MESSAGES);
  if (messages.length === 0) messages = fromFlattened(attributes, "gen_ai.prompt");
  if (messages.length === 0) messages = fromVercelMessages(jsonAttr(attributes, "ai.prompt.messages"));
  if (messages.length === 0) messages = openInferenceMessages(attributes, OpenInference.LLM_INPUT_MESSAGES);
  const system = systemMessage(attributes);
  if (system && messages[0]?.role !== "system") messages.unshift(system);
  return messages;
}

function outputMessageOf(attributes: Attributes): ChatMessage | undefined {
  const fromSemconv = genAIMessagesOf(attributes, GenAI.OUTPUT_MESSAGES).find((m) => m.role === "assistant");
  return fromSemconv ?? fromFlattened(attributes, "gen_ai.completion")[0] ?? vercelOutputMessage(attributes) ?? openInferenceOutput(attributes);
}

function toolInputs(attributes: Attributes): Record<string, unknown> | undefined {
  const raw =
    jsonAttr(attributes, Humanloop.INPUTS) ??
    jsonAttr(attributes, "gen_ai.tool.call.arguments") ??
    jsonAttr(attributes, "ai.toolCall.args") ??
    jsonAttr(attributes, "ai.prompt");
  if (raw !== undefined) return isRecord(raw) ? raw : { value: raw };
  if (attributes[GenAI.INPUT_MESSAGES] !== undefined) {
    const messages = inputMessagesOf(attributes);
    return messages.length > 0 ? { messages } : undefined;
  }
  return openInferenceInputs(attributes);
}

function toolOutput(attributes: Attributes): string | undefined {
  const raw =
    attributes[Humanloop.OUTPUT] ??
    attributes["gen_ai.tool.call.result"] ??
    attributes["ai.toolCall.result"] ??
    attributes["ai.response.text"] ??
    attributes["ai.response.object"] ??
    attributes[OpenInference.OUTPUT_VALUE];
  if (raw !== undefined) return asText(raw);
  // An agent step in the GenAI conventions (`invoke_agent`) carries its answer as output messages.
  const message = genAIMessagesOf(attributes, GenAI.OUTPUT_MESSAGES).find((m) => m.role === "assistant");
  return message ? outputTextOf(message) : undefined;
}

/** The name of a tool log: the tool's or agent's name in any convention, else the span's name. */
function toolNameOf(name: string, attributes: Attributes): string {
  return (
    stringAttr(attributes, GenAI.TOOL_NAME) ??
    stringAttr(attributes, GenAI.AGENT_NAME) ??
    stringAttr(attributes, "ai.toolCall.name") ??
    stringAttr(attributes, "ai.telemetry.functionId") ??
    stringAttr(attributes, OpenInference.TOOL_NAME) ??
    stringAttr(attributes, OpenInference.AGENT_NAME) ??
    name
  );
}

/** The step kind kept in a tool log's `config.other.kind`. */
function stepKindOf(attributes: Attributes): string | undefined {
  const own = stringAttr(attributes, Humanloop.KIND) ?? stringAttr(attributes, GenAI.OPERATION_NAME);
  if (own) return own;
  const vercel = stringAttr(attributes, "ai.operationId");
  if (vercel) return vercel === "ai.toolCall" ? "execute_tool" : "invoke_agent";
  return stringAttr(attributes, OpenInference.SPAN_KIND)?.toLowerCase();
}

/**
 * The `LogRequest` for a span. With `ended: false` (a parent logged early
 * because a child must go out first) output, error and duration are left
 * out; they follow in a {@link toLogCompletion}.
 */
export function toLogRequest(span: MappableSpan, kind: LogKind, link: LogLink, defaults: MappingDefaults, ended = true): LogRequest {
  const attributes = span.attributes;
  const log: LogRequest = {
    project: projectOf(span, defaults),
    reference_id: referenceIdOf(span.spanContext()),
    session_reference_id: sessionOf(attributes) ?? span.spanContext().traceId,
    config:
      kind === "model"
        ? modelConfigOf(attributes)
        : { type: "tool", name: toolNameOf(span.name, attributes) },
  };
  // An invalid start time (e.g. `startTime: new Date(NaN)`) has no RFC 3339 text; created_at is optional.
  const startMs = hrTimeToMilliseconds(span.startTime);
  if (Number.isFinite(startMs)) log.created_at = rfc3339(span.startTime);
  if (link.parentReferenceId) log.parent_reference_id = link.parentReferenceId;
  const source = stringAttr(attributes, Humanloop.SOURCE) ?? defaults.source;
  if (source) log.source = source;
  const environment = stringAttr(attributes, Humanloop.ENVIRONMENT) ?? defaults.environment;
  if (environment) log.environment = environment;

  const metadata = metadataOf(attributes, kind);
  if (link.unlinkedReason) metadata[UNLINKED_REASON_KEY] = link.unlinkedReason;

  if (kind === "model") {
    const messages = inputMessagesOf(attributes);
    if (messages.length > 0) log.messages = messages;
    const promptTokens = countAttr(attributes, ...INPUT_TOKEN_KEYS);
    if (promptTokens !== undefined) log.prompt_tokens = promptTokens;
    const outputTokens = countAttr(attributes, ...OUTPUT_TOKEN_KEYS);
    if (outputTokens !== undefined) log.output_tokens = outputTokens;
  } else {
    const humanloopKind = stepKindOf(attributes);
    if (humanloopKind) log.config.other = { kind: humanloopKind };
    const inputs = toolInputs(attributes);
    if (inputs) log.inputs = inputs;
  }
  if (Object.keys(metadata).length > 0) log.metadata = metadata;
  const feedback = feedbackOf(attributes);
  if (feedback) log.feedback = feedback;
  if (ended) {
    const message = kind === "model" ? outputMessageOf(attributes) : undefined;
    if (message) log.output_message = message;
    Object.assign(log, completionOf(span, kind, message));
  }
  return log;
}

/** Output, error and duration of an ended span: the body of `PATCH /logs?reference_id=` for a log sent early. */
export function toLogCompletion(span: MappableSpan, kind: LogKind): LogCompletion {
  return completionOf(span, kind, kind === "model" ? outputMessageOf(span.attributes) : undefined);
}

function completionOf(span: MappableSpan, kind: LogKind, message: ChatMessage | undefined): LogCompletion {
  const completion: LogCompletion = {};
  if (kind === "model") {
    if (message) completion.output = outputTextOf(message);
  } else {
    const output = toolOutput(span.attributes);
    if (output !== undefined) completion.output = output;
  }
  const error = errorOf(span);
  if (error !== undefined) completion.error = error;
  const duration = hrTimeToMilliseconds(span.duration) / 1000;
  if (Number.isFinite(duration)) completion.duration = Math.max(0, duration);
  return completion;
}
