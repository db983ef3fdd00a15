import { context, type Context } from "@opentelemetry/api";

/**
 * Where a span made by this library starts. Normally the active OpenTelemetry
 * context; but a framework that keeps its own async context and bridges its
 * traces to OpenTelemetry (the OpenAI Agents SDK, through
 * `humanloop-otel/openai-agents`) can add a source giving the context of its
 * span in progress, so a provider call or `traced()` function inside an
 * agent step nests under that step.
 */

/** Gives the context of the framework span in progress, or undefined for the active OpenTelemetry context. */
export type ParentContextSource = () => Context | undefined;

// On globalThis, so the ESM and CJS builds (or two copies) share the sources.
const KEY = Symbol.for("humanloop-otel.parent-context-sources");
const sources: Set<ParentContextSource> = ((globalThis as { [KEY]?: Set<ParentContextSource> })[KEY] ??= new Set());

/** Adds a source; returns the function that removes it. */
export function addParentContextSource(source: ParentContextSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

/**
 * The context a new span starts in: a source's, else `fallback` (the active
 * context). Without sources, one size check. Call it only when the span is
 * really started: a source may note that a span started under its own.
 */
export function parentContext(fallback: Context = context.active()): Context {
  if (sources.size > 0) {
    for (const source of sources) {
      const found = source();
      if (found) return found;
    }
  }
  return fallback;
}
