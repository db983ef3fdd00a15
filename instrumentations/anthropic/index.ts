/**
 * `humanloop-otel/anthropic`: OpenTelemetry instrumentation of the official
 * `@anthropic-ai/sdk` client (and the Bedrock and Vertex clients built on it).
 *
 * ```ts
 * import { AnthropicInstrumentation } from "humanloop-otel/anthropic";
 * import { registerInstrumentations } from "@opentelemetry/instrumentation";
 * registerInstrumentations({ instrumentations: [new AnthropicInstrumentation()] });
 * ```
 *
 * @packageDocumentation
 */
export { AnthropicInstrumentation, SUPPORTED_VERSIONS, type AnthropicInstrumentationConfig } from "./instrumentation.js";
