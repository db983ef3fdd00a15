/**
 * `humanloop-otel/testing`: a strict local Humanloop v4 server for tests and
 * demos, with fault injection and read-back of what was stored.
 */
export { HumanloopTestServer, type HumanloopTestServerOptions } from "../server/server.js";
export type { Faults, FaultStatus, ScriptedFault } from "../server/faults.js";
export type { ServerOtlpOptions, ServerOtlpStats } from "../server/otlp/server-intake.js";
export type { AssemblerStats } from "../server/otlp/assembler.js";
export { formatTrees, formatLogLine } from "../server/format.js";
export { PROVIDERS } from "../server/schemas.js";
export { AnthropicTestServer, messageOf, streamEventsOf, type AnthropicReply, type AnthropicMessageReply, type AnthropicErrorReply, type AnthropicEventsReply, type AnthropicContentBlock, type AnthropicUsage, type AnthropicRecordedRequest } from "./anthropic-server.js";
export { OpenAITestServer, openAIExchange, type OpenAIReply, type OpenAIAnswerReply, type OpenAIErrorReply, type OpenAIBrokenStreamReply, type OpenAIRawReply, type OpenAIToolCallReply, type OpenAIRecordedRequest, type OpenAIExchange } from "./openai-server.js";
export { MAX_BODY_BYTES } from "../server/http-io.js";
export { runCli, parseCliArgs, type CliOptions, type RunningCli } from "../server/cli-main.js";
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
} from "../server/types.js";
