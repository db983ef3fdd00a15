import type { Attributes } from "@opentelemetry/api";
import { GenAI } from "../../../src/core/attributes.js";
import type { ChatMessage, ContentPart, ToolCall } from "../types.js";
import { asText, isRecord, jsonAttr, stringAttr } from "./json.js";

/**
 * Chat messages from the three encodings found on LLM spans: the GenAI
 * semantic conventions' JSON (`gen_ai.input.messages` and friends), the older
 * flattened `gen_ai.prompt.N.*` attributes, and the Vercel AI SDK's
 * `ai.prompt.messages`. Everything is reshaped to Humanloop's strict message
 * type; parts Humanloop has no place for (reasoning, audio) are left out or
 * named in text.
 */

type Role = ChatMessage["role"];

function roleOf(raw: unknown): Role {
  switch (raw) {
    case "system":
    case "developer":
      return "system";
    case "assistant":
    case "model":
      return "assistant";
    case "tool":
    case "function":
      return "tool";
    default:
      return "user";
  }
}

/** Text parts collapse to one string; anything with an image stays a part list. */
function contentOf(parts: ContentPart[]): string | ContentPart[] | undefined {
  if (parts.length === 0) return undefined;
  if (parts.every((p) => p.type === "text")) return parts.map((p) => (p as { text: string }).text).join("");
  return parts;
}

function toolCall(id: unknown, name: unknown, args: unknown, index: number): ToolCall {
  return {
    id: typeof id === "string" && id !== "" ? id : `call_${index}`,
    type: "function",
    function: { name: typeof name === "string" ? name : "unknown", arguments: args === undefined ? "{}" : asText(args) },
  };
}

/** The image `detail` values Humanloop accepts; any other (e.g. a newer provider's) is left out rather than refused with a 422. */
const DETAILS = new Set(["high", "low", "auto"]);

function mediaPart(modality: unknown, url: string, detail?: unknown): ContentPart {
  if (modality === "image") return { type: "image_url", image_url: typeof detail === "string" && DETAILS.has(detail) ? { url, detail } : { url } };
  return { type: "text", text: `[${typeof modality === "string" ? modality : "file"}: ${url.startsWith("data:") ? "inline data" : url}]` };
}

/** GenAI semconv messages (`{ role, parts }[]`) as Humanloop messages; tool results become role `tool` messages. */
export function fromGenAIMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) return [];
  const out: ChatMessage[] = [];
  for (const raw of value) {
    if (!isRecord(raw)) continue;
    const role = roleOf(raw.role);
    const parts: unknown[] = Array.isArray(raw.parts) ? raw.parts : typeof raw.content === "string" ? [{ type: "text", content: raw.content }] : [];
    const content: ContentPart[] = [];
    const calls: ToolCall[] = [];
    const results: ChatMessage[] = [];
    for (const part of parts) {
      if (!isRecord(part)) continue;
      switch (part.type) {
        case "text":
          if (typeof part.content === "string") content.push({ type: "text", text: part.content });
          break;
        case "tool_call":
          calls.push(toolCall(part.id, part.name, part.arguments, calls.length));
          break;
        case "tool_call_response":
          results.push({ role: "tool", content: asText(part.response), ...(typeof part.id === "string" ? { tool_call_id: part.id } : {}) });
          break;
        case "uri":
          if (typeof part.uri === "string") content.push(mediaPart(part.modality, part.uri, part.detail));
          break;
        case "blob":
          if (typeof part.content === "string") {
            const mime = typeof part.mime_type === "string" ? part.mime_type : "application/octet-stream";
            content.push(mediaPart(part.modality, `data:${mime};base64,${part.content}`, part.detail));
          }
          break;
        case "reasoning":
          break; // Humanloop messages have no reasoning field; the token count goes to metadata.
        default:
          if (typeof part.content === "string") content.push({ type: "text", text: part.content });
      }
    }
    if (results.length > 0 && content.length === 0 && calls.length === 0) {
      out.push(...results);
      continue;
    }
    const message: ChatMessage = { role };
    const c = contentOf(content);
    if (c !== undefined) message.content = c;
    if (calls.length > 0) message.tool_calls = calls;
    if (typeof raw.name === "string" && raw.name !== "") message.name = raw.name;
    if (role === "tool" && typeof raw.tool_call_id === "string") message.tool_call_id = raw.tool_call_id;
    if (message.content === undefined && calls.length === 0) message.content = "";
    out.push(message, ...results);
  }
  return out;
}

