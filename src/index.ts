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
export { traced, type TracedOptions } from "./traced.js";
export { session, type SessionOptions, type SessionDecoratorOptions } from "./session.js";
export type { MethodDecorator } from "./method-decorator.js";
export { Humanloop, GenAI, Semconv, type TraceKind, type GenAIMessage, type GenAIPart, type GenAIToolDefinition } from "./attributes.js";
export type { MaskFunction, ContentPolicy } from "./content-policy.js";
export { DEFAULT_MAX_CONTENT_LENGTH } from "./serialize.js";
export { getSession, type SessionContext } from "./session-context.js";
export { register, type Tracing } from "./register.js";
export type { RegisterOptions } from "./options.js";
export { HumanloopSpanProcessor, HumanloopSpanExporter, type HumanloopExporterOptions } from "../exporters/humanloop/index.js";
export { currentLogRef, logRefOf, logRefOfSpanContext } from "./log-ref.js";
export { feedback } from "./feedback.js";
export { HumanloopFeedbackError } from "./feedback-error.js";
export type { FeedbackOptions, FeedbackValue, BuiltInFeedbackType, LogFeedbackOptions } from "./feedback-options.js";
export { updateCurrentLog, type UpdateLogOptions } from "./update-log.js";
