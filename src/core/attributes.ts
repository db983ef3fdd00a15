/**
 * Span attribute keys: the contract between the code that makes spans
 * (instrumentations, `traced()`, `session()`) and the code that maps them to
 * Humanloop logs. GenAI keys follow the OpenTelemetry GenAI semantic
 * conventions; `humanloop.*` keys are this library's own.
 *
 * Content attributes (`gen_ai.input.messages`, `gen_ai.output.messages`,
 * `gen_ai.system_instructions`, `gen_ai.tool.definitions`,
 * `humanloop.inputs`, `humanloop.output`) hold JSON strings in the shapes of
 * {@link GenAIMessage}, {@link GenAIPart} and {@link GenAIToolDefinition}.
 *
 * @packageDocumentation
 */

/** GenAI semantic-convention attribute keys used by this library. */
export const GenAI = {
  PROVIDER_NAME: "gen_ai.provider.name",
  /** Older name of the provider attribute, still emitted by some instrumentations. */
  SYSTEM: "gen_ai.system",
  OPERATION_NAME: "gen_ai.operation.name",
  REQUEST_MODEL: "gen_ai.request.model",
  REQUEST_TEMPERATURE: "gen_ai.request.temperature",
  REQUEST_TOP_P: "gen_ai.request.top_p",
  REQUEST_TOP_K: "gen_ai.request.top_k",
  REQUEST_MAX_TOKENS: "gen_ai.request.max_tokens",
  REQUEST_STOP_SEQUENCES: "gen_ai.request.stop_sequences",
  REQUEST_PRESENCE_PENALTY: "gen_ai.request.presence_penalty",
  REQUEST_FREQUENCY_PENALTY: "gen_ai.request.frequency_penalty",
  REQUEST_SEED: "gen_ai.request.seed",
  REQUEST_CHOICE_COUNT: "gen_ai.request.choice.count",
  REQUEST_STREAM: "gen_ai.request.stream",
  REQUEST_ENCODING_FORMATS: "gen_ai.request.encoding_formats",
  OUTPUT_TYPE: "gen_ai.output.type",
  RESPONSE_ID: "gen_ai.response.id",
  RESPONSE_MODEL: "gen_ai.response.model",
  RESPONSE_FINISH_REASONS: "gen_ai.response.finish_reasons",
  /** Seconds from the request to the first streamed chunk. */
  RESPONSE_TIME_TO_FIRST_CHUNK: "gen_ai.response.time_to_first_chunk",
  USAGE_INPUT_TOKENS: "gen_ai.usage.input_tokens",
  USAGE_OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  USAGE_CACHE_READ_INPUT_TOKENS: "gen_ai.usage.cache_read.input_tokens",
  USAGE_CACHE_CREATION_INPUT_TOKENS: "gen_ai.usage.cache_creation.input_tokens",
  USAGE_REASONING_OUTPUT_TOKENS: "gen_ai.usage.reasoning.output_tokens",
  /** Older usage names, read (never written) for other instrumentations' spans. */
  USAGE_PROMPT_TOKENS: "gen_ai.usage.prompt_tokens",
  USAGE_COMPLETION_TOKENS: "gen_ai.usage.completion_tokens",
  INPUT_MESSAGES: "gen_ai.input.messages",
  OUTPUT_MESSAGES: "gen_ai.output.messages",
  SYSTEM_INSTRUCTIONS: "gen_ai.system_instructions",
  TOOL_DEFINITIONS: "gen_ai.tool.definitions",
  CONVERSATION_ID: "gen_ai.conversation.id",
  AGENT_NAME: "gen_ai.agent.name",
  TOOL_NAME: "gen_ai.tool.name",
  EMBEDDINGS_DIMENSION_COUNT: "gen_ai.embeddings.dimension.count",
  OPENAI_REQUEST_SERVICE_TIER: "openai.request.service_tier",
  OPENAI_RESPONSE_SERVICE_TIER: "openai.response.service_tier",
  OPENAI_RESPONSE_SYSTEM_FINGERPRINT: "openai.response.system_fingerprint",
} as const;

/**
 * OpenInference keys (Arize's conventions, used by the `@arizeai/openinference-*`
 * instrumentations and the span processors built on them), read by the
 * Humanloop mapping. Messages are flattened:
 * `llm.input_messages.{i}.message.role|content|tool_call_id`,
 * `...message.tool_calls.{j}.tool_call.id|function.name|function.arguments`,
 * `...message.contents.{k}.message_content.type|text|image.image.url`.
 */
