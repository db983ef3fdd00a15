/**
 * `humanloop-otel/openai-agents`: the OpenAI Agents SDK's traces as
 * OpenTelemetry spans with GenAI attributes.
 *
 * @packageDocumentation
 */
export {
  OpenAIAgentsTraceProcessor,
  instrumentOpenAIAgents,
  type OpenAIAgentsTraceProcessorOptions,
  type AgentsModule,
  type AgentsTrace,
  type AgentsSpan,
} from "./processor.js";
export type { AgentsSpanData } from "./span-data.js";
