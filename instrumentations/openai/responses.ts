import type { Span } from "@opentelemetry/api";
import { GenAI, type GenAIMessage, type GenAIPart, type GenAIToolDefinition } from "../../src/core/attributes.js";
import {
  isObject, numberParam, outputTypeParam, parseArguments, setJson, setResponseIdentity, setUsage, uriPart,
  type Endpoint, type Json, type StreamAccumulator,
} from "./common.js";

/** `responses.create` (and the `stream()`/`parse()` helpers built on it). */
export const responsesEndpoint: Endpoint = {
  operation: "chat",
  requestAttributes(body, attrs) {
    numberParam(body, "temperature", attrs, GenAI.REQUEST_TEMPERATURE);
    numberParam(body, "top_p", attrs, GenAI.REQUEST_TOP_P);
    numberParam(body, "max_output_tokens", attrs, GenAI.REQUEST_MAX_TOKENS);
    outputTypeParam(isObject(body.text) ? body.text.format : undefined, attrs);
    if (typeof body.service_tier === "string") attrs[GenAI.OPENAI_REQUEST_SERVICE_TIER] = body.service_tier;
  },
  requestContent(body, span) {
    if (typeof body.instructions === "string") setJson(span, GenAI.SYSTEM_INSTRUCTIONS, [{ type: "text", content: body.instructions }]);
    if (typeof body.input === "string") setJson(span, GenAI.INPUT_MESSAGES, [{ role: "user", parts: [{ type: "text", content: body.input }] }]);
    else if (Array.isArray(body.input)) setJson(span, GenAI.INPUT_MESSAGES, inputMessages(body.input));
    if (Array.isArray(body.tools) && body.tools.length > 0) setJson(span, GenAI.TOOL_DEFINITIONS, body.tools.map(toolDefinition));
  },
  result(value, span, capture) {
    writeResponse(value, span, capture);
  },
  accumulator: (capture) => new ResponseEvents(capture),
};

function writeResponse(response: Json, span: Span, capture: boolean): void {
  setResponseIdentity(span, response);
  setUsage(span, response.usage);
  const output = Array.isArray(response.output) ? (response.output as unknown[]).filter(isObject) : [];
  const reason = finishReason(response, output);
  if (reason) span.setAttribute(GenAI.RESPONSE_FINISH_REASONS, [reason]);
  if (capture && output.length > 0) {
    const msg: GenAIMessage = { role: "assistant", parts: output.flatMap(outputParts) };
    if (reason) msg.finish_reason = reason;
    setJson(span, GenAI.OUTPUT_MESSAGES, [msg]);
  }
}

function finishReason(response: Json, output: Json[]): string | undefined {
  if (response.status === "incomplete") {
    const details = response.incomplete_details;
    return isObject(details) && typeof details.reason === "string" ? details.reason : "incomplete";
  }
  if (response.status === "failed") return "error";
  if (response.status !== "completed") return typeof response.status === "string" ? response.status : undefined;
  return output.some((o) => o.type === "function_call") ? "tool_calls" : "stop";
}

function outputParts(item: Json): GenAIPart[] {
  switch (item.type) {
    case "message":
      return Array.isArray(item.content) ? (item.content as unknown[]).filter(isObject).map(contentPart) : [];
    case "function_call":
      return [{ type: "tool_call", id: String(item.call_id ?? item.id ?? ""), name: String(item.name ?? ""), arguments: parseArguments(item.arguments) }];
    case "reasoning": {
      const summary = Array.isArray(item.summary) ? (item.summary as Json[]).map((s) => String(s?.text ?? "")).join("\n") : "";
      return summary ? [{ type: "reasoning", content: summary }] : [];
    }
    default:
      return [{ type: String(item.type), id: item.id }];
  }
}

function contentPart(p: Json): GenAIPart {
  if ((p.type === "input_text" || p.type === "output_text") && typeof p.text === "string") return { type: "text", content: p.text };
  if (p.type === "refusal" && typeof p.refusal === "string") return { type: "text", content: p.refusal };
  if (p.type === "input_image" && typeof p.image_url === "string") return uriPart("image", p.image_url, p.detail);
  if (p.type === "input_image" && typeof p.file_id === "string") return { type: "file", modality: "image", file_id: p.file_id };
  if (p.type === "input_file") return { type: "file", modality: "file", file_id: p.file_id, filename: p.filename };
  return { type: String(p.type) };
}

function inputMessages(items: unknown[]): GenAIMessage[] {
  const out: GenAIMessage[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    if (item.type === "function_call_output") {
      out.push({ role: "tool", parts: [{ type: "tool_call_response", id: String(item.call_id ?? ""), response: item.output }] });
    } else if (item.type === "function_call") {
      out.push({ role: "assistant", parts: outputParts(item) });
    } else if (item.role !== undefined) {
      const parts = typeof item.content === "string"
        ? [{ type: "text", content: item.content }]
        : Array.isArray(item.content) ? (item.content as unknown[]).filter(isObject).map(contentPart) : [];
      out.push({ role: String(item.role), parts });
    } else out.push({ role: "user", parts: [{ type: String(item.type) }] });
  }
  return out;
}

function toolDefinition(t: unknown): GenAIToolDefinition {
  if (!isObject(t)) return { type: "unknown", name: "" };
  const def: GenAIToolDefinition = { type: String(t.type ?? "function"), name: String(t.name ?? t.type ?? "") };
  if (typeof t.description === "string") def.description = t.description;
  if (t.parameters !== undefined) def.parameters = t.parameters;
  return def;
}

/** Response stream events: keep the last full response object, and text deltas in case the stream stops early. */
class ResponseEvents implements StreamAccumulator {
  private response: Json | undefined;
  private final = false;
  private readonly text: string[] = [];

  /** @param capture when false, the text deltas are not kept (they will not be exported). */
  constructor(private readonly capture: boolean) {}

  onChunk(event: unknown): void {
    if (!isObject(event)) return;
    const type = event.type;
    if (type === "response.output_text.delta") {
      if (this.capture && typeof event.delta === "string") this.text.push(event.delta);
    } else if (type === "response.completed" || type === "response.incomplete" || type === "response.failed") {
      if (isObject(event.response)) {
        this.response = event.response;
        this.final = true;
      }
    } else if (type === "response.created" && isObject(event.response)) this.response = event.response;
  }

  write(span: Span, capture: boolean): void {
    if (this.response && this.final) return writeResponse(this.response, span, capture);
    if (this.response) setResponseIdentity(span, this.response);
    if (capture && this.text.length > 0) {
      setJson(span, GenAI.OUTPUT_MESSAGES, [{ role: "assistant", parts: [{ type: "text", content: this.text.join("") }] }]);
    }
  }
}
