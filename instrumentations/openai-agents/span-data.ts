import { SpanKind, type Attributes, type Span } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../../src/core/attributes.js";
import { getContentPolicy } from "../../src/core/content-policy.js";
import { chatEndpoint } from "../openai/chat.js";
import { isObject, setJson, type Json } from "../openai/common.js";
import { responsesEndpoint } from "../openai/responses.js";

/**
 * OpenAI Agents SDK span data -> OpenTelemetry span name and GenAI
 * attributes (pure, apart from writing onto the span given). Agent runs are
 * `invoke_agent`, generations and responses model calls (`chat`), function
 * calls `execute_tool`; handoffs, guardrails, MCP tool listings and custom
 * spans are steps named by their type. Task and turn spans carry no GenAI
 * attributes: they are not logged, their children attach to the agent.
 */

/** The Agents SDK's span data, as far as it is read here (its `SpanData` union, loosely). */
export interface AgentsSpanData {
  type: string;
  name?: string;
  [key: string]: unknown;
}

/** Name, kind and start attributes of the OpenTelemetry span for an Agents SDK span. */
export function startOf(data: AgentsSpanData): { name: string; kind: SpanKind; attributes: Attributes } {
  const attributes: Attributes = { "openai_agents.span_type": data.type };
  switch (data.type) {
    case "agent":
      attributes[GenAI.OPERATION_NAME] = "invoke_agent";
      attributes[GenAI.PROVIDER_NAME] = "openai";
      if (data.name) attributes[GenAI.AGENT_NAME] = data.name;
      attributes[Humanloop.METADATA] = JSON.stringify({ handoffs: data.handoffs, tools: data.tools, output_type: data.output_type });
      return { name: `invoke_agent ${data.name ?? ""}`.trim(), kind: SpanKind.INTERNAL, attributes };
    case "function":
      attributes[GenAI.OPERATION_NAME] = "execute_tool";
      attributes[GenAI.TOOL_NAME] = String(data.name ?? "function");
      attributes["gen_ai.tool.type"] = "function";
      return { name: `execute_tool ${String(data.name ?? "")}`.trim(), kind: SpanKind.INTERNAL, attributes };
    case "generation":
    case "response":
      attributes[GenAI.OPERATION_NAME] = "chat";
      attributes[GenAI.PROVIDER_NAME] = "openai";
      if (typeof data.model === "string") attributes[GenAI.REQUEST_MODEL] = data.model;
      return { name: typeof data.model === "string" ? `chat ${data.model}` : "chat", kind: SpanKind.CLIENT, attributes };
    case "task":
    case "turn":
      return { name: data.type === "turn" ? `turn ${String(data.turn ?? "")}`.trim() : String(data.name ?? "task"), kind: SpanKind.INTERNAL, attributes };
    default:
      attributes[GenAI.OPERATION_NAME] = data.type;
      return { name: String(data.name ?? data.type), kind: SpanKind.INTERNAL, attributes };
  }
}

/** Writes what an Agents SDK span knows at its end. `tokens`: false when a provider call span inside already carries them. */
export function writeEnd(span: Span, data: AgentsSpanData, tokens: boolean): void {
  const capture = getContentPolicy().captureContent;
  switch (data.type) {
    case "function":
      if (capture && data.input !== undefined) span.setAttribute("gen_ai.tool.call.arguments", String(data.input));
      if (capture && data.output !== undefined) span.setAttribute("gen_ai.tool.call.result", typeof data.output === "string" ? data.output : JSON.stringify(data.output));
      return;
    case "response":
      return writeResponse(span, data, capture, tokens);
    case "generation":
      return writeGeneration(span, data, capture, tokens);
    case "handoff":
      if (capture) setJson(span, Humanloop.INPUTS, { from_agent: data.from_agent, to_agent: data.to_agent });
      if (typeof data.to_agent === "string") span.setAttribute(Humanloop.OUTPUT, data.to_agent);
      return;
    case "guardrail":
      span.setAttribute(Humanloop.OUTPUT, data.triggered === true ? "triggered" : "passed");
      return;
    case "custom":
      if (capture && isObject(data.data)) setJson(span, Humanloop.INPUTS, data.data);
      return;
    case "mcp_tools":
      if (Array.isArray(data.result)) span.setAttribute(Humanloop.OUTPUT, JSON.stringify(data.result));
      return;
    case "task":
    case "turn":
      return;
    default:
      return;
  }
}

function writeResponse(span: Span, data: AgentsSpanData, capture: boolean, tokens: boolean): void {
  const response = isObject(data._response) ? data._response : undefined;
  if (capture && data._input !== undefined) {
    const body: Json = { input: data._input };
    if (response && typeof response.instructions === "string") body.instructions = response.instructions;
    if (response && Array.isArray(response.tools)) body.tools = response.tools;
    responsesEndpoint.requestContent(body, span);
  }
  if (!response) {
    if (typeof data.response_id === "string") span.setAttribute(GenAI.RESPONSE_ID, data.response_id);
    return;
  }
  if (typeof response.model === "string") span.setAttribute(GenAI.REQUEST_MODEL, response.model);
  responsesEndpoint.result(tokens ? response : { ...response, usage: undefined }, span, capture);
}

function writeGeneration(span: Span, data: AgentsSpanData, capture: boolean, tokens: boolean): void {
  if (capture && Array.isArray(data.input)) chatEndpoint.requestContent({ messages: data.input }, span);
  const output = Array.isArray(data.output) ? data.output.filter(isObject) : [];
  // The SDK's Chat Completions model records the whole completion; other models, the output messages.
  const completion = output.length === 1 && Array.isArray(output[0]!.choices) ? output[0]! : undefined;
  const result: Json = completion ? { ...completion } : { choices: output.map((message) => ({ message, finish_reason: message.finish_reason })) };
  if (completion && typeof completion.model === "string") span.setAttribute(GenAI.REQUEST_MODEL, String(data.model ?? completion.model));
  if (!completion && isObject(data.usage)) result.usage = data.usage;
  if (!tokens) delete result.usage;
  chatEndpoint.result(result, span, capture);
}
