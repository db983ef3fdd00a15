import type { SpanContext } from "@opentelemetry/api";

// Provider results (completions, messages, streams) -> the span of the call
// that produced them. A WeakMap, so results are never kept alive by it; kept
// on globalThis so both builds of the package share it.
const REGISTRY_KEY = Symbol.for("humanloop-otel.result-spans");

function registry(): WeakMap<object, SpanContext> {
  const g = globalThis as { [REGISTRY_KEY]?: WeakMap<object, SpanContext> };
  return (g[REGISTRY_KEY] ??= new WeakMap());
}

/** Called by instrumentations: `result` (an object returned to the caller) came from the call traced by `span`. */
export function rememberResultSpan(result: unknown, spanContext: SpanContext): void {
  if (result !== null && (typeof result === "object" || typeof result === "function")) registry().set(result, spanContext);
}

/** The span context of the provider call that returned `result`, if an instrumentation recorded one. */
export function spanContextOfResult(result: unknown): SpanContext | undefined {
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return undefined;
  return registry().get(result);
}
