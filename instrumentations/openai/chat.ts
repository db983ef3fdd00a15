import type { Span } from "@opentelemetry/api";
import { GenAI, type GenAIMessage, type GenAIPart, type GenAIToolDefinition } from "../../src/core/attributes.js";
import {
  generationParams, isObject, outputTypeParam, parseArguments, setJson, setJsonText, setResponseIdentity, textMessageJson, setUsage, uriPart,
  type Endpoint, type Json, type StreamAccumulator,
} from "./common.js";

/** `chat.completions.create` (and the `stream()`/`parse()` helpers built on it). */
export const chatEndpoint: Endpoint = {
  operation: "chat",
  requestAttributes(body, attrs) {
    generationParams(body, attrs, ["max_completion_tokens", "max_tokens"]);
    outputTypeParam(body.response_format, attrs);
    if (typeof body.service_tier === "string") attrs[GenAI.OPENAI_REQUEST_SERVICE_TIER] = body.service_tier;
  },
  requestContent(body, span) {
    if (Array.isArray(body.messages)) {
      const text = textMessagesJson(body.messages);
      if (text !== undefined) setJsonText(span, GenAI.INPUT_MESSAGES, text);
      else setJson(span, GenAI.INPUT_MESSAGES, body.messages.map(inputMessage));
    }
    if (Array.isArray(body.tools) && body.tools.length > 0) setJson(span, GenAI.TOOL_DEFINITIONS, body.tools.map(toolDefinition));
  },
  result(value, span, capture) {
    setResponseIdentity(span, value);
    setUsage(span, value.usage);
    const choices = Array.isArray(value.choices) ? (value.choices as unknown[]).filter(isObject) : [];
    const reasons = choices.map((c) => (typeof c.finish_reason === "string" ? c.finish_reason : "")).filter(Boolean);
    if (reasons.length > 0) span.setAttribute(GenAI.RESPONSE_FINISH_REASONS, reasons);
    if (capture && choices.length === 1 && isObject(choices[0]!.message)) {
      const text = textOutputJson(choices[0]!.message, choices[0]!.finish_reason);
      if (text !== undefined) {
        setJsonText(span, GenAI.OUTPUT_MESSAGES, `[${text}]`);
        return;
      }
    }
    if (capture && choices.length > 0) {
      setJson(span, GenAI.OUTPUT_MESSAGES, choices.map((c) => outputMessage(isObject(c.message) ? c.message : {}, c.finish_reason)));
    }
  },
  accumulator: (capture) => new ChatStream(capture),
};

function contentParts(content: unknown): GenAIPart[] {
  if (typeof content === "string") return [{ type: "text", content }];
  if (!Array.isArray(content)) return content == null ? [] : [{ type: "text", content: String(content) }];
  const parts: GenAIPart[] = [];
  for (const p of content) {
    if (!isObject(p)) continue;
    if (p.type === "text" && typeof p.text === "string") parts.push({ type: "text", content: p.text });
    else if (p.type === "refusal" && typeof p.refusal === "string") parts.push({ type: "text", content: p.refusal });
    else if (p.type === "image_url" && isObject(p.image_url) && typeof p.image_url.url === "string") {
      parts.push(uriPart("image", p.image_url.url, p.image_url.detail));
    } else if (p.type === "input_audio" && isObject(p.input_audio)) {
      parts.push({ type: "blob", modality: "audio", mime_type: `audio/${String(p.input_audio.format)}`, content: "[omitted]" });
    } else if (p.type === "file" && isObject(p.file)) {
      parts.push({ type: "file", modality: "file", file_id: p.file.file_id, filename: p.file.filename });
    } else parts.push({ type: String(p.type) });
  }
  return parts;
}

function toolCallParts(toolCalls: unknown): GenAIPart[] {
  if (!Array.isArray(toolCalls)) return [];
  const parts: GenAIPart[] = [];
  for (const call of toolCalls) {
    if (!isObject(call)) continue;
    const fn = isObject(call.function) ? call.function : isObject(call.custom) ? call.custom : {};
    const id = typeof call.id === "string" ? call.id : undefined;
    parts.push({ type: "tool_call", id, name: String(fn.name ?? ""), arguments: parseArguments(fn.arguments ?? fn.input) });
  }
  return parts;
}

/** The input messages' JSON when every one is plain text (the common case), else undefined. */
function textMessagesJson(messages: unknown[]): string | undefined {
  let out = "[";
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObject(m)) return undefined;
    const { role, content, name } = m;
    if (typeof role !== "string" || role === "tool" || typeof content !== "string" || Array.isArray(m.tool_calls)) return undefined;
    if (role === "assistant" && isObject(m.function_call)) return undefined;
    if (i > 0) out += ",";
    out += textMessageJson(role, content, typeof name === "string" ? `,"name":${JSON.stringify(name)}` : "");
  }
  return `${out}]`;
}

/** A text-only output message's JSON (what {@link outputMessage} gives, serialized), else undefined. */
function textOutputJson(message: Json, finishReason: unknown): string | undefined {
  if (typeof message.content !== "string" || Array.isArray(message.tool_calls)) return undefined;
  if (typeof message.refusal === "string" && message.refusal) return undefined;
  return textMessageJson("assistant", message.content, typeof finishReason === "string" ? `,"finish_reason":${JSON.stringify(finishReason)}` : "");
}

