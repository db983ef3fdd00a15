import { diag } from "@opentelemetry/api";
import type { CallSpan } from "./call-span.js";

/**
 * Receives the value the caller gets from a traced promise, exactly once per
 * call. It must either end the call (`call.finish()`) or hand it on (e.g. to
 * {@link traceStream} when the value is a stream). If it throws, the error
 * goes to the diag logger and the call ends.
 */
export type ValueObserver = (value: unknown, call: CallSpan) => void;

/** Optional hook for `.asResponse()`: the raw `Response`, whose body belongs to the caller and must not be read. */
export type RawResponseObserver = (response: unknown, call: CallSpan) => void;

interface TraceState {
  observed: boolean;
  readonly call: CallSpan;
  readonly onValue: ValueObserver;
  readonly onRawResponse: RawResponseObserver | undefined;
}

/**
 * Returns a Proxy of `promise` (a provider SDK's promise subclass such as
 * openai's or Anthropic's `APIPromise`, or a plain promise) that the caller
 * can use exactly like the original: `instanceof`, `.withResponse()`,
 * `.asResponse()` and any other method work, called on the original object
 * so private fields keep working. Only `then`/`catch`/`finally`,
 * `withResponse`, `asResponse` and `_thenUnwrap` (the SDKs' internal
 * chaining, used by their `parse()` helpers) are intercepted.
 *
 * Nothing is read until the caller asks for it: the response body is parsed
 * by the SDK when the caller awaits, never by us, and `.asResponse()` hands
 * the body over unread (the call ends when the response arrives). A promise
 * dropped without being awaited ends its call at garbage collection, or at
 * {@link endPendingCalls}.
 *
 * Errors end the call with status ERROR; the caller gets the same error object.
 */
export function traceApiPromise<P extends object>(
  promise: P,
  call: CallSpan,
  onValue: ValueObserver,
  onRawResponse?: RawResponseObserver,
): P {
  return proxy(promise, { observed: false, call, onValue, onRawResponse });
}

function proxy<P extends object>(target: P, state: TraceState): P {
  const wrapped = new Proxy(target, {
    get(t, prop) {
      switch (prop) {
        case "then":
        case "catch":
        case "finally":
          return chained(t, prop, state);
        case "withResponse":
          return withResponse(t, state);
        case "asResponse":
          return asResponse(t, state);
        case "_thenUnwrap":
          return thenUnwrap(t, state);
      }
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === "function" ? (value as Function).bind(t) : value;
    },
  });
  state.call.ownUnlessClaimed(wrapped, () => state.observed);
  return wrapped;
}

function observe(settled: PromiseLike<unknown>, state: TraceState, pick: (v: unknown) => unknown): void {
  if (state.observed) return;
  state.observed = true;
  const { call } = state;
  settled.then(
    (v) => {
      try {
        state.onValue(pick(v), call);
      } catch (err) {
        diag.error("humanloop-otel: failed to record a provider result", err);
        call.finish();
      }
    },
    (err: unknown) => call.fail(err),
  );
}

const same = (v: unknown): unknown => v;
const dataOf = (v: unknown): unknown => (v as { data?: unknown } | undefined)?.data;

function chained(t: object, method: "then" | "catch" | "finally", state: TraceState): Function {
  const original = (t as Record<string, Function>)[method];
  if (typeof original !== "function") return original as unknown as Function;
  return function (this: unknown, ...args: unknown[]) {
    if (!state.observed) observe(t as PromiseLike<unknown>, state, same);
    return Reflect.apply(original, t, args);
  };
}

function withResponse(t: object, state: TraceState): unknown {
  const original = (t as Record<string, unknown>).withResponse;
  if (typeof original !== "function") return original;
  return function (this: unknown, ...args: unknown[]) {
    const result = Reflect.apply(original, t, args) as PromiseLike<unknown>;
    observe(result, state, dataOf);
    return result;
  };
}

function asResponse(t: object, state: TraceState): unknown {
  const original = (t as Record<string, unknown>).asResponse;
  if (typeof original !== "function") return original;
  return function (this: unknown, ...args: unknown[]) {
    const result = Reflect.apply(original, t, args) as PromiseLike<unknown>;
    if (!state.observed) {
      state.observed = true;
      const { call } = state;
      result.then(
        (response) => {
          try {
            state.onRawResponse?.(response, call);
          } catch (err) {
            diag.error("humanloop-otel: failed to record a raw provider response", err);
          }
          call.finish();
        },
        (err: unknown) => call.fail(err),
      );
    }
    return result;
  };
}

function thenUnwrap(t: object, state: TraceState): unknown {
  const original = (t as Record<string, unknown>)._thenUnwrap;
  if (typeof original !== "function") return original;
  return function (this: unknown, ...args: unknown[]) {
    const child = Reflect.apply(original, t, args) as unknown;
    // The SDK chains a new promise over the same request: follow that one instead.
    return child !== null && typeof child === "object" ? proxy(child, state) : child;
  };
}
