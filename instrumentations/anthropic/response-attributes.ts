/**
 * The attributes a finished `messages.create` call adds to its span, from the
 * response message (as returned, or as rebuilt from the event stream).
 */
import type { Attributes } from "@opentelemetry/api";
import { GenAI } from "../../src/core/attributes.js";
import type { ContentPolicy } from "../../src/core/content-policy.js";
import { contentJson } from "../shared/index.js";
import { outputMessage } from "./content-parts.js";

/** The parts of a response message the span needs. */
export interface ResponseMessage {
  id?: unknown;
  model?: unknown;
  content?: unknown;
  stop_reason?: unknown;
  usage?: unknown;
}

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * Usage attributes. `gen_ai.usage.input_tokens` is every input token, as the
 * GenAI conventions define it: Anthropic's `input_tokens` plus the cache
 * creation and cache read tokens, which Anthropic counts apart.
 */
export function usageAttributes(usage: unknown): Attributes {
  if (!usage || typeof usage !== "object") return {};
  const u = usage as Record<string, unknown>;
  const attrs: Attributes = {};
  const cacheCreation = count(u.cache_creation_input_tokens);
  const cacheRead = count(u.cache_read_input_tokens);
  if (typeof u.input_tokens === "number") attrs[GenAI.USAGE_INPUT_TOKENS] = u.input_tokens + cacheCreation + cacheRead;
  if (typeof u.output_tokens === "number") attrs[GenAI.USAGE_OUTPUT_TOKENS] = u.output_tokens;
  if (typeof u.cache_creation_input_tokens === "number") attrs[GenAI.USAGE_CACHE_CREATION_INPUT_TOKENS] = cacheCreation;
  if (typeof u.cache_read_input_tokens === "number") attrs[GenAI.USAGE_CACHE_READ_INPUT_TOKENS] = cacheRead;
  return attrs;
}

/** Response id, model, finish reason, usage, and (when capture is on) the output message. */
export function responseAttributes(message: ResponseMessage, policy: ContentPolicy): Attributes {
  const attrs: Attributes = { ...usageAttributes(message.usage) };
  if (typeof message.id === "string") attrs[GenAI.RESPONSE_ID] = message.id;
  if (typeof message.model === "string") attrs[GenAI.RESPONSE_MODEL] = message.model;
  if (typeof message.stop_reason === "string") attrs[GenAI.RESPONSE_FINISH_REASONS] = [message.stop_reason];
  if (policy.captureContent && message.content !== undefined) {
    attrs[GenAI.OUTPUT_MESSAGES] = contentJson([outputMessage(message.content, message.stop_reason)], GenAI.OUTPUT_MESSAGES, policy);
  }
  return attrs;
}