function inputMessage(m: unknown): GenAIMessage {
  if (!isObject(m)) return { role: "user", parts: [] };
  const role = typeof m.role === "string" ? m.role : "user";
  if (role === "tool") {
    const response = typeof m.content === "string" ? m.content : contentParts(m.content).map((p) => (p as { content?: unknown }).content ?? p);
    return { role, parts: [{ type: "tool_call_response", id: typeof m.tool_call_id === "string" ? m.tool_call_id : undefined, response }] };
  }
  const msg: GenAIMessage = { role, parts: [...contentParts(m.content), ...toolCallParts(m.tool_calls)] };
  if (role === "assistant" && isObject(m.function_call)) {
    msg.parts.push({ type: "tool_call", name: String(m.function_call.name ?? ""), arguments: parseArguments(m.function_call.arguments) });
  }
  if (typeof m.name === "string") msg.name = m.name;
  return msg;
}

function outputMessage(message: Json, finishReason: unknown): GenAIMessage {
  const parts = [...contentParts(message.content), ...toolCallParts(message.tool_calls)];
  if (typeof message.refusal === "string" && message.refusal) parts.push({ type: "text", content: message.refusal });
  const out: GenAIMessage = { role: "assistant", parts };
  if (typeof finishReason === "string") out.finish_reason = finishReason;
  return out;
}

function toolDefinition(t: unknown): GenAIToolDefinition {
  if (!isObject(t)) return { type: "unknown", name: "" };
  const fn = isObject(t.function) ? t.function : isObject(t.custom) ? t.custom : t;
  const def: GenAIToolDefinition = { type: typeof t.type === "string" ? t.type : "function", name: String(fn.name ?? t.type ?? "") };
  if (typeof fn.description === "string") def.description = fn.description;
  if (fn.parameters !== undefined) def.parameters = fn.parameters;
  return def;
}

interface ChoiceState {
  text: string[];
  refusal: string[];
  finish?: string;
  tools?: { id?: string; name: string; args: string[] }[];
}

/** Chat chunks -> output messages, finish reasons and usage. Per chunk: a few reads and pushes. */
class ChatStream implements StreamAccumulator {
  private identity: Json | undefined;
  private usage: unknown;
  private readonly choices: ChoiceState[] = [];

  /** @param capture when false, only ids, usage and finish reasons are kept (the content will not be exported). */
  constructor(private readonly capture: boolean) {}

  onChunk(chunk: unknown): void {
    if (!isObject(chunk)) return;
    if (this.identity === undefined && chunk.id !== undefined) this.identity = chunk;
    if (chunk.usage) this.usage = chunk.usage;
    const choices = chunk.choices;
    if (!Array.isArray(choices)) return;
    for (const c of choices as Json[]) {
      const index = typeof c.index === "number" ? c.index : 0;
      const state = (this.choices[index] ??= { text: [], refusal: [] });
      if (typeof c.finish_reason === "string") state.finish = c.finish_reason;
      const delta = c.delta as Json | undefined;
      if (!delta || !this.capture) continue;
      if (typeof delta.content === "string") state.text.push(delta.content);
      if (typeof delta.refusal === "string") state.refusal.push(delta.refusal);
      if (Array.isArray(delta.tool_calls)) this.toolDeltas(state, delta.tool_calls as Json[]);
    }
  }

  private toolDeltas(state: ChoiceState, deltas: Json[]): void {
    const tools = (state.tools ??= []);
    for (const d of deltas) {
      const i = typeof d.index === "number" ? d.index : tools.length;
      const fn = (d.function ?? {}) as Json;
      const tool = (tools[i] ??= { name: "", args: [] });
      if (typeof d.id === "string") tool.id = d.id;
      if (typeof fn.name === "string") tool.name += fn.name;
      if (typeof fn.arguments === "string") tool.args.push(fn.arguments);
    }
  }

  write(span: Span, capture: boolean): void {
    if (this.identity) setResponseIdentity(span, this.identity);
    setUsage(span, this.usage);
    const reasons: string[] = [];
    for (const c of this.choices) if (c?.finish) reasons.push(c.finish);
    if (reasons.length > 0) span.setAttribute(GenAI.RESPONSE_FINISH_REASONS, reasons);
    if (!capture || this.choices.length === 0) return;
    const only = this.choices.length === 1 ? this.choices[0] : undefined;
    if (only && !only.tools && only.refusal.length === 0 && only.text.length > 0) {
      const text = only.text.join("");
      if (text) {
        const finish = only.finish ? `,"finish_reason":${JSON.stringify(only.finish)}` : "";
        setJsonText(span, GenAI.OUTPUT_MESSAGES, `[${textMessageJson("assistant", text, finish)}]`);
        return;
      }
    }
    const messages = this.choices.map((c): GenAIMessage => {
      const parts: GenAIPart[] = [];
      const text = c?.text.join("");
      if (text) parts.push({ type: "text", content: text });
      const refusal = c?.refusal.join("");
      if (refusal) parts.push({ type: "text", content: refusal });
      for (const t of c?.tools ?? []) if (t) parts.push({ type: "tool_call", id: t.id, name: t.name, arguments: parseArguments(t.args.join("")) });
      const msg: GenAIMessage = { role: "assistant", parts };
      if (c?.finish) msg.finish_reason = c.finish;
      return msg;
    });
    setJson(span, GenAI.OUTPUT_MESSAGES, messages);
  }
}
