import type { Attributes, Span } from "@opentelemetry/api";
import { GenAI, type GenAIMessage, type GenAIOperation, type GenAIPart } from "../../src/core/attributes.js";
import { applyPolicy } from "../../src/core/content-policy.js";
import { contentJson } from "../shared/index.js";

/** What one patched endpoint knows how to read. All functions must tolerate any shape. */
export interface Endpoint {
  operation: GenAIOperation;
  /** Request parameters (no content) into `attrs`. */
  requestAttributes(body: Record<string, unknown>, attrs: Attributes): void;
  /** Request content (messages, instructions, tools) onto the span; only called with capture on. */
  requestContent(body: Record<string, unknown>, span: Span): void;
  /** A complete (non-streamed) result. */
  result(value: Record<string, unknown>, span: Span, capture: boolean): void;
  /**
   * A fresh per-call accumulator for a streamed result. With `capture` false
   * it keeps no content (text, tool arguments): a long stream would otherwise
   * hold all of its text until it ends, for nothing.
   */
  accumulator(capture: boolean): StreamAccumulator;
}

/** Rebuilds a response from stream events with cheap per-chunk work; writes it once at the end. */
export interface StreamAccumulator {
  onChunk(chunk: unknown): void;
  write(span: Span, capture: boolean): void;
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object";
}

/** Copies `body[key]` to `attrs[attr]` when it is a number. */
export function numberParam(body: Json, key: string, attrs: Attributes, attr: string): void {
  const v = body[key];
  if (typeof v === "number") attrs[attr] = v;
}

/** `stop` as a string array attribute. */
function stopParam(body: Json, attrs: Attributes): void {
  const stop = body.stop;
  if (typeof stop === "string") attrs[GenAI.REQUEST_STOP_SEQUENCES] = [stop];
  else if (Array.isArray(stop)) attrs[GenAI.REQUEST_STOP_SEQUENCES] = stop.filter((s): s is string => typeof s === "string");
}

/**
 * The generation parameters chat and legacy completions both take, read the same way.
 * `maxTokensKeys`: the endpoint's max-tokens parameters, in order (a later one that is set wins).
 */
export function generationParams(body: Json, attrs: Attributes, maxTokensKeys: readonly string[]): void {
  numberParam(body, "temperature", attrs, GenAI.REQUEST_TEMPERATURE);
  numberParam(body, "top_p", attrs, GenAI.REQUEST_TOP_P);
  for (const key of maxTokensKeys) numberParam(body, key, attrs, GenAI.REQUEST_MAX_TOKENS);
  numberParam(body, "presence_penalty", attrs, GenAI.REQUEST_PRESENCE_PENALTY);
  numberParam(body, "frequency_penalty", attrs, GenAI.REQUEST_FREQUENCY_PENALTY);
  numberParam(body, "seed", attrs, GenAI.REQUEST_SEED);
  if (typeof body.n === "number" && body.n !== 1) attrs[GenAI.REQUEST_CHOICE_COUNT] = body.n;
  stopParam(body, attrs);
}

/** A requested output format (chat's `response_format`, Responses' `text.format`) as the output type. */
export function outputTypeParam(format: unknown, attrs: Attributes): void {
  const type = isObject(format) ? format.type : undefined;
  if (type === "json_object" || type === "json_schema") attrs[GenAI.OUTPUT_TYPE] = "json";
  else if (type === "text") attrs[GenAI.OUTPUT_TYPE] = "text";
}

/** Usage keys shared by chat/completions (`prompt_tokens`…) and Responses (`input_tokens`…). */
export function setUsage(span: Span, usage: unknown): void {
  if (!isObject(usage)) return;
  const input = usage.prompt_tokens ?? usage.input_tokens;
  const output = usage.completion_tokens ?? usage.output_tokens;
  if (typeof input === "number") span.setAttribute(GenAI.USAGE_INPUT_TOKENS, input);
  if (typeof output === "number") span.setAttribute(GenAI.USAGE_OUTPUT_TOKENS, output);
  const inDetails = usage.prompt_tokens_details ?? usage.input_tokens_details;
  if (isObject(inDetails) && typeof inDetails.cached_tokens === "number") {
    span.setAttribute(GenAI.USAGE_CACHE_READ_INPUT_TOKENS, inDetails.cached_tokens);
  }
  const outDetails = usage.completion_tokens_details ?? usage.output_tokens_details;
  if (isObject(outDetails) && typeof outDetails.reasoning_tokens === "number") {
    span.setAttribute(GenAI.USAGE_REASONING_OUTPUT_TOKENS, outDetails.reasoning_tokens);
  }
}

/** `id`, `model`, `system_fingerprint`, `service_tier` of a response object. */
export function setResponseIdentity(span: Span, value: Json): void {
  if (typeof value.id === "string") span.setAttribute(GenAI.RESPONSE_ID, value.id);
  if (typeof value.model === "string") span.setAttribute(GenAI.RESPONSE_MODEL, value.model);
  if (typeof value.system_fingerprint === "string") span.setAttribute(GenAI.OPENAI_RESPONSE_SYSTEM_FINGERPRINT, value.system_fingerprint);
  if (typeof value.service_tier === "string") span.setAttribute(GenAI.OPENAI_RESPONSE_SERVICE_TIER, value.service_tier);
}

/** Content as JSON under the content policy (mask, length limit); see {@link contentJson}. */
export function setJson(span: Span, attribute: string, value: unknown): void {
  span.setAttribute(attribute, contentJson(value, attribute));
}

/** Content already serialized as JSON text by this module, under the content policy. */
export function setJsonText(span: Span, attribute: string, text: string): void {
  span.setAttribute(attribute, applyPolicy(text, attribute));
}

/**
 * The JSON of a text-only message, `{"role":…,"parts":[{"type":"text","content":…}]…}`,
 * exactly as `JSON.stringify` writes the message object, built without it.
 */
export function textMessageJson(role: string, content: string, extra = ""): string {
  return `{"role":${JSON.stringify(role)},"parts":[{"type":"text","content":${JSON.stringify(content)}}]${extra}}`;
}

/** A tool call's `arguments` string as JSON when it parses, else the string. */
export function parseArguments(args: unknown): unknown {
  if (typeof args !== "string") return args;
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

/** An image (or file) URL as a reference part: `data:` URLs keep their type, not their bytes. */
export function uriPart(modality: "image" | "audio" | "file", url: string, detail?: unknown): GenAIPart {
  const part: GenAIPart & Json = { type: "uri", modality, uri: url };
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    const header = url.slice(5, comma < 0 ? undefined : comma);
    part.mime_type = header.split(";")[0];
    part.uri = `data:${header},[${url.length - comma - 1} chars omitted]`;
  }
  if (typeof detail === "string") part.detail = detail;
  return part;
}

export type { GenAIMessage, GenAIPart };
