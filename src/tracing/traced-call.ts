import { finished } from "node:stream";
import { diag, SpanStatusCode, type Context, type Span } from "@opentelemetry/api";
import { Humanloop, Semconv } from "../core/attributes.js";
import { captureOutput } from "../core/content-policy.js";
import {
  bindAsyncIterable,
  bindIterator,
  bindNodeStream,
  isAsyncGenerator,
  isAsyncIterable,
  isGenerator,
  isNodeStream,
  type IterationObserver,
} from "./iterator-binding.js";

/** Streamed items kept for the output of a generator or stream; more are counted, not kept. */
const MAX_STREAM_ITEMS = 1000;

// Calls whose result (a generator, a stream) is still being consumed. Ended at
// shutdown (endOpenCalls) or when the result is garbage collected unread.
const openCalls = new Set<TracedCall>();
const abandoned = new FinalizationRegistry<TracedCall>((call) => call.done(undefined));

/**
 * One call of a `traced()` function: its span, the context it runs in, and
 * how it ends. Every path ends the span exactly once.
 */
export class TracedCall implements IterationObserver {
  private ended = false;
  private items: unknown[] | undefined;
  private moreItems = 0;

  constructor(
    readonly span: Span,
    readonly ctx: Context,
    private readonly recordOutput: boolean,
  ) {}

  item(value: unknown): void {
    if (!this.recordOutput) return;
    const items = (this.items ??= []);
    if (items.length < MAX_STREAM_ITEMS) items.push(value);
    else this.moreItems++;
  }

  /** Ends the span with `output` (or, for a stream, the items it yielded). */
  done(output: unknown): void {
    if (!this.close()) return;
    try {
      const value = this.items ? streamedOutput(this.items, this.moreItems) : output;
      if (this.recordOutput && value !== undefined) this.span.setAttribute(Humanloop.OUTPUT, captureOutput(value, Humanloop.OUTPUT));
    } catch (err) {
      diag.debug("humanloop-otel: could not record a traced output", err);
    }
    this.end();
  }

  /** Ends the span as failed with `err` (status ERROR, an exception event, `error.type`). */
  error(err: unknown): void {
    if (!this.close()) return;
    try {
      const name = errorName(err);
      this.span.recordException(err instanceof Error ? err : { name, message: String(err) });
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      this.span.setAttribute(Semconv.ERROR_TYPE, name);
    } catch (e) {
      diag.debug("humanloop-otel: could not record a traced error", e);
    }
    this.end();
  }

  /** Keeps the span open until `result` is consumed, released, or garbage collected. */
  holdOpen(result: object): void {
    openCalls.add(this);
    abandoned.register(result, this, this);
  }

  private end(): void {
    try {
      this.span.end();
    } catch (err) {
      diag.error("humanloop-otel: ending a traced span failed", err);
    }
  }

  private close(): boolean {
    if (this.ended) return false;
    this.ended = true;
    openCalls.delete(this);
    abandoned.unregister(this);
    return true;
  }
}

/** Ends the spans of results still being consumed (at shutdown, so they are exported). */
export function endOpenCalls(): void {
  for (const call of [...openCalls]) call.done(undefined);
}

/**
 * What the caller gets back from a traced function that returned `result`,
 * with the span's end wired to it: a native promise is chained (so an
 * unhandled rejection stays unhandled), a promise subclass such as an SDK's
 * `APIPromise` is returned as is (so its extra methods keep working; see
 * {@link followPromiseSubclass} for its rejections), and
 * generators and streams keep the span open until they are consumed.
 */
export function settle(result: unknown, call: TracedCall): unknown {
  try {
    if (result instanceof Promise) {
      if (result.constructor === Promise) {
        return result.then(
          (value: unknown) => settleValue(value, call),
          (err: unknown) => {
            call.error(err);
            throw err;
          },
        );
      }
      followPromiseSubclass(result, call);
      return result;
    }
    return settleValue(result, call);
  } catch (err) {
    diag.debug("humanloop-otel: could not follow a traced result", err);
    call.done(undefined);
    return result;
  }
}

/**
 * Ends the span when a promise subclass (an SDK's `APIPromise`) settles,
 * returning the caller the same object. Observing it marks it handled, so
 * when it rejects and the caller has not taken it (`await`, `then`, `catch`
 * and `finally` all go through its `then`) by the end of that turn, the
 * rejection is raised again, with the same reason, as the unhandled
 * rejection it would have been. A subclass with methods of its own (an
 * SDK's `APIPromise`: its `catch()`, `withResponse()`) can be taken without
 * `then`, so its rejection is never raised again (an unhandled one goes
 * unnoticed rather than a handled one crashing the process).
 */
function followPromiseSubclass(result: Promise<unknown>, call: TracedCall): void {
  const then = result.then as (this: unknown, ...args: unknown[]) => unknown;
  let taken = false;
  if (!onlyThroughThen(result) || !watchThen(result, then, () => (taken = true))) taken = true; // cannot tell: never raise
  then.call(
    result,
    (value: unknown) => settleValue(value, call),
    (err: unknown) => {
      call.error(err);
      // Decided after the current turn, as Node decides: a handler attached meanwhile counts.
      setImmediate(() => {
        if (!taken) void Promise.reject(err);
      });
    },
  );
}

/** Defines an own `then` on `promise` that calls `onTaken`, then `then`; false when it cannot. */
function watchThen(promise: Promise<unknown>, then: (this: unknown, ...args: unknown[]) => unknown, onTaken: () => void): boolean {
  try {
    Object.defineProperty(promise, "then", {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]) {
        onTaken();
        return then.apply(this, args);
      },
    });
    return true;
  } catch {
    return false;
  }
}

/** Whether every way to take `promise`'s outcome goes through its `then` (no other methods between it and `Promise.prototype`). */
function onlyThroughThen(promise: Promise<unknown>): boolean {
  for (let o: object | null = promise; o !== null && o !== Promise.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Reflect.ownKeys(o)) {
      if (key === "constructor" || key === "then") continue;
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (typeof d?.value === "function" || d?.get !== undefined) return false;
    }
  }
  return true;
}

function settleValue(value: unknown, call: TracedCall): unknown {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    call.done(value);
    return value;
  }
  if (isGenerator(value) || isAsyncGenerator(value)) {
    if (bindIterator(value, call.ctx, call)) call.holdOpen(value);
    else call.done(undefined);
    return value;
  }
  if (isNodeStream(value)) {
    bindNodeStream(value, call.ctx);
    call.holdOpen(value);
    finished(value, (err) => (err && !isPrematureClose(err) ? call.error(err) : call.done(undefined)));
    return value;
  }
  if (isAsyncIterable(value) && !(value instanceof Promise)) {
    if (bindAsyncIterable(value, call.ctx, call)) call.holdOpen(value);
    else call.done(undefined);
    return value;
  }
  call.done(value);
  return value;
}

function isPrematureClose(err: Error): boolean {
  return (err as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE";
}

function streamedOutput(items: unknown[], more: number): unknown {
  if (more === 0 && items.every((i) => typeof i === "string")) return items.join("");
  return more > 0 ? [...items, `…[${more} more items]`] : items;
}

function errorName(err: unknown): string {
  if (err instanceof Error) return err.constructor?.name && err.constructor.name !== "Error" ? err.constructor.name : err.name;
  return typeof err;
}
