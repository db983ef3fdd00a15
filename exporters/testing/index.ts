/**
 * `humanloop-otel/testing`: a strict local Humanloop v4 server for tests and
 * demos, with fault injection and read-back of what was stored.
 */
export { HumanloopTestServer, type HumanloopTestServerOptions } from "./server.js";
export type { Faults, FaultStatus, ScriptedFault } from "./faults.js";
export { formatTrees, formatLogLine } from "./format.js";
export { PROVIDERS } from "./schemas.js";
export { AnthropicTestServer, messageOf, streamEventsOf, type AnthropicReply, type AnthropicMessageReply, type AnthropicErrorReply, type AnthropicEventsReply, type AnthropicContentBlock, type AnthropicUsage, type AnthropicRecordedRequest } from "./anthropic-server.js";
export { OpenAITestServer, openAIExchange, type OpenAIReply, type OpenAIAnswerReply, type OpenAIErrorReply, type OpenAIBrokenStreamReply, type OpenAIRawReply, type OpenAIToolCallReply, type OpenAIRecordedRequest, type OpenAIExchange } from "./openai-server.js";
export { MAX_BODY_BYTES } from "./http-io.js";
export { runCli, parseCliArgs, type CliOptions, type RunningCli } from "./cli-main.js";
export type {
  Loc,
  LogNode,
  LogUpdate,
  RejectedRequest,
  ServerStats,
  SessionTree,
  StoredFeedback,
  StoredLog,
  StoredSession,
  ValidationIssue,
} from "./types.js";
