import type { Attributes } from "@opentelemetry/api";
import { OpenInference } from "../../../src/core/attributes.js";
import type { ChatMessage, ContentPart, ModelConfig, ToolCall, ToolFunction } from "../types.js";
import { asText, isRecord, jsonAttr, objectAttr, stringAttr } from "./json.js";

/**
 * OpenInference spans (`openinference.span.kind`, `llm.*`, `input.*`,
 * `output.*`) read into Humanloop's shapes: the flattened
 * `llm.input_messages.{i}.message.*` messages, the request parameters from
 * `llm.invocation_parameters`, and the tools from `llm.tools.{i}.tool.json_schema`.
 */

type Role = ChatMessage["role"];

function roleOf(raw: unknown): Role {
  if (raw === "system" || raw === "developer") return "system";
  if (raw === "assistant" || raw === "model") return "assistant";
  if (raw === "tool" || raw === "function") return "tool";
  return "user";
}

/** Whether the span uses OpenInference's conventions. */
export function isOpenInference(attributes: Attributes): boolean {
  return typeof attributes[OpenInference.SPAN_KIND] === "string";
}

function partsOf(attributes: Attributes, base: string): ContentPart[] {
  const parts: ContentPart[] = [];
  for (let k = 0; ; k++) {
    const p = `${base}.contents.${k}.message_content`;
    const type = attributes[`${p}.type`];
    if (type === undefined) return parts;
    if (type === "text") parts.push({ type: "text", text: asText(attributes[`${p}.text`] ?? "") });
    else if (type === "image") {
      const url = stringAttr(attributes, `${p}.image.image.url`);
      if (url) parts.push({ type: "image_url", image_url: { url } });
    }
  }
}

/** The flattened OpenInference messages under `prefix` (`llm.input_messages` or `llm.output_messages`). */
export function openInferenceMessages(attributes: Attributes, prefix: string): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let i = 0; ; i++) {
    const base = `${prefix}.${i}.message`;
    const role = attributes[`${base}.role`];
    const content = attributes[`${base}.content`];
    const parts = content === undefined ? partsOf(attributes, base) : [];
    const calls: ToolCall[] = [];
    for (let j = 0; ; j++) {
      const t = `${base}.tool_calls.${j}.tool_call`;
      const name = attributes[`${t}.function.name`];
      if (name === undefined) break;
      const id = attributes[`${t}.id`];
      const args = attributes[`${t}.function.arguments`];
      calls.push({ id: typeof id === "string" && id !== "" ? id : `call_${j}`, type: "function", function: { name: asText(name), arguments: args === undefined ? "{}" : asText(args) } });
    }
    if (role === undefined && content === undefined && parts.length === 0 && calls.length === 0) return out;
    const message: ChatMessage = { role: roleOf(role ?? (prefix === OpenInference.LLM_OUTPUT_MESSAGES ? "assistant" : "user")) };
    if (content !== undefined) message.content = asText(content);
    else if (parts.length > 0) message.content = parts.every((p) => p.type === "text") ? parts.map((p) => (p as { text: string }).text).join("") : parts;
    if (calls.length > 0) message.tool_calls = calls;
    const toolCallId = attributes[`${base}.tool_call_id`];
    if (message.role === "tool" && typeof toolCallId === "string") message.tool_call_id = toolCallId;
    const name = attributes[`${base}.name`];
    if (typeof name === "string" && name !== "" && message.role !== "tool") message.name = name;
    if (message.content === undefined && calls.length === 0) message.content = "";
    out.push(message);
  }
}

/** The assistant message of an LLM span: its output messages, else its plain-text `output.value`. */
export function openInferenceOutput(attributes: Attributes): ChatMessage | undefined {
  const message = openInferenceMessages(attributes, OpenInference.LLM_OUTPUT_MESSAGES).find((m) => m.role === "assistant");
  if (message) return message;
  const text = stringAttr(attributes, OpenInference.OUTPUT_VALUE);
  return text !== undefined && attributes["output.mime_type"] !== "application/json" ? { role: "assistant", content: text } : undefined;
}

function toolsOf(attributes: Attributes): ToolFunction[] | undefined {
  const tools: ToolFunction[] = [];
  for (let i = 0; ; i++) {
    const key = `${OpenInference.LLM_TOOLS}.${i}.tool.json_schema`;
    if (attributes[key] === undefined) break;
    const def = objectAttr(attributes, key);
    const fn = def && isRecord(def.function) ? def.function : def;
    if (!fn || typeof fn.name !== "string") continue;
    const tool: ToolFunction = { name: fn.name };
    if (typeof fn.description === "string") tool.description = fn.description;
    if (isRecord(fn.parameters)) tool.parameters = fn.parameters;
    else if (isRecord(fn.input_schema)) tool.parameters = fn.input_schema;
    tools.push(tool);
  }
  return tools.length > 0 ? tools : undefined;
}

const NUMBER_PARAMS: readonly (readonly [string, "temperature" | "top_p" | "presence_penalty" | "frequency_penalty"])[] = [
  ["temperature", "temperature"],
  ["top_p", "top_p"],
  ["presence_penalty", "presence_penalty"],
  ["frequency_penalty", "frequency_penalty"],
];

/**
 * What an OpenInference span adds to a model config: the request parameters
 * (`llm.invocation_parameters`), the tools, and the operation of an
 * embedding span.
 */
export function openInferenceConfig(attributes: Attributes, config: ModelConfig, other: Record<string, unknown>): void {
  const kind = stringAttr(attributes, OpenInference.SPAN_KIND)?.toUpperCase();
  if (kind === "EMBEDDING") other.operation = "embeddings";
  else if (kind === "LLM" && !config.endpoint) config.endpoint = "chat";
  const params = objectAttr(attributes, OpenInference.LLM_INVOCATION_PARAMETERS);
  if (params) {
    for (const [from, to] of NUMBER_PARAMS) {
      const value = params[from];
      if (typeof value === "number" && Number.isFinite(value) && config[to] === undefined) config[to] = value;
    }
    const max = params.max_tokens ?? params.max_completion_tokens ?? params.max_output_tokens;
    if (typeof max === "number" && max >= 0 && config.max_tokens === undefined) config.max_tokens = Math.round(max);
    if (typeof params.seed === "number" && config.seed === undefined) config.seed = Math.round(params.seed);
    if (typeof params.stop === "string" || Array.isArray(params.stop)) config.stop ??= typeof params.stop === "string" ? params.stop : params.stop.filter((s): s is string => typeof s === "string");
  }
  const tools = toolsOf(attributes);
  if (tools && !config.tools) config.tools = tools;
}

/** The inputs of an OpenInference step (CHAIN, AGENT, TOOL, RETRIEVER…) log: `input.value` as an object. */
export function openInferenceInputs(attributes: Attributes): Record<string, unknown> | undefined {
  if (attributes[OpenInference.INPUT_VALUE] === undefined) return undefined;
  const value = attributes["input.mime_type"] === "text/plain" ? attributes[OpenInference.INPUT_VALUE] : jsonAttr(attributes, OpenInference.INPUT_VALUE) ?? attributes[OpenInference.INPUT_VALUE];
  return isRecord(value) ? value : { value };
}
