import type { Span } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../../src/core/attributes.js";
import { applyPolicy, getContentPolicy } from "../../src/core/content-policy.js";
import type { ReadableSpan } from "../../src/core/otel-sdk.js";

/**
 * Applies the content policy's mask to content attributes written by other
 * instrumentations (this package's own spans are masked at capture), so a
 * `mask` protects every log, whoever made the span.
 */

const CONTENT_KEYS = new Set<string>([
  GenAI.INPUT_MESSAGES,
  GenAI.OUTPUT_MESSAGES,
  GenAI.SYSTEM_INSTRUCTIONS,
  Humanloop.INPUTS,
  Humanloop.OUTPUT,
  "gen_ai.tool.call.arguments",
  "gen_ai.tool.call.result",
  "ai.prompt",
  "ai.prompt.messages",
  "ai.response.text",
  "ai.response.object",
  "ai.response.toolCalls",
  "ai.toolCall.args",
  "ai.toolCall.result",
  "input.value",
  "output.value",
]);

const FLATTENED_CONTENT =
  /^(?:gen_ai\.(?:prompt|completion)\.\d+\.(?:content|tool_calls\.\d+\.arguments)|llm\.(?:input|output)_messages\.\d+\.message\.(?:content|contents\.\d+\.message_content\.text|tool_calls\.\d+\.tool_call\.function\.arguments))$/;

/** Masks the foreign content attributes of an ending span in place; does nothing without a mask or on our own spans. */
export function maskForeignContent(span: Span & Pick<ReadableSpan, "attributes">): void {
  const policy = getContentPolicy();
  if (!policy.mask) return;
  const attributes = span.attributes;
  if (attributes[Humanloop.INSTRUMENTED] !== undefined || attributes[Humanloop.KIND] !== undefined) return;
  for (const key of Object.keys(attributes)) {
    if (!CONTENT_KEYS.has(key) && !FLATTENED_CONTENT.test(key)) continue;
    const value = attributes[key];
    if (typeof value === "string") span.setAttribute(key, applyPolicy(value, key, policy));
  }
}
