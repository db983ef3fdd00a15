/**
 * The Humanloop exporter: span-to-log mapping, the dependency-aware delivery
 * queue, the v4 client, and the span processor / exporter built on them.
 *
 * @packageDocumentation
 */
export { HumanloopSpanProcessor } from "./processor.js";
export { HumanloopSpanExporter } from "./exporter.js";
export { GenAIEventsLoggerProvider, GenAIEventsProcessor, type GenAIEventRecord } from "./genai-events.js";
export { resolveExporterOptions, DEFAULT_BASE_URL, type HumanloopExporterOptions, type ResolvedExporterOptions } from "./options.js";
export type { DeliveryStats } from "./delivery-queue.js";
export { isLoggedSpan, logKindOf, type LogKind } from "./span-filter.js";
export { toLogRequest, toLogCompletion, UNLINKED_REASON_KEY, type MappableSpan, type MappingDefaults, type LogLink } from "./mapping/log-request.js";
export { mapProvider } from "./mapping/model-config.js";
export type { LogRequest, LogCompletion, ChatMessage, ContentPart, ToolCall, ModelConfig, ToolConfig, ModelProvider, FeedbackBody } from "./types.js";
