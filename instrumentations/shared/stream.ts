import { diag } from "@opentelemetry/api";
import { GenAI } from "../../src/core/attributes.js";
import type { CallSpan } from "./call-span.js";

/**
 * Sees each event of a traced stream as the caller reads it. Keep `onChunk`
 * to a few property reads: it runs once per event on the caller's path.
 * Response attributes built from the chunks belong in the `onEnding` hook
 * of the {@link CallSpan}.
 */
export interface ChunkObserver {
  onChunk(chunk: unknown): void;
}

interface SdkStream {
  iterator?: unknown;
  controller?: { signal?: { aborted?: boolean } };
}

/**
 * Follows a provider SDK `Stream` (openai's and Anthropic's share the
 * design: a private `iterator` factory behind `[Symbol.asyncIterator]`,
 * `tee()` and `toReadableStream()`) by wrapping that factory on the instance,
 * so every way of reading the stream goes through the observer, and the
 * caller keeps the same object with `.controller`, `.tee()` and
 * `.toReadableStream()`.
 *
 * Never reads ahead: each chunk is seen when the caller asks for it. The
 * call ends once: `"complete"` at the end of the stream, `"left"` when the
 * caller stops early, `"aborted"` when the controller aborted it, with an
 * error when reading fails (the caller gets the same error), `"abandoned"`
 * when the stream is garbage-collected unread, or `"shutdown"` at
 * {@link endPendingCalls}. Sets `gen_ai.response.time_to_first_chunk`.
 *
 * Returns false (and leaves the stream untouched) when `stream` does not
 * have that shape; the caller should then end the call itself.
 */
export function traceStream(stream: unknown, call: CallSpan, observer: ChunkObserver): boolean {
  if (stream === null || typeof stream !== "object") return false;
  const target = stream as SdkStream;
  const factory = target.iterator;
  if (typeof factory !== "function") return false;
  // Claimed once reading starts: from then on the iterator owns the call.
  const reading = { claimed: false };
  target.iterator = function tracedIteratorFactory(this: unknown): AsyncIterator<unknown> {
    const inner = Reflect.apply(factory, this ?? target, []) as AsyncIterator<unknown>;
    // A second read is the SDK's own "consumed stream" error: let it through untouched.
    if (reading.claimed) return inner;
    reading.claimed = true;
    const outer = tracedIterator(inner, call, observer, target.controller);
    // Whoever holds the iterator (a tee branch, a readable) keeps the call alive, even once the stream object is gone.
    call.ownUnlessClaimed(outer);
    return outer;
  };
  call.ownUnlessClaimed(target, reading);
  return true;
}

function tracedIterator(
  inner: AsyncIterator<unknown>,
  call: CallSpan,
  observer: ChunkObserver,
  controller: SdkStream["controller"],
): AsyncIterator<unknown> {
  let first = true;
  // Must never throw: its promise is not the caller's, so a throw would be an unhandled rejection.
  const onResult = (result: IteratorResult<unknown> | undefined): void => {
    try {
      if (!result || result.done) {
        call.finish(controller?.signal?.aborted ? "aborted" : "complete");
        return;
      }
      if (first) {
        first = false;
        call.span.setAttribute(GenAI.RESPONSE_TIME_TO_FIRST_CHUNK, (performance.now() - call.startedAt) / 1000);
      }
      observer.onChunk(result.value);
    } catch (err) {
      diag.debug("humanloop-otel: could not read a stream chunk", err);
    }
  };
  // Observers hang off the SDK's own promise (registered before the caller's
  // await, so they run first); the caller gets that promise, errors included.
  const onError = (err: unknown): void => call.fail(err);
  const onLeft = <R>(result: R): R => {
    call.finish("left");
    return result;
  };
  const onLeftError = (err: unknown): never => {
    call.finish("left");
    throw err;
  };
  return {
    next(value?: unknown) {
      const pending = inner.next(value as undefined);
      if (typeof pending?.then === "function") pending.then(onResult, onError);
      return pending;
    },
    return(value?: unknown) {
      if (typeof inner.return !== "function") return Promise.resolve(onLeft({ done: true, value } as IteratorResult<unknown>));
      return Promise.resolve(inner.return(value)).then(onLeft, onLeftError);
    },
    throw(err?: unknown) {
      if (typeof inner.throw !== "function") {
        call.fail(err);
        return Promise.reject(err);
      }
      const pending = Promise.resolve(inner.throw(err));
      pending.then(onResult, onError);
      return pending;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncIterableIterator<unknown>;
}
