/**
 * The Humanloop v5 request shapes this exporter sends (HUMANLOOP_V5.md):
 * only fields the API knows, so a strict server accepts every one.
 */
import type { ChatMessage } from "../types.js";

/** The v5 file kinds a span becomes. */
export type V5LogKind = "prompt" | "tool" | "flow";

/** A tool definition in a Prompt kernel (`description` is required by v5). */
export interface V5FunctionTool {
  name: string;
  description: string;
  parameters?: Record<string, unknown>;
}

/** `PromptKernelRequest` as the exporter fills it from a model config. */
export interface V5PromptKernel {
  model: string;
  endpoint?: "complete" | "chat" | "edit";
  provider?: string;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  response_format?: Record<string, unknown>;
  tools?: V5FunctionTool[];
  other?: Record<string, unknown>;
}

/** Fields every v5 log the exporter creates carries. */
interface V5LogCommon {
  path: string;
  log_id: string;
  trace_parent_id?: string;
  inputs?: Record<string, unknown>;
  output?: string;
  error?: string;
  start_time?: string;
  end_time?: string;
  source?: string;
  metadata?: Record<string, unknown>;
  user?: string;
  environment?: string;
}

/** `POST /prompts/log`. */
export interface V5PromptLog extends V5LogCommon {
  prompt: V5PromptKernel;
  messages?: ChatMessage[];
  output_message?: ChatMessage;
  prompt_tokens?: number;
  output_tokens?: number;
}

/** `POST /tools/log`. */
export interface V5ToolLog extends V5LogCommon {
  tool: { function: V5FunctionTool; attributes?: Record<string, unknown> };
}

/** `POST /flows/log`. */
export interface V5FlowLog extends V5LogCommon {
  flow: { attributes: Record<string, unknown> };
  log_status?: "incomplete" | "complete";
}

/** One log creation: which endpoint, and its body. */
export type V5Create = { kind: "prompt"; body: V5PromptLog } | { kind: "tool"; body: V5ToolLog } | { kind: "flow"; body: V5FlowLog };

/** The body of a completing PATCH (`/prompts/{id}/log/{log_id}`, `/tools/{id}/log/{log_id}` or `/flows/logs/{log_id}`). */
export interface V5Completion {
  output?: string;
  error?: string;
  /** Prompt and Tool logs only. */
  end_time?: string;
  /** Flow logs only: `complete` (a Flow PATCH carries no times; the server sets `end_time`). */
  log_status?: "complete";
}

/** `POST /evaluators/log`: a judgment on the log `parent_id`. */
export interface V5EvaluatorLog {
  parent_id: string;
  path: string;
  judgment: string | number | boolean | string[] | null;
  user?: string;
  created_at?: string;
  marked_completed?: boolean;
}
