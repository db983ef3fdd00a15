import type { Attributes } from "@opentelemetry/api";
import { GenAI, Humanloop, OpenInference } from "../../src/core/attributes.js";

/**
 * Which spans become Humanloop logs, and of which kind. Everything else
 * (HTTP, database, framework spans) is not logged; its logged descendants
 * attach to the nearest logged ancestor instead.
 */

/** `"model"`: an LLM call, logged with a model config; `"tool"`: a function, agent or tool step. */
export type LogKind = "model" | "tool";

/** Vercel AI SDK spans that are one provider call (the outer `ai.generateText` etc. only wrap them). */
const VERCEL_CALL = /^ai\.[A-Za-z]+\.do(?:Generate|Stream|Embed)$/;

/** Vercel AI SDK operations that wrap model calls and tool executions: their parent log, never a second model log. */
const VERCEL_OPERATIONS = new Set(["ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject", "ai.toolCall"]);

/** GenAI operations that are a call to a model; other operations (`execute_tool`, `invoke_agent`, …) are steps. */
const MODEL_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "embeddings", "completion"]);

/** OpenInference span kinds that are a model call; the others listed are steps. */
const OPENINFERENCE_MODEL = new Set(["LLM", "EMBEDDING"]);
const OPENINFERENCE_STEP = new Set(["CHAIN", "AGENT", "TOOL", "RETRIEVER", "RERANKER", "GUARDRAIL", "EVALUATOR"]);

/** The kind of log a span becomes, or undefined when it is not logged. */
export function logKindOf(name: string, attributes: Attributes): LogKind | undefined {
  if (attributes[Humanloop.KIND] !== undefined) return "tool";
  if (attributes[Humanloop.INSTRUMENTED] !== undefined) return "model";
  const vercel = typeof attributes["ai.operationId"] === "string" ? attributes["ai.operationId"] : name;
  if (VERCEL_CALL.test(vercel)) return "model";
  if (VERCEL_OPERATIONS.has(vercel)) return "tool";
  const operation = attributes[GenAI.OPERATION_NAME];
  if (typeof operation === "string") return MODEL_OPERATIONS.has(operation) ? "model" : "tool";
  const openinference = attributes[OpenInference.SPAN_KIND];
  if (typeof openinference === "string") {
    const upper = openinference.toUpperCase();
    if (OPENINFERENCE_MODEL.has(upper)) return "model";
    return OPENINFERENCE_STEP.has(upper) ? "tool" : undefined;
  }
  if (attributes[GenAI.PROVIDER_NAME] !== undefined || attributes[GenAI.SYSTEM] !== undefined) return "model";
  return undefined;
}

/** Whether a span becomes a Humanloop log. */
export function isLoggedSpan(name: string, attributes: Attributes): boolean {
  return logKindOf(name, attributes) !== undefined;
}

/** Whether a span is a GenAI span (a model call, an agent or tool step in the GenAI conventions), by its start attributes. */
export function isGenAISpan(attributes: Attributes): boolean {
  return (
    attributes[Humanloop.INSTRUMENTED] !== undefined ||
    attributes[GenAI.OPERATION_NAME] !== undefined ||
    attributes[GenAI.PROVIDER_NAME] !== undefined ||
    attributes[GenAI.SYSTEM] !== undefined
  );
}
