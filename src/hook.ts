/**
 * `node --import humanloop-otel/hook app.mjs`: registers the
 * import-in-the-middle loader, so `import OpenAI from "openai"` in an ESM app
 * can be patched, then calls `register()` configured from the environment
 * (`HUMANLOOP_API_KEY`, `HUMANLOOP_PROJECT`, `OTEL_EXPORTER_OTLP_ENDPOINT`, ...).
 * The app gets the same handle from its own `register()` call.
 *
 * @packageDocumentation
 */
import { register as registerLoader } from "node:module";
import { diag } from "@opentelemetry/api";
import { register } from "./register.js";

try {
  registerLoader("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
} catch (err) {
  diag.error("humanloop-otel/hook: could not register the import-in-the-middle loader; ESM imports will not be instrumented", err);
}
try {
  register();
} catch (err) {
  diag.error("humanloop-otel/hook: register() failed", err);
}
