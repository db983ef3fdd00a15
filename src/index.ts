/**
 * `humanloop-otel`: OpenTelemetry tracing for Node.js LLM apps in one line,
 * delivered to Humanloop and to any OTLP backend.
 *
 * ```ts
 * import { register, traced, session } from "humanloop-otel";
 * const tracing = register({ project: "support-bot" });
 * ```
 *
 * @packageDocumentation
 */
export { traced, type TracedOptions } from "./tracing/traced.js";
export { session, type SessionOptions, type SessionDecoratorOptions } from "./tracing/session.js";
export type { MethodDecorator } from "./tracing/method-decorator.js";
export { Humanloop, GenAI, Semconv, type TraceKind, type GenAIMessage, type GenAIPart, type GenAIToolDefinition } from "./core/attributes.js";
export type { MaskFunction, ContentPolicy } from "./core/content-policy.js";
export { DEFAULT_MAX_CONTENT_LENGTH } from "./core/serialize.js";
export { getSession, type SessionContext } from "./core/session-context.js";
export { register, type Tracing } from "./register.js";
export type { RegisterOptions } from "./options.js";
export { HumanloopSpanProcessor, HumanloopSpanExporter, GenAIEventsProcessor, type HumanloopExporterOptions } from "../exporters/humanloop/index.js";
export { currentLogRef, logRefOf, logRefOfSpanContext } from "./feedback/log-ref.js";
export { feedback } from "./feedback/feedback.js";
export { HumanloopFeedbackError } from "./feedback/feedback-error.js";
export type { FeedbackOptions, FeedbackValue, BuiltInFeedbackType, LogFeedbackOptions } from "./feedback/feedback-options.js";
export { updateCurrentLog, type UpdateLogOptions } from "./feedback/update-log.js";
