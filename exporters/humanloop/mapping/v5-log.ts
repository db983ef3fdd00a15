/**
 * v4 log -> v5 log, as pure functions. The span mapping is shared: a span
 * becomes a v4 `LogRequest` (`../mapping/log-request.ts`), which the queue
 * holds as text, and the v5 request layer turns it into a v5 request when
 * it is sent. The rules (see the README, "Humanloop v5"):
 *
 * - kind: a model call (`config.type "model"`) is a **Prompt** log; a
 *   `traced()` tool (`kind: "tool"`) or a GenAI `execute_tool` step a
 *   **Tool** log; every other step (agents, workflows, chains,
 *   `invoke_agent`, ...) a **Flow** log.
 * - path: `<project>/<name>`: the project is the folder; the name is the
 *   model (Prompt) or the step's name (Tool, Flow), with `/` replaced by `-`
 *   so a name is one file in the project's folder.
 * - kernel: a Prompt's from the model config (v4-only providers `ai21` and
 *   `langchain` are left out: v5 has no such provider); a Tool's
 *   `{ function: { name, description } }`; a Flow's `{ attributes: { kind } }`.
 * - ids: our reference id is the `log_id`; the parent's is `trace_parent_id`.
 * - timing: `created_at` is `start_time`, plus `duration` gives `end_time`.
 * - sessions: v5 has none. A `session()` id (a session reference that is not
 *   the trace id) goes to `metadata.session_id`, its user to `user`; each
 *   trace is its own tree (see the README for why).
 * - Flow logs are always created `incomplete` (with `inputs`, `{}` when the
 *   span has none) and completed by a PATCH once their children are in:
 *   a completed trace takes no more children.
 */
import { parseReferenceId } from "../../../src/core/reference.js";
import type { FeedbackBody, LogCompletion, LogRequest, ModelConfig, ToolFunction } from "../types.js";
import type { V5Completion, V5Create, V5EvaluatorLog, V5FunctionTool, V5PromptKernel } from "../v5/types.js";

/** Metadata key for the `session()` id a v5 log was made in. */
export const SESSION_ID_KEY = "session_id";

/** `traced()` kinds and GenAI operations that are Tool logs; every other step is a Flow. */
const TOOL_KINDS = new Set(["tool", "execute_tool"]);

/** Providers of v4 model configs that v5's enum does not have. */
const V4_ONLY_PROVIDERS = new Set(["ai21", "langchain"]);

