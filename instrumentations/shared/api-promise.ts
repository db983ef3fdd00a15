import { diag } from "@opentelemetry/api";
import type { CallSpan, Claimable } from "./call-span.js";

/**
 * Receives the value the caller gets from a traced promise, exactly once per
 * call. It must either end the call (`call.finish()`) or hand it on (e.g. to
 * {@link traceStream} when the value is a stream). If it throws, the error
 * goes to the diag logger and the call ends.
 */
export type ValueObserver = (value: unknown, call: CallSpan) => void;

/** Optional hook for `.asResponse()`: the raw `Response`, whose body belongs to the caller and must not be read. */
export type RawResponseObserver = (response: unknown, call: CallSpan) => void;

/**
 * The per-call state, also the Proxy handler (one object per call): only
 * `get` is trapped, and the wrapped methods are made once per call, on first use.
 */
class TraceState implements ProxyHandler<object>, Claimable {
  /** The caller asked for the result (`then`, `withResponse`, `asResponse`): the call no longer needs an owner. */
  claimed = false;
  /** The wrapped `then`, and the promise it belongs to (a `_thenUnwrap` child shares this state but not the `then`). */
  #then: Function | undefined;
  #thenOf: object | undefined;

  constructor(
    readonly call: CallSpan,
    readonly onValue: ValueObserver,
    readonly onRawResponse: RawResponseObserver | undefined,
  ) {}

  get(t: object, prop: string | symbol): unknown {
    switch (prop) {
      case "then":
        if (this.#thenOf !== t) {
          this.#then = thenOf(t, this);
          this.#thenOf = t;
        }
        return this.#then;
      case "catch":
      case "finally":
        return chained(t, prop, this);
      case "withResponse":
        return withResponse(t, this);
      case "asResponse":
        return asResponse(t, this);
      case "_thenUnwrap":
        return thenUnwrap(t, this);
    }
    const value = Reflect.get(t, prop, t) as unknown;
    // Methods run on the original (private fields); `constructor` is a class, not a method.
    return typeof value === "function" && prop !== "constructor" ? (value as Function).bind(t) : value;
  }
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
 * {@link endPendingCalls}. Once the caller has asked for the result (`then`,
 * `await`, `withResponse`, ...), the call is held until it settles: `await
 * proxy` keeps only the promise `then` returned, so the proxy itself may be
 * collected meanwhile without ending the call.
 *
 * Errors end the call with status ERROR; the caller gets the same error object.
 */
export function traceApiPromise<P extends object>(
  promise: P,
  call: CallSpan,
  onValue: ValueObserver,
  onRawResponse?: RawResponseObserver,
): P {
  return proxy(promise, new TraceState(call, onValue, onRawResponse));
}

function proxy<P extends object>(target: P, state: TraceState): P {
  const wrapped = new Proxy(target, state as ProxyHandler<P>);
  state.call.ownUnlessClaimed(wrapped, state);
  return wrapped;
}

/** Marks the result as taken; the call is held (not abandoned at GC) until it settles. */
function claim(state: TraceState): void {
  state.claimed = true;
  state.call.hold();
}

function deliver(state: TraceState, value: unknown): void {
  const { call } = state;
  try {
    state.onValue(value, call);
  } catch (err) {
    diag.error("humanloop-otel: failed to record a provider result", err);
    call.finish();
  }
  call.release();
}

function reject(state: TraceState, err: unknown): void {
  state.call.fail(err);
  state.call.release();
}

function observe(settled: PromiseLike<unknown>, state: TraceState, pick: (v: unknown) => unknown): void {
  if (state.claimed) return;
  claim(state);
  settled.then(
    (v) => deliver(state, pick(v)),
    (err: unknown) => reject(state, err),
  );
}

/**
 * `then`: the first call with a fulfilment handler (what `await` does) sees
 * the value inside the caller's own handlers, before them, so no second
 * reaction is added to the SDK's promise.
 */
function thenOf(t: object, state: TraceState): Function {
  const original = (t as Record<string, Function>).then;
  if (typeof original !== "function") return original as unknown as Function;
  return function then(this: unknown, ...args: unknown[]) {
    const [onFulfilled, onRejected] = args;
    if (state.claimed || typeof onFulfilled !== "function") {
      if (!state.claimed) observe(t as PromiseLike<unknown>, state, same);
      return Reflect.apply(original, t, args);
    }
    claim(state);
    const fulfilled = onFulfilled as (v: unknown) => unknown;
    const rejected = typeof onRejected === "function" ? (onRejected as (e: unknown) => unknown) : undefined;
    return Reflect.apply(original, t, [
      (v: unknown) => {
        deliver(state, v);
        return fulfilled(v);
      },
      (err: unknown) => {
        reject(state, err);
        if (rejected) return rejected(err);
        throw err;
      },
    ]);
  };
}

const same = (v: unknown): unknown => v;
const dataOf = (v: unknown): unknown => (v as { data?: unknown } | undefined)?.data;

function chained(t: object, method: "catch" | "finally", state: TraceState): Function {
  const original = (t as Record<string, Function>)[method];
  if (typeof original !== "function") return original as unknown as Function;
  return function (this: unknown, ...args: unknown[]) {
    if (!state.claimed) observe(t as PromiseLike<unknown>, state, same);
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
    if (!state.claimed) {
      claim(state);
      const { call } = state;
      result.then(
        (response) => {
          try {
            state.onRawResponse?.(response, call);
          } catch (err) {
            diag.error("humanloop-otel: failed to record a raw provider response", err);
          }
          call.finish();
          call.release();
        },
        (err: unknown) => reject(state, err),
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
