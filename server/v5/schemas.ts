/**
 * The shapes of Humanloop v5 request bodies (HUMANLOOP_V5.md, and the keys
 * Humanloop's SDK 0.8.20 can send: docs/humanloop-sdks.md). Checked in the
 * lenient or strict unknown-field mode (`./checks.ts`); the cross-field
 * rules are in `./rules.ts`.
 */
import { addIssue, bool, dict, enumOf, int, isRecord, list, literal, nonNegativeInt, nonNegativeNumber, num, str, stringOrStrings, type Check } from "../checks.js";
import { modeList, modeObject, plain, timestamp, type ModeCheck, type ModeSchema } from "./checks.js";

/** The providers a v5 Prompt kernel accepts. */
export const V5_PROVIDERS = ["anthropic", "bedrock", "cohere", "deepseek", "google", "groq", "mock", "openai", "openai_azure", "replicate"];

const textPart = modeObject({ fields: { type: plain(literal("text")), text: plain(str) }, required: ["type", "text"] });
const imagePart = modeObject({
  fields: {
    type: plain(literal("image_url")),
    image_url: modeObject({ fields: { url: plain(str), detail: plain(literal("high", "low", "auto")) }, required: ["url"] }),
  },
  required: ["type", "image_url"],
});

const contentPart: ModeCheck = (mode) => (value, loc, issues) => {
  if (isRecord(value) && value.type === "image_url") return imagePart(mode)(value, loc, issues);
  if (isRecord(value) && value.type !== undefined && value.type !== "text") {
    return literal("text", "image_url")(value.type, [...loc, "type"], issues);
  }
  textPart(mode)(value, loc, issues);
};

const content: ModeCheck = (mode) => (value, loc, issues) => {
  if (typeof value === "string") return;
  if (Array.isArray(value)) return modeList(contentPart)(mode)(value, loc, issues);
  addIssue(issues, loc, "string_type", "Input should be a valid string or a list of content parts");
};

const toolCall = modeObject({
  fields: {
    id: plain(str),
    type: plain(literal("function")),
    function: modeObject({ fields: { name: plain(str), arguments: plain(str) }, required: ["name"] }),
  },
  required: ["id", "type", "function"],
});

/** A v5 `ChatMessage`. */
export const chatMessage: ModeCheck = modeObject({
  fields: {
    role: plain(literal("user", "assistant", "system", "tool", "developer")),
    content,
    name: plain(str),
    tool_call_id: plain(str),
    tool_calls: modeList(toolCall),
    thinking: plain(list(dict)),
  },
  required: ["role"],
});

const functionTool = modeObject({
  fields: { name: plain(str), description: plain(str), parameters: plain(dict), strict: plain(bool) },
  required: ["name", "description"],
});

const template: ModeCheck = (mode) => (value, loc, issues) => {
  if (typeof value === "string") return;
  if (Array.isArray(value)) return modeList(chatMessage)(mode)(value, loc, issues);
  addIssue(issues, loc, "string_type", "Input should be a valid string or a list of chat messages");
};

const reasoningEffort: Check = (value, loc, issues) => {
  if (typeof value === "number") return int(value, loc, issues);
  enumOf("high", "medium", "low")(value, loc, issues);
};

/** `PromptKernelRequest`. */
export const promptKernel: ModeSchema = {
  fields: {
    model: plain(str),
    endpoint: plain(literal("complete", "chat", "edit")),
    template,
    template_language: plain(literal("default", "jinja")),
    provider: plain(enumOf(...V5_PROVIDERS)),
    max_tokens: plain(int),
    temperature: plain(num),
    top_p: plain(num),
    stop: plain(stringOrStrings),
    presence_penalty: plain(num),
    frequency_penalty: plain(num),
    other: plain(dict),
    seed: plain(int),
    response_format: plain(dict),
    reasoning_effort: plain(reasoningEffort),
    tools: modeList(functionTool),
    attributes: plain(dict),
  },
  required: ["model"],
};

/** `ToolKernelRequest`. */
export const toolKernel: ModeSchema = {
  fields: { function: functionTool, source_code: plain(str), setup_values: plain(dict), attributes: plain(dict) },
};

/** `FlowKernelRequest`. */
export const flowKernel: ModeSchema = { fields: { attributes: plain(dict) }, required: ["attributes"] };

const logStatus = plain(literal("complete", "incomplete"));

