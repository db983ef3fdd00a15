/**
 * The shapes of Humanloop v4 request bodies, as strict schemas: any field
 * not listed here is `extra_forbidden` (see HUMANLOOP_V4.md).
 */
import {
  addIssue,
  bool,
  checkObject,
  datetime,
  dict,
  enumOf,
  int,
  isRecord,
  list,
  literal,
  nonNegativeInt,
  nonNegativeNumber,
  num,
  object,
  str,
  stringOrStrings,
  type Check,
  type ObjectSchema,
} from "./checks.js";

/** The providers the v4 API accepts in a model config. */
export const PROVIDERS = ["openai", "openai_azure", "ai21", "mock", "anthropic", "langchain", "cohere", "replicate", "google", "groq"];

const textPart = object({ fields: { type: literal("text"), text: str }, required: ["type", "text"] });
const imagePart = object({
  fields: {
    type: literal("image_url"),
    image_url: object({ fields: { url: str, detail: literal("high", "low", "auto") }, required: ["url"] }),
  },
  required: ["type", "image_url"],
});

/** A content part: `{type:"text", text}` or `{type:"image_url", image_url:{url, detail?}}`. */
const contentPart: Check = (value, loc, issues) => {
  if (isRecord(value) && value.type === "image_url") return imagePart(value, loc, issues);
  if (isRecord(value) && value.type !== undefined && value.type !== "text") {
    return literal("text", "image_url")(value.type, [...loc, "type"], issues);
  }
  textPart(value, loc, issues);
};

/** Message content: a string or an array of parts. */
const content: Check = (value, loc, issues) => {
  if (typeof value === "string") return;
  if (Array.isArray(value)) return list(contentPart)(value, loc, issues);
  addIssue(issues, loc, "string_type", "Input should be a valid string or a list of content parts");
};

const toolCall = object({
  fields: {
    id: str,
    type: literal("function"),
    function: object({ fields: { name: str, arguments: str }, required: ["name", "arguments"] }),
  },
  required: ["id", "type", "function"],
});

/** A chat message. */
export const message: Check = object({
  fields: {
    role: literal("user", "assistant", "system", "tool"),
    content,
    name: str,
    tool_call_id: str,
    tool_calls: list(toolCall),
  },
  required: ["role"],
});

const modelConfig: ObjectSchema = {
  fields: {
    type: literal("model"),
    model: str,
    provider: enumOf(...PROVIDERS),
    endpoint: literal("complete", "chat", "edit"),
    max_tokens: int,
    temperature: num,
    top_p: num,
    stop: stringOrStrings,
    presence_penalty: num,
    frequency_penalty: num,
    seed: int,
    response_format: dict,
    prompt_template: str,
    chat_template: list(message),
    tools: list(dict),
    other: dict,
  },
  required: ["model"],
};

const toolConfig: ObjectSchema = {
  fields: { type: literal("tool"), name: str, description: str, parameters: dict, source_code: str, other: dict },
  required: ["name"],
};

/** A config: `type` picks the model or the tool schema. */
const config: Check = (value, loc, issues) => {
  if (!isRecord(value)) return dict(value, loc, issues);
  if (value.type === "model") return checkObject(value, loc, issues, modelConfig);
  if (value.type === "tool") return checkObject(value, loc, issues, toolConfig);
  if (value.type === undefined || value.type === null) {
    addIssue(issues, loc, "missing", "Field required", "type");
  } else {
    literal("model", "tool")(value.type, [...loc, "type"], issues);
  }
};

const feedbackValue: Check = (value, loc, issues) => {
  if (!["string", "number", "boolean"].includes(typeof value)) {
    addIssue(issues, loc, "value_type", "Input should be a string, number or boolean");
  }
};

const inlineFeedback = object({ fields: { type: str, value: feedbackValue }, required: ["type"] });

/** `feedback` inside a log: one item or an array. */
const feedbackInLog: Check = (value, loc, issues) =>
  Array.isArray(value) ? list(inlineFeedback)(value, loc, issues) : inlineFeedback(value, loc, issues);

/** One `LogRequest` (shape only; the cross-field rules are in log-rules.ts). */
export const logRequest: ObjectSchema = {
  fields: {
    project: str,
    project_id: str,
    session_id: str,
    session_reference_id: str,
    parent_id: str,
    parent_reference_id: str,
    reference_id: str,
    inputs: dict,
    metadata: dict,
    provider_request: dict,
    provider_response: dict,
    source: str,
    environment: str,
    trial_id: str,
    source_datapoint_id: str,
    config_id: str,
    save: bool,
    messages: list(message),
    output: str,
    output_message: message,
    config,
    feedback: feedbackInLog,
    created_at: datetime,
    error: str,
    duration: nonNegativeNumber,
    prompt_tokens: nonNegativeInt,
    output_tokens: nonNegativeInt,
    prompt_cost: num,
    output_cost: num,
  },
};

/** The body of `PATCH /v4/logs/...`. */
export const logUpdate: ObjectSchema = {
  fields: { output: str, error: str, duration: nonNegativeNumber },
};

/** One item of `POST /v4/feedback`. */
export const feedbackRequest: ObjectSchema = {
  fields: { type: str, value: feedbackValue, data_id: str, user: str, created_at: datetime, unset: bool },
  required: ["type", "data_id"],
};