export const OpenInference = {
  SPAN_KIND: "openinference.span.kind",
  LLM_MODEL_NAME: "llm.model_name",
  LLM_PROVIDER: "llm.provider",
  LLM_SYSTEM: "llm.system",
  LLM_INVOCATION_PARAMETERS: "llm.invocation_parameters",
  LLM_INPUT_MESSAGES: "llm.input_messages",
  LLM_OUTPUT_MESSAGES: "llm.output_messages",
  LLM_TOOLS: "llm.tools",
  LLM_FINISH_REASON: "llm.finish_reason",
  LLM_TOKEN_COUNT_PROMPT: "llm.token_count.prompt",
  LLM_TOKEN_COUNT_COMPLETION: "llm.token_count.completion",
  LLM_TOKEN_COUNT_CACHE_READ: "llm.token_count.prompt_details.cache_read",
  LLM_TOKEN_COUNT_CACHE_WRITE: "llm.token_count.prompt_details.cache_write",
  LLM_TOKEN_COUNT_REASONING: "llm.token_count.completion_details.reasoning",
  EMBEDDING_MODEL_NAME: "embedding.model_name",
  INPUT_VALUE: "input.value",
  OUTPUT_VALUE: "output.value",
  TOOL_NAME: "tool.name",
  AGENT_NAME: "agent.name",
  SESSION_ID: "session.id",
} as const;

/** General semantic-convention keys used on LLM spans. */
export const Semconv = {
  SERVER_ADDRESS: "server.address",
  SERVER_PORT: "server.port",
  ERROR_TYPE: "error.type",
} as const;

/**
 * This library's own keys. Everything under `humanloop.` is read by the
 * Humanloop mapping; other backends see it as ordinary attributes.
 */
export const Humanloop = {
  /** `"agent" | "tool" | "chain" | "workflow"` on spans made by `traced()`. */
  KIND: "humanloop.kind",
  /** Project name for the log (overrides the exporter's default project). */
  PROJECT: "humanloop.project",
  /** The `session()` id; becomes `session_reference_id`. */
  SESSION_ID: "humanloop.session.id",
  SESSION_NAME: "humanloop.session.name",
  USER_ID: "humanloop.user_id",
  /** JSON object: the log's `inputs`. */
  INPUTS: "humanloop.inputs",
  /** The log's `output`: a string as is, anything else as JSON. */
  OUTPUT: "humanloop.output",
  /** JSON object merged into the log's `metadata`. */
  METADATA: "humanloop.metadata",
  /** JSON object of session metadata (from `session({ metadata })`). */
  SESSION_METADATA: "humanloop.session.metadata",
  SOURCE: "humanloop.source",
  ENVIRONMENT: "humanloop.environment",
  /** JSON array of `{ type, value }`: feedback sent with the log itself. */
  FEEDBACK: "humanloop.feedback",
  /** JSON object merged into a model config's `other`, e.g. Anthropic's thinking budget. */
  CONFIG_OTHER: "humanloop.config.other",
  /** Set to `true` by the OpenAI/Anthropic instrumentations of this package. */
  INSTRUMENTED: "humanloop.instrumented",
  /** Set when content was cut; names the attributes that were truncated. */
  TRUNCATED: "humanloop.truncated",
} as const;

/** The `kind` of a `traced()` span. */
export type TraceKind = "agent" | "tool" | "chain" | "workflow";

/**
 * One part of a message, in the GenAI semantic conventions' JSON encoding
 * (`gen_ai.input.messages` / `gen_ai.output.messages`).
 */
export type GenAIPart =
  | { type: "text"; content: string }
  | { type: "reasoning"; content: string; signature?: string; redacted?: boolean }
  | { type: "tool_call"; id?: string; name: string; arguments?: unknown }
  | { type: "tool_call_response"; id?: string; response: unknown }
  | { type: "uri"; modality: "image" | "audio" | "video" | "file"; uri: string; mime_type?: string; detail?: string }
  | { type: "blob"; modality: "image" | "audio" | "video" | "file"; mime_type?: string; content: string }
  | { type: string; [key: string]: unknown };

/** A message in the GenAI semantic conventions' JSON encoding. */
export interface GenAIMessage {
  role: "system" | "user" | "assistant" | "tool" | string;
  parts: GenAIPart[];
  name?: string;
  /** Output messages only. */
  finish_reason?: string;
}

/** A tool definition in `gen_ai.tool.definitions`. */
export interface GenAIToolDefinition {
  type: "function" | string;
  name: string;
  description?: string;
  parameters?: unknown;
}

/** GenAI operation names used by this library's instrumentations. */
export type GenAIOperation = "chat" | "text_completion" | "embeddings" | "generate_content";