const toolChoice: Check = (value, loc, issues) => {
  if (typeof value === "string") return enumOf("none", "auto", "required")(value, loc, issues);
  dict(value, loc, issues);
};

/** Fields every log kind takes (file, timing, content, tracing, ownership). */
const common: Record<string, ModeCheck> = {
  path: plain(str),
  id: plain(str),
  version_id: plain(str),
  start_time: plain(timestamp),
  end_time: plain(timestamp),
  created_at: plain(timestamp),
  output: plain(str),
  error: plain(str),
  provider_latency: plain(nonNegativeNumber),
  stdout: plain(str),
  provider_request: plain(dict),
  provider_response: plain(dict),
  inputs: plain(dict),
  source: plain(str),
  metadata: plain(dict),
  log_status: logStatus,
  source_datapoint_id: plain(str),
  trace_parent_id: plain(str),
  user: plain(str),
  environment: plain(str),
  save: plain(bool),
  log_id: plain(str),
  run_id: plain(str),
};

const promptOutputFields: Record<string, ModeCheck> = {
  output_message: chatMessage,
  prompt_tokens: plain(nonNegativeInt),
  reasoning_tokens: plain(nonNegativeInt),
  output_tokens: plain(nonNegativeInt),
  prompt_cost: plain(num),
  output_cost: plain(num),
  finish_reason: plain(str),
  messages: modeList(chatMessage),
  tool_choice: plain(toolChoice),
};

/** The fields a PATCH may change on a Prompt or Tool log (no file, kernel, parent, user or environment). */
const updatable: Record<string, ModeCheck> = {
  output: common.output!,
  error: common.error!,
  created_at: common.created_at!,
  start_time: common.start_time!,
  end_time: common.end_time!,
  provider_latency: common.provider_latency!,
  stdout: common.stdout!,
  provider_request: common.provider_request!,
  provider_response: common.provider_response!,
  inputs: common.inputs!,
  source: common.source!,
  metadata: common.metadata!,
  log_status: logStatus,
};

/** `POST /v5/prompts/log`. */
export const promptLogRequest: ModeSchema = { fields: { ...common, ...promptOutputFields, prompt: modeObject(promptKernel) } };
/** `PATCH /v5/prompts/{id}/log/{log_id}`. */
export const promptLogUpdate: ModeSchema = { fields: { ...updatable, ...promptOutputFields } };
/** `POST /v5/tools/log`. */
export const toolLogRequest: ModeSchema = { fields: { ...common, tool: modeObject(toolKernel) } };
/** `PATCH /v5/tools/{id}/log/{log_id}`. */
export const toolLogUpdate: ModeSchema = { fields: { ...updatable } };
/** `POST /v5/flows/log`. */
export const flowLogRequest: ModeSchema = {
  fields: { ...common, flow: modeObject(flowKernel), messages: modeList(chatMessage), output_message: chatMessage },
};
/** `PATCH /v5/flows/logs/{log_id}`. */
export const flowLogUpdate: ModeSchema = {
  fields: { messages: modeList(chatMessage), output_message: chatMessage, inputs: common.inputs!, output: common.output!, error: common.error!, log_status: logStatus },
};

/** A judgment: boolean, number, string or a list of strings (`null` clears, and passes as absent). */
const judgment: Check = (value, loc, issues) => {
  if (typeof value === "boolean" || typeof value === "string") return;
  if (typeof value === "number") return num(value, loc, issues);
  if (Array.isArray(value)) return list(str)(value, loc, issues);
  addIssue(issues, loc, "judgment_type", "Input should be a boolean, a number, a string or a list of strings");
};

/** `POST /v5/evaluators/log`. */
export const evaluatorLogRequest: ModeSchema = {
  fields: { ...common, parent_id: plain(str), judgment: plain(judgment), marked_completed: plain(bool), spec: plain(dict), output_message: chatMessage },
  required: ["parent_id"],
};

/** The v5 request kinds the server validates. */
export type V5RequestKind = "prompt_log" | "prompt_update" | "tool_log" | "tool_update" | "flow_log" | "flow_update" | "evaluator_log";

/** The body schema of each request kind. */
export const V5_SCHEMAS: Record<V5RequestKind, ModeSchema> = {
  prompt_log: promptLogRequest,
  prompt_update: promptLogUpdate,
  tool_log: toolLogRequest,
  tool_update: toolLogUpdate,
  flow_log: flowLogRequest,
  flow_update: flowLogUpdate,
  evaluator_log: evaluatorLogRequest,
};
