/**
 * Keeps the traced promise the caller holds alive for as long as the SDK
 * promise it wraps is in use.
 *
 * The shared `traceApiPromise` ends a call as "abandoned" when its proxy is
 * garbage-collected. But `await proxy` keeps only the promise that `then`
 * returned, not the proxy, so under GC pressure the proxy of an awaited call
 * can be collected while the request is in flight, ending the span early
 * without its response. The SDK's `APIPromise` itself stays reachable while
 * it is being parsed (its parse reaction refers to it), so a hidden reference
 * from it to the proxy keeps the proxy exactly that long; a promise never
 * awaited is collected with its proxy as before.
 */
import { diag } from "@opentelemetry/api";

const PROXY = Symbol("humanloop-otel.anthropic.traced-promise");

/** Makes `target` (the SDK's promise) hold `proxy` (what the caller got). */
export function keepProxyAlive<P extends object>(target: object, proxy: P): P {
  try {
    Object.defineProperty(target, PROXY, { value: proxy, configurable: true, enumerable: false });
  } catch (err) {
    diag.debug("humanloop-otel: could not tie a traced promise to the SDK's promise", err);
  }
  return proxy;
}
