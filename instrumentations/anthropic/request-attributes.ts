/**
 * The attributes a `messages.create` call starts its span with, from the
 * request params: model and parameters always, content (system prompt,
 * messages, tool definitions) only when the content policy captures it.
 */
import type { Attributes } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../../src/core/attributes.js";
import type { ContentPolicy } from "../../src/core/content-policy.js";
import { contentJson } from "../shared/index.js";
import { toJsonText } from "../../src/core/serialize.js";
import { inputMessages, omitBlobContent, systemParts, toolDefinitions } from "./content-parts.js";
import { isTruncated } from "./truncation.js";

type Params = Record<string, unknown>;

const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Request parameters that are not content (model, sampling, limits, the thinking budget), added to `attrs` (returned). */
export function requestParamAttributes(params: Params, attrs: Attributes = {}): Attributes {
  if (typeof params.model === "string") attrs[GenAI.REQUEST_MODEL] = params.model;
  if (num(params.max_tokens)) attrs[GenAI.REQUEST_MAX_TOKENS] = params.max_tokens;
  if (num(params.temperature)) attrs[GenAI.REQUEST_TEMPERATURE] = params.temperature;
  if (num(params.top_p)) attrs[GenAI.REQUEST_TOP_P] = params.top_p;
  if (num(params.top_k)) attrs[GenAI.REQUEST_TOP_K] = params.top_k;
  if (Array.isArray(params.stop_sequences) && params.stop_sequences.length > 0) {
    attrs[GenAI.REQUEST_STOP_SEQUENCES] = params.stop_sequences.filter((s): s is string => typeof s === "string");
  }
  attrs[GenAI.REQUEST_STREAM] = params.stream === true;
  const other = configOther(params);
  if (other) attrs[Humanloop.CONFIG_OTHER] = toJsonText(other);
  return attrs;
}

/** What a model config's `other` gets: the thinking config (with its budget), tool choice, service tier. */
function configOther(params: Params): Record<string, unknown> | undefined {
  const other: Record<string, unknown> = {};
  const thinking = params.thinking;
  if (thinking && typeof thinking === "object") {
    const t = thinking as Record<string, unknown>;
    other.thinking = { type: t.type, ...(num(t.budget_tokens) ? { budget_tokens: t.budget_tokens } : {}) };
  }
  if (params.tool_choice !== undefined) other.tool_choice = params.tool_choice;
  if (typeof params.service_tier === "string") other.service_tier = params.service_tier;
  return Object.keys(other).length ? other : undefined;
}

/** Content attributes of the request (system prompt, messages, tools); empty when capture is off. */
export function requestContentAttributes(params: Params, policy: ContentPolicy): Attributes {
  if (!policy.captureContent) return {};
  const attrs: Attributes = {};
  const system = systemParts(params.system);
  if (system) attrs[GenAI.SYSTEM_INSTRUCTIONS] = contentJson(system, GenAI.SYSTEM_INSTRUCTIONS, policy);
  const messages = inputMessages(params.messages);
  let text = contentJson(messages, GenAI.INPUT_MESSAGES, policy);
  // Cut JSON no longer parses, so one big inline image or document would cost the whole conversation:
  // keep the messages and leave the inline bytes out instead.
  if (isTruncated(text) && omitBlobContent(messages)) text = contentJson(messages, GenAI.INPUT_MESSAGES, policy);
  attrs[GenAI.INPUT_MESSAGES] = text;
  const tools = toolDefinitions(params.tools);
  if (tools) attrs[GenAI.TOOL_DEFINITIONS] = contentJson(tools, GenAI.TOOL_DEFINITIONS, policy);
  return attrs;
}
