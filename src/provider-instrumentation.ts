import { createRequire } from "node:module";
import { join } from "node:path";
import { diag, type TracerProvider } from "@opentelemetry/api";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { registerInstrumentations } from "./core/otel-sdk.js";

/**
 * Instruments `openai` and `@anthropic-ai/sdk` for `tracerProvider`: through
 * the module loaders (a `require`, or an `import` under
 * `node --import humanloop-otel/hook`), by patching a copy the app already
 * `require`d before `register()`, and by patching the modules handed in
 * `modules`. A package that is not installed is simply never loaded. Returns
 * the function that removes the instrumentation.
 */
export function instrumentProviders(tracerProvider: TracerProvider, modules: { openai?: unknown; anthropic?: unknown }): () => void {
  const openai = new OpenAIInstrumentation();
  const anthropic = new AnthropicInstrumentation();
  const unregister = registerInstrumentations({ instrumentations: [openai, anthropic], tracerProvider });
  try {
    for (const module of [modules.openai ?? alreadyRequired("openai")]) if (module !== undefined) openai.manuallyInstrument(module);
    for (const module of [modules.anthropic ?? alreadyRequired("@anthropic-ai/sdk")]) if (module !== undefined) anthropic.manuallyInstrument(module);
  } catch (err) {
    diag.error("humanloop-otel: could not instrument the given modules", err);
  }
  return unregister;
}

/**
 * The exports of `name` when the app's CommonJS `require` already loaded it
 * (the loader hook will not see it again). The module cache is looked through
 * first: resolving an installed package reads its `package.json` (openai's
 * and Anthropic's together about 0.8 ms at start), wasted in the usual order,
 * where `register()` runs before the app loads the SDK.
 */
function alreadyRequired(name: string): unknown {
  try {
    const appRequire = createRequire(join(process.cwd(), "index.js"));
    if (!inModuleCache(appRequire.cache, name)) return undefined;
    return appRequire.cache[appRequire.resolve(name)]?.exports;
  } catch {
    return undefined; // not installed
  }
}

/** Whether a file of package `name` (under a `node_modules/<name>/` directory, npm, pnpm or Yarn PnP layout) is in the CommonJS module cache. */
function inModuleCache(cache: NodeJS.Require["cache"], name: string): boolean {
  const posix = `/node_modules/${name}/`;
  const windows = `\\node_modules\\${name.replace("/", "\\")}\\`;
  for (const file in cache) if (file.includes(posix) || file.includes(windows)) return true;
  return false;
}