/** `gen_ai.system_instructions` (a part list or a plain string) as one system message. */
export function systemMessage(attributes: Attributes): ChatMessage | undefined {
  const value = jsonAttr(attributes, GenAI.SYSTEM_INSTRUCTIONS);
  if (value === undefined) {
    const raw = stringAttr(attributes, GenAI.SYSTEM_INSTRUCTIONS);
    return raw ? { role: "system", content: raw } : undefined;
  }
  if (typeof value === "string") return { role: "system", content: value };
  const parts = Array.isArray(value) ? value : [value];
  const [message] = fromGenAIMessages([{ role: "system", parts }]);
  return message;
}

/** Older instrumentations' flattened `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` attributes. */
export function fromFlattened(attributes: Attributes, prefix: "gen_ai.prompt" | "gen_ai.completion"): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let i = 0; ; i++) {
    const base = `${prefix}.${i}`;
    const role = attributes[`${base}.role`];
    const content = attributes[`${base}.content`];
    if (role === undefined && content === undefined) break;
    const message: ChatMessage = { role: roleOf(role ?? (prefix === "gen_ai.completion" ? "assistant" : "user")) };
    if (content !== undefined) message.content = asText(content);
    const calls: ToolCall[] = [];
    for (let j = 0; attributes[`${base}.tool_calls.${j}.name`] !== undefined; j++) {
      const t = `${base}.tool_calls.${j}`;
      calls.push(toolCall(attributes[`${t}.id`], attributes[`${t}.name`], attributes[`${t}.arguments`], j));
    }
    if (calls.length > 0) message.tool_calls = calls;
    const toolCallId = attributes[`${base}.tool_call_id`];
    if (message.role === "tool" && typeof toolCallId === "string") message.tool_call_id = toolCallId;
    if (message.content === undefined && calls.length === 0) message.content = "";
    out.push(message);
  }
  return out;
}

/** The Vercel AI SDK's `ai.prompt.messages` (its `CoreMessage` shape) as Humanloop messages. */
export function fromVercelMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) return [];
  const out: ChatMessage[] = [];
  for (const raw of value) {
    if (!isRecord(raw)) continue;
    const role = roleOf(raw.role);
    if (typeof raw.content === "string") {
      out.push({ role, content: raw.content });
      continue;
    }
    if (!Array.isArray(raw.content)) continue;
    const content: ContentPart[] = [];
    const calls: ToolCall[] = [];
    const results: ChatMessage[] = [];
    for (const part of raw.content) {
      if (!isRecord(part)) continue;
      if (part.type === "text" && typeof part.text === "string") content.push({ type: "text", text: part.text });
      else if (part.type === "image" && typeof part.image === "string") {
        const url = part.image.startsWith("http") || part.image.startsWith("data:") ? part.image : `data:${typeof part.mimeType === "string" ? part.mimeType : "image/png"};base64,${part.image}`;
        content.push({ type: "image_url", image_url: { url } });
      } else if (part.type === "tool-call") calls.push(toolCall(part.toolCallId, part.toolName, part.input ?? part.args, calls.length));
      else if (part.type === "tool-result") {
        const result: ChatMessage = { role: "tool", content: asText(part.output ?? part.result) };
        if (typeof part.toolCallId === "string") result.tool_call_id = part.toolCallId;
        results.push(result);
      }
    }
    if (results.length > 0 && content.length === 0 && calls.length === 0) {
      out.push(...results);
      continue;
    }
    const message: ChatMessage = { role };
    const c = contentOf(content);
    message.content = c ?? "";
    if (calls.length > 0) message.tool_calls = calls;
    out.push(message, ...results);
  }
  return out;
}

/** The Vercel AI SDK's output (`ai.response.text`, `ai.response.toolCalls`) as one assistant message. */
export function vercelOutputMessage(attributes: Attributes): ChatMessage | undefined {
  const text = stringAttr(attributes, "ai.response.text") ?? stringAttr(attributes, "ai.response.object");
  const rawCalls = jsonAttr(attributes, "ai.response.toolCalls");
  const calls = Array.isArray(rawCalls)
    ? rawCalls.filter(isRecord).map((c, i) => toolCall(c.toolCallId, c.toolName, c.input ?? c.args, i))
    : [];
  if (text === undefined && calls.length === 0) return undefined;
  const message: ChatMessage = { role: "assistant", content: text ?? "" };
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

/** The text of a message (its text parts joined), or the JSON of its tool calls when it has no text. */
export function outputTextOf(message: ChatMessage): string {
  const { content } = message;
  const text = typeof content === "string" ? content : (content ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");
  if (text !== "" || !message.tool_calls) return text;
  return JSON.stringify(message.tool_calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })));
}
