/**
 * The Humanloop v4 request shapes this exporter sends, exactly as the API
 * accepts them: the server refuses any field not listed (`extra_forbidden`),
 * so mapping code builds these and nothing else.
 */

/** A content part of a message. */
export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } };

/** A tool call made by the model; `arguments` is JSON text. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A chat message. */
export interface ChatMessage {
  role: "user" | "assistant" | "system" | "tool";
  content?: string | ContentPart[];
  name?: string;
  tool_call_id?: string;
  tool_calls?: ToolCall[];
}

/** Humanloop's provider enum. */
export type ModelProvider =
  | "openai"
  | "openai_azure"
  | "ai21"
  | "mock"
  | "anthropic"
  | "langchain"
  | "cohere"
  | "replicate"
  | "google"
  | "groq";

/** A tool definition inside a model config. */
export interface ToolFunction {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

/** `config` of a model (LLM call) log. */
export interface ModelConfig {
  type: "model";
  model: string;
  provider?: ModelProvider;
  endpoint?: "complete" | "chat" | "edit";
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  response_format?: Record<string, unknown>;
  tools?: ToolFunction[];
  other?: Record<string, unknown>;
}

/** `config` of a tool (traced function) log. */
export interface ToolConfig {
  type: "tool";
  name: string;
  description?: string;
  other?: Record<string, unknown>;
}

/** Feedback sent along with a log. */
export interface LogFeedback {
  type: string;
  value?: unknown;
}

/** One log in `POST /logs`. */
export interface LogRequest {
  project: string;
  reference_id: string;
  parent_reference_id?: string;
  session_reference_id?: string;
  config: ModelConfig | ToolConfig;
  inputs?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  source?: string;
  environment?: string;
  messages?: ChatMessage[];
  output?: string;
  output_message?: ChatMessage;
  feedback?: LogFeedback[];
  created_at?: string;
  error?: string;
  duration?: number;
  prompt_tokens?: number;
  output_tokens?: number;
}

/** Body of `PATCH /logs?reference_id=`: completes a log sent before its span ended. */
export interface LogCompletion {
  output?: string;
  error?: string;
  duration?: number;
}

/** Body of `POST /feedback` without `data_id` (the queue fills it in once the log exists). */
export interface FeedbackBody {
  type: string;
  value?: unknown;
  user?: string;
  created_at?: string;
  unset?: boolean;
}
