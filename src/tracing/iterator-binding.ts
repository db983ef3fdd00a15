import { context as otelContext, type Context } from "@opentelemetry/api";

/**
 * Keeps a context (a traced span, a session) around generators and async
 * iterables that outlive the call that made them: a generator's body runs on
 * each `next()`, long after the function returned, so each step is re-entered
 * in the context it was created in. The object the caller holds stays the
 * same object: only own `next`/`return`/`throw` (or `Symbol.asyncIterator`,
 * or a Node stream's `_read`, `_transform`, ...) are added to it.
 */

/** Told about the progress of an observed iteration. */
export interface IterationObserver {
  item(value: unknown): void;
  done(returned: unknown): void;
  error(err: unknown): void;
}

type StepMethod = "next" | "return" | "throw";
const STEPS: StepMethod[] = ["next", "return", "throw"];

/** Whether `value` is a generator object made by a `function*`. */
export function isGenerator(value: unknown): value is Generator {
  return Object.prototype.toString.call(value) === "[object Generator]";
}

/** Whether `value` is an async generator object made by an `async function*`. */
export function isAsyncGenerator(value: unknown): value is AsyncGenerator {
  return Object.prototype.toString.call(value) === "[object AsyncGenerator]";
}

/** Whether `value` is an object with `Symbol.asyncIterator` (an SDK stream, a web or Node stream, ...). */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** Whether `value` is a Node.js stream (`Readable`, `Transform`, ...). */
export function isNodeStream(value: object): value is NodeJS.ReadableStream {
  const v = value as { pipe?: unknown; on?: unknown; once?: unknown };
  return typeof v.pipe === "function" && typeof v.on === "function" && typeof v.once === "function";
}

// The methods through which a Node stream runs its producer's code, when the consumer pulls or writes.
const STREAM_METHODS = ["_read", "_write", "_writev", "_final", "_transform", "_flush"] as const;

/**
 * Runs a Node stream's implementation (`_read`, `_transform`, ...; e.g. the
 * generator behind `Readable.from()`) in `ctx`, by defining own methods on
 * the stream. Its events still reach listeners in their own context. A
 * method that cannot be replaced (frozen stream) is left as it is.
 */
export function bindNodeStream(stream: object, ctx: Context): void {
  const target = stream as Record<string, unknown>;
  for (const method of STREAM_METHODS) {
    const original = target[method];
    if (typeof original !== "function") continue;
    try {
      Object.defineProperty(stream, method, {
        configurable: true,
        writable: true,
        value: function inContext(this: unknown, ...args: unknown[]) {
          return otelContext.with(ctx, original as (...a: unknown[]) => unknown, this, ...args);
        },
      });
    } catch {
      // left unbound
    }
  }
}

/**
 * Runs every step of `iterator` (a generator, async generator or iterator)
 * in `ctx` and reports it to `observer`, by defining own step methods on the
 * object itself. Returns false when the object cannot take them (frozen).
 */
export function bindIterator(iterator: object, ctx: Context, observer?: IterationObserver): boolean {
  const target = iterator as Record<StepMethod, ((arg?: unknown) => unknown) | undefined>;
  try {
    for (const method of STEPS) {
      const original = target[method];
      if (typeof original !== "function") continue;
      Object.defineProperty(iterator, method, {
        configurable: true,
        writable: true,
        value: function step(this: unknown, arg?: unknown) {
          return runStep(original, this, arg, ctx, observer);
        },
      });
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes each iterator taken from `iterable` (via `Symbol.asyncIterator`) run
 * in `ctx` and report to `observer`. Returns false when the object cannot
 * take the own property.
 */
export function bindAsyncIterable(iterable: AsyncIterable<unknown>, ctx: Context, observer?: IterationObserver): boolean {
  const original = iterable[Symbol.asyncIterator];
  try {
    Object.defineProperty(iterable, Symbol.asyncIterator, {
      configurable: true,
      writable: true,
      value: function asyncIterator(this: unknown, ...args: unknown[]) {
        const iterator = (original as (...a: unknown[]) => AsyncIterator<unknown>).apply(this, args);
        if (iterator !== null && typeof iterator === "object" && !bindIterator(iterator, ctx, observer)) {
          observer?.done(undefined);
        }
        return iterator;
      },
    });
    return true;
  } catch {
    return false;
  }
}

function runStep(
  original: (arg?: unknown) => unknown,
  self: unknown,
  arg: unknown,
  ctx: Context,
  observer: IterationObserver | undefined,
): unknown {
  let result: unknown;
  try {
    result = otelContext.with(ctx, original, self, arg);
  } catch (err) {
    observer?.error(err);
    throw err;
  }
  if (!observer) return result;
  if (result instanceof Promise) {
    return result.then(
      (r: unknown) => report(r, observer),
      (err: unknown) => {
        observer.error(err);
        throw err;
      },
    );
  }
  return report(result, observer);
}

function report(result: unknown, observer: IterationObserver): unknown {
  const r = result as IteratorResult<unknown> | undefined;
  if (r && typeof r === "object") {
    if (r.done) observer.done(r.value);
    else observer.item(r.value);
  }
  return result;
}
