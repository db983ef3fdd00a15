/**
 * Anthropic content (message params, response content blocks, the system
 * prompt, tool definitions) in the GenAI semantic conventions' JSON encoding.
 * Pure functions over plain data; unknown block types are kept with their
 * own type, so new API features are never lost or fatal.
 */
import type { GenAIMessage, GenAIPart, GenAIToolDefinition } from "../../src/core/attributes.js";

type Block = Record<string, unknown>;

const isObject = (v: unknown): v is Block => typeof v === "object" && v !== null;

/** The modality of a media type, for `blob` and `uri` parts. */
function modalityOf(mediaType: unknown, fallback: "image" | "file"): "image" | "audio" | "video" | "file" {
  if (typeof mediaType !== "string") return fallback;
  if (mediaType.startsWith("image/")) return "image";
  if (mediaType.startsWith("audio/")) return "audio";
  if (mediaType.startsWith("video/")) return "video";
  return "file";
}

/** An `image` or `document` block's source as a part. */
function sourcePart(block: Block, fallback: "image" | "file"): GenAIPart {
  const source = isObject(block.source) ? block.source : {};
  const modality = modalityOf(source.media_type, fallback);
  switch (source.type) {
    case "base64":
      return { type: "blob", modality, content: String(source.data ?? ""), ...(typeof source.media_type === "string" ? { mime_type: source.media_type } : {}) };
    case "url":
      return { type: "uri", modality, uri: String(source.url ?? "") };
    case "text":
      return { type: "text", content: String(source.data ?? "") };
    case "file":
      return { type: "file", modality, file_id: source.file_id };
    case "content":
      return { type: "text", content: textOf(source.content) };
    default:
      return { type: String(block.type), source: source.type };
  }
}

/** The text of a string or of the text blocks in a block list. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.filter((b): b is Block => isObject(b) && b.type === "text").map((b) => String(b.text ?? "")).join("");
}

/** A `tool_result` block's content: a string as is, text blocks joined, anything else as its parts. */
function toolResultResponse(content: unknown): unknown {
  if (content === undefined || typeof content === "string") return content ?? "";
  if (Array.isArray(content) && content.every((b) => isObject(b) && b.type === "text")) return textOf(content);
  return Array.isArray(content) ? content.map(blockToPart) : content;
}

/** One Anthropic content block (request or response side) as a GenAI part. */
export function blockToPart(block: unknown): GenAIPart {
  if (typeof block === "string") return { type: "text", content: block };
  if (!isObject(block)) return { type: "unknown" };
  switch (block.type) {
    case "text":
      return { type: "text", content: String(block.text ?? "") };
    case "thinking":
      return { type: "reasoning", content: String(block.thinking ?? ""), ...(typeof block.signature === "string" && block.signature ? { signature: block.signature } : {}) };
    case "redacted_thinking":
      return { type: "reasoning", content: String(block.data ?? ""), redacted: true };
    case "tool_use":
    case "server_tool_use":
    case "mcp_tool_use":
      return { type: "tool_call", id: block.id as string | undefined, name: String(block.name ?? ""), arguments: block.input };
    case "tool_result":
    case "mcp_tool_result":
      return { type: "tool_call_response", id: block.tool_use_id as string | undefined, response: toolResultResponse(block.content) };
    case "image":
      return sourcePart(block, "image");
    case "document":
      return sourcePart(block, "file");
    default:
      // Server tool results (web search, code execution, ...) and future block types: keep what they are.
      if (typeof block.type === "string" && block.type.endsWith("_tool_result")) {
        return { type: "tool_call_response", id: block.tool_use_id as string | undefined, response: block.content };
      }
      return { type: String(block.type ?? "unknown") };
  }
}

/** A message's `content` (a string or blocks) as parts. */
export function contentToParts(content: unknown): GenAIPart[] {
  if (typeof content === "string") return [{ type: "text", content }];
  if (!Array.isArray(content)) return [];
  return content.map(blockToPart);
}

/**
 * Replaces the inline (base64) content of the `blob` parts of `messages`,
 * tool results' included, by `[N chars omitted]`, in place (the parts are
 * ours, built by {@link blockToPart}). Returns whether any was replaced.
 */
export function omitBlobContent(messages: GenAIMessage[]): boolean {
  let omitted = false;
  const visit = (parts: unknown): void => {
    if (!Array.isArray(parts)) return;
    for (const part of parts as Block[]) {
      if (!isObject(part)) continue;
      if (part.type === "blob" && typeof part.content === "string") {
        part.content = `[${part.content.length} chars omitted]`;
        omitted = true;
      } else if (part.type === "tool_call_response") visit(part.response);
    }
  };
  for (const message of messages) visit(message.parts);
  return omitted;
}

/** The request's `messages` as GenAI input messages. */
export function inputMessages(messages: unknown): GenAIMessage[] {
  if (!Array.isArray(messages)) return [];
  return messages.map((m) => (isObject(m) ? { role: String(m.role ?? "user"), parts: contentToParts(m.content) } : { role: "user", parts: [] }));
}

/** The `system` prompt (a string or text blocks) as parts, or undefined when there is none. */
export function systemParts(system: unknown): GenAIPart[] | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === "string") return system ? [{ type: "text", content: system }] : undefined;
  const parts = contentToParts(system);
  return parts.length ? parts : undefined;
}

/** The request's `tools` as GenAI tool definitions; server tools keep their own type. */
export function toolDefinitions(tools: unknown): GenAIToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.filter(isObject).map((tool) => {
    const custom = tool.type === undefined || tool.type === "custom";
    const definition: GenAIToolDefinition = { type: custom ? "function" : String(tool.type), name: String(tool.name ?? "") };
    if (typeof tool.description === "string") definition.description = tool.description;
    if (tool.input_schema !== undefined) definition.parameters = tool.input_schema;
    return definition;
  });
}

/** The response's content as the one GenAI output message. */
export function outputMessage(content: unknown, stopReason: unknown): GenAIMessage {
  const message: GenAIMessage = { role: "assistant", parts: contentToParts(content) };
  if (typeof stopReason === "string") message.finish_reason = stopReason;
  return message;
}
