/**
 * The Anthropic SDK's own OpenTelemetry tracing (SDK versions that have it
 * start an `anthropic.messages.create` span per call with the global tracer
 * provider, unless `openTelemetry: false` or `ANTHROPIC_OPEN_TELEMETRY=false`).
 *
 * The SDK decides whether to start its call span by reading the client's
 * `_tracer` synchronously, at the start of `create()` and `stream()`. For a
 * call we trace, we hide that field for exactly that synchronous start, so
 * the SDK runs the call as with its tracing off: one span per call, ours.
 * Its other spans (tool runner, sessions, other endpoints) are untouched.
 */
import { diag } from "@opentelemetry/api";

interface TracedClient {
  _tracer?: unknown;
}

/** True when `client` has the SDK's own tracing on. */
export function hasSdkTracing(client: unknown): boolean {
  return typeof client === "object" && client !== null && Boolean((client as TracedClient)._tracer);
}

/** Runs `fn` (synchronous) with the SDK's own call spans off for `client`. */
export function withoutSdkSpans<T>(client: unknown, fn: () => T): T {
  if (!hasSdkTracing(client)) return fn();
  const target = client as TracedClient;
  const saved = target._tracer;
  try {
    target._tracer = undefined;
  } catch (err) {
    diag.debug("humanloop-otel: could not turn the Anthropic SDK's own span off for a call", err);
    return fn();
  }
  try {
    return fn();
  } finally {
    target._tracer = saved;
  }
}
