import type { Span } from "@opentelemetry/api";
import { GenAI, type GenAIMessage } from "../../src/core/attributes.js";
import { generationParams, isObject, setJson, setResponseIdentity, setUsage, type Endpoint, type Json, type StreamAccumulator } from "./common.js";

/** Legacy `completions.create`. */
export const completionsEndpoint: Endpoint = {
  operation: "text_completion",
  requestAttributes(body, attrs) {
    generationParams(body, attrs, ["max_tokens"]);
  },
  requestContent(body, span) {
    const prompts = typeof body.prompt === "string" ? [body.prompt] : Array.isArray(body.prompt) ? body.prompt : [];
    const messages = prompts.map((p): GenAIMessage => ({ role: "user", parts: [{ type: "text", content: typeof p === "string" ? p : JSON.stringify(p) }] }));
    if (messages.length > 0) setJson(span, GenAI.INPUT_MESSAGES, messages);
  },
  result(value, span, capture) {
    setResponseIdentity(span, value);
    setUsage(span, value.usage);
    const choices = Array.isArray(value.choices) ? (value.choices as unknown[]).filter(isObject) : [];
    writeChoices(span, capture, choices.map((c) => ({ text: typeof c.text === "string" ? c.text : "", finish: c.finish_reason })));
  },
  accumulator: (capture) => new CompletionChunks(capture),
};

function writeChoices(span: Span, capture: boolean, choices: { text: string; finish: unknown }[]): void {
  const reasons = choices.map((c) => c.finish).filter((r): r is string => typeof r === "string");
  if (reasons.length > 0) span.setAttribute(GenAI.RESPONSE_FINISH_REASONS, reasons);
  if (capture && choices.length > 0) {
    setJson(span, GenAI.OUTPUT_MESSAGES, choices.map((c): GenAIMessage => {
      const msg: GenAIMessage = { role: "assistant", parts: [{ type: "text", content: c.text }] };
      if (typeof c.finish === "string") msg.finish_reason = c.finish;
      return msg;
    }));
  }
}

class CompletionChunks implements StreamAccumulator {
  private identity: Json | undefined;
  private usage: unknown;
  private readonly choices: { text: string[]; finish?: unknown }[] = [];

  /** @param capture when false, the text is not kept (it will not be exported). */
  constructor(private readonly capture: boolean) {}

  onChunk(chunk: unknown): void {
    if (!isObject(chunk)) return;
    if (this.identity === undefined && chunk.id !== undefined) this.identity = chunk;
    if (chunk.usage) this.usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const c of chunk.choices as Json[]) {
      const state = (this.choices[typeof c.index === "number" ? c.index : 0] ??= { text: [] });
      if (this.capture && typeof c.text === "string") state.text.push(c.text);
      if (typeof c.finish_reason === "string") state.finish = c.finish_reason;
    }
  }

  write(span: Span, capture: boolean): void {
    if (this.identity) setResponseIdentity(span, this.identity);
    setUsage(span, this.usage);
    writeChoices(span, capture, this.choices.map((c) => ({ text: c?.text.join("") ?? "", finish: c?.finish })));
  }
}
