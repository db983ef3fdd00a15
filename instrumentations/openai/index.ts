/**
 * `humanloop-otel/openai`: OpenTelemetry instrumentation for the official
 * `openai` client.
 *
 * @packageDocumentation
 */
export { OpenAIInstrumentation, SUPPORTED_VERSIONS, type OpenAIInstrumentationConfig } from "./instrumentation.js";