/** A file name from a model or step name: one path segment. */
export function fileName(name: string): string {
  const clean = name.trim().replace(/\//g, "-");
  return clean === "" ? "unnamed" : clean;
}

/** The v5 file kind of a v4 log. */
export function v5KindOf(log: Pick<LogRequest, "config">): "prompt" | "tool" | "flow" {
  if (log.config.type === "model") return "prompt";
  const kind = log.config.other?.kind;
  return typeof kind === "string" && TOOL_KINDS.has(kind) ? "tool" : "flow";
}

function functionTool(tool: ToolFunction): V5FunctionTool {
  const out: V5FunctionTool = { name: tool.name, description: tool.description ?? "" };
  if (tool.parameters !== undefined) out.parameters = tool.parameters;
  return out;
}

/** A v5 Prompt kernel from a v4 model config. */
export function promptKernelOf(config: ModelConfig): V5PromptKernel {
  const { type: _type, provider, tools, ...rest } = config;
  const kernel: V5PromptKernel = { ...rest };
  if (provider !== undefined && !V4_ONLY_PROVIDERS.has(provider)) kernel.provider = provider;
  else if (provider !== undefined) kernel.other = { ...kernel.other, provider };
  if (tools !== undefined) kernel.tools = tools.map(functionTool);
  return kernel;
}

function endTimeOf(start: string | undefined, duration: number | undefined): string | undefined {
  if (start === undefined || duration === undefined) return undefined;
  const ms = Date.parse(start) + duration * 1000;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Moves what v5 has no place for (sessions, the user) to its v5 fields. */
function ownership(log: LogRequest): { metadata?: Record<string, unknown>; user?: string } {
  const metadata: Record<string, unknown> = { ...log.metadata };
  const out: { metadata?: Record<string, unknown>; user?: string } = {};
  const session = log.session_reference_id;
  if (session !== undefined && session !== parseReferenceId(log.reference_id)?.traceId) metadata[SESSION_ID_KEY] = session;
  if (typeof metadata.user_id === "string") out.user = metadata.user_id;
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  return out;
}

/**
 * The v5 creation for a queued v4 log. Flow logs are created `incomplete`;
 * their output, error and end time come with the completing PATCH
 * ({@link v5FlowCompletion}).
 */
export function toV5Create(log: LogRequest): V5Create {
  const kind = v5KindOf(log);
  const name = log.config.type === "model" ? log.config.model : log.config.name;
  const common = {
    path: `${log.project}/${fileName(name)}`,
    log_id: log.reference_id,
    ...(log.parent_reference_id !== undefined ? { trace_parent_id: log.parent_reference_id } : {}),
    ...(log.source !== undefined ? { source: log.source } : {}),
    ...(log.environment !== undefined ? { environment: log.environment } : {}),
    ...(log.created_at !== undefined ? { start_time: log.created_at } : {}),
    ...ownership(log),
  };
  if (kind === "flow") {
    const attributes: Record<string, unknown> = {};
    if (log.config.type === "tool" && log.config.other?.kind !== undefined) attributes.kind = log.config.other.kind;
    return { kind, body: { ...common, flow: { attributes }, log_status: "incomplete", inputs: log.inputs ?? {} } };
  }
  const outcome = {
    ...(log.inputs !== undefined ? { inputs: log.inputs } : {}),
    ...(log.output !== undefined ? { output: log.output } : {}),
    ...(log.error !== undefined ? { error: log.error } : {}),
  };
  const end = endTimeOf(log.created_at, log.duration);
  if (end !== undefined) Object.assign(outcome, { end_time: end });
  if (log.config.type === "tool") {
    const fn: V5FunctionTool = { name: log.config.name, description: log.config.description ?? "" };
    return { kind: "tool", body: { ...common, ...outcome, tool: { function: fn } } };
  }
  const body = { ...common, ...outcome, prompt: promptKernelOf(log.config) };
  if (log.messages !== undefined) Object.assign(body, { messages: log.messages });
  if (log.output_message !== undefined) Object.assign(body, { output_message: log.output_message });
  if (log.prompt_tokens !== undefined) Object.assign(body, { prompt_tokens: log.prompt_tokens });
  if (log.output_tokens !== undefined) Object.assign(body, { output_tokens: log.output_tokens });
  return { kind: "prompt", body };
}

/**
 * The PATCH completing a Flow log created from `log` (an ended span: its
 * own output and error; `""` when it has neither, as completing needs one).
 * A Flow PATCH takes no times: the server sets `end_time` when it completes.
 */
export function v5FlowCompletion(log: Pick<LogRequest, "output" | "error">): V5Completion {
  return flowCompletion(log);
}

/** The PATCH for a log sent early (`kind` of its creation, `startTime` its `start_time`), from the v4 completion the processor made at the span's end. */
export function v5Completion(kind: "prompt" | "tool" | "flow", completion: LogCompletion, startTime: string | undefined): V5Completion {
  if (kind === "flow") return flowCompletion(completion);
  const out: V5Completion = {};
  if (completion.output !== undefined) out.output = completion.output;
  if (completion.error !== undefined) out.error = completion.error;
  const end = endTimeOf(startTime, completion.duration);
  if (end !== undefined) out.end_time = end;
  return out;
}

function flowCompletion(outcome: { output?: string; error?: string }): V5Completion {
  const out: V5Completion = { log_status: "complete" };
  if (outcome.error !== undefined) out.error = outcome.error;
  if (outcome.output !== undefined || outcome.error === undefined) out.output = outcome.output ?? "";
  return out;
}

/**
 * `feedback()` as a v5 evaluator judgment on the log `parentId`: the
 * feedback type is the evaluator path (`rating`, `correction`, `comment`,
 * ... or a custom evaluator's path), the value the judgment, `unset` a
 * `null` judgment (v5 clears the previous one).
 */
export function toEvaluatorLog(parentId: string, feedback: FeedbackBody): V5EvaluatorLog {
  const value = feedback.value;
  const judgment = feedback.unset ? null : typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : null;
  const out: V5EvaluatorLog = { parent_id: parentId, path: feedback.type, judgment };
  if (feedback.user !== undefined) out.user = feedback.user;
  if (feedback.created_at !== undefined) out.created_at = feedback.created_at;
  return out;
}
