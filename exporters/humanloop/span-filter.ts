import type { Attributes } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../../src/core/attributes.js";

/**
 * Which spans become Humanloop logs, and of which kind. Everything else
 * (HTTP, database, framework spans) is not logged; its logged descendants
 * attach to the nearest logged ancestor instead.
 */

/** `"model"`: an LLM call, logged with a model config; `"tool"`: a function, agent or tool step. */
export type LogKind = "model" | "tool";

/** Vercel AI SDK spans that are one provider call (the outer `ai.generateText` etc. only wrap them). */
const VERCEL_CALL = /^ai\.[A-Za-z]+\.do(?:Generate|Stream|Embed)$/;

/** GenAI operations that are a call to a model; other operations (`execute_tool`, `invoke_agent`, …) are steps. */
const MODEL_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "embeddings", "completion"]);

/** The kind of log a span becomes, or undefined when it is not logged. */
export function logKindOf(name: string, attributes: Attributes): LogKind | undefined {
  if (attributes[Humanloop.KIND] !== undefined) return "tool";
  if (attributes[Humanloop.INSTRUMENTED] !== undefined) return "model";
  if (VERCEL_CALL.test(name) || (typeof attributes["ai.operationId"] === "string" && VERCEL_CALL.test(attributes["ai.operationId"]))) {
    return "model";
  }
  const operation = attributes[GenAI.OPERATION_NAME];
  if (typeof operation === "string") return MODEL_OPERATIONS.has(operation) ? "model" : "tool";
  if (attributes[GenAI.PROVIDER_NAME] !== undefined || attributes[GenAI.SYSTEM] !== undefined) return "model";
  return undefined;
}

/** Whether a span becomes a Humanloop log. */
export function isLoggedSpan(name: string, attributes: Attributes): boolean {
  return logKindOf(name, attributes) !== undefined;
}
