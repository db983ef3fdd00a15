import type { SpanContext } from "@opentelemetry/api";

// Provider results (completions, messages, streams) -> the span of the call
// that produced them. Each result carries its span context under a
// non-enumerable registered symbol (invisible to JSON, spreads, `Object.keys`
// and equality checks; both builds of the package agree on it): a per-result
// WeakMap entry cost every garbage collection an ephemeron to trace. Results
// that cannot take a property (frozen, exotic) go to a WeakMap, also shared
// through globalThis.
const RESULT_SPAN = Symbol.for("humanloop-otel.result-span");
const REGISTRY_KEY = Symbol.for("humanloop-otel.result-spans");

let fallback: WeakMap<object, SpanContext> | undefined;
function registry(): WeakMap<object, SpanContext> {
  const g = globalThis as { [REGISTRY_KEY]?: WeakMap<object, SpanContext> };
  return (fallback ??= g[REGISTRY_KEY] ??= new WeakMap());
}

type Tagged = { [RESULT_SPAN]?: SpanContext };

/** Called by instrumentations: `result` (an object returned to the caller) came from the call traced by `span`. */
export function rememberResultSpan(result: unknown, spanContext: SpanContext): void {
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return;
  try {
    Object.defineProperty(result, RESULT_SPAN, { value: spanContext, writable: true, configurable: true, enumerable: false });
    return;
  } catch {
    // frozen, sealed, or an exotic object that refuses: remembered in the WeakMap instead
  }
  registry().set(result, spanContext);
}

/** The span context of the provider call that returned `result`, if an instrumentation recorded one. */
export function spanContextOfResult(result: unknown): SpanContext | undefined {
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return undefined;
  try {
    if (Object.hasOwn(result, RESULT_SPAN)) return (result as Tagged)[RESULT_SPAN];
  } catch {
    // an exotic object whose own-property check throws: only the WeakMap can know it
  }
  return registry().get(result);
}
