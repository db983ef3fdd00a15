import { diag, type TracerProvider } from "@opentelemetry/api";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { registerInstrumentations } from "./otel-sdk.js";

/**
 * Instruments `openai` and `@anthropic-ai/sdk` for `tracerProvider`: through
 * the module loaders (a `require`, or an `import` under
 * `node --import humanloop-otel/hook`), and by patching the modules handed in
 * `modules` directly. A package that is not installed is simply never
 * loaded. Returns the function that removes the instrumentation.
 */
export function instrumentProviders(tracerProvider: TracerProvider, modules: { openai?: unknown; anthropic?: unknown }): () => void {
  const openai = new OpenAIInstrumentation();
  const anthropic = new AnthropicInstrumentation();
  const unregister = registerInstrumentations({ instrumentations: [openai, anthropic], tracerProvider });
  try {
    if (modules.openai !== undefined) openai.manuallyInstrument(modules.openai);
    if (modules.anthropic !== undefined) anthropic.manuallyInstrument(modules.anthropic);
  } catch (err) {
    diag.error("humanloop-otel: could not instrument the given modules", err);
  }
  return unregister;
}
