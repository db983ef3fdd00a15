import { diag, SpanStatusCode, type Span } from "@opentelemetry/api";
import { Semconv } from "../../src/core/attributes.js";
import { recordCallMetrics } from "./metrics.js";

/** How a traced provider call finished without an error. */
export type CallEnding =
  /** The result (or the whole stream) was delivered. */
  | "complete"
  /** The caller left a stream early (`break`, `return()`, cancelling a readable). */
  | "left"
  /** The request was aborted through its `AbortController` while streaming. */
  | "aborted"
  /** The caller dropped the result unread; found at garbage collection. */
  | "abandoned"
  /** Still open when {@link endPendingCalls} ran (process shutdown). */
  | "shutdown";

// Open calls, so shutdown can end them; kept on globalThis so two copies of
// the package (ESM + CJS) agree. Bounded by the number of calls in flight.
const PENDING_KEY = Symbol.for("humanloop-otel.pending-calls");
const pendingCalls: Set<CallSpan> = ((globalThis as { [PENDING_KEY]?: Set<CallSpan> })[PENDING_KEY] ??= new Set());

// What the finalization registry holds for a call. It lets go of the call as
// soon as the span ends, so a finished span is not kept alive (and promoted
// by the GC) for as long as the caller keeps the result.
interface OwnerCell {
  call: CallSpan | undefined;
  owners: number;
}

/** @internal Cleanup callbacks the finalization registry ran (tests check that finished calls cause none). */
export const finalizationStats = { cleanups: 0 };

// Ends the span of a result the caller dropped without reading it. A call
// unregisters its owners as soon as it ends: an owner left registered after
// its call ended cost the GC a weak cell to process and a cleanup task when
// it died (in a tight loop of streams read to their end, 47 -> 21 µs per
// stream; with streams paced like a socket, too little to measure).
const abandoned = new FinalizationRegistry<OwnerCell>((cell) => {
  finalizationStats.cleanups++;
  if (--cell.owners <= 0) cell.call?.ownersGone();
});

// Results handed out whose call is still open, checked two microtask hops
// after they were handed out. A finalization registration is costly (it slows
// every scavenge), and the usual `await create()` or `for await` takes the
// result at once: `await` calls `then` in the microtask job it queues, which
// runs before the second hop. So only results still untaken (or streams still
// open) at the check are registered, and nothing waits for the event loop to
// turn (a macrotask check kept every call's objects alive until then).
/** Something handed to the caller that may have been taken over (awaited, read) by the time it is checked. */
export interface Claimable {
  /** True once the caller has taken the value over, so it no longer needs to own the call. */
  readonly claimed: boolean;
}
// Flat triples (call, owner, claimable), so queueing a result allocates nothing.
let unclaimed: (CallSpan | object | Claimable | undefined)[] = [];
function sweepUnclaimed(): void {
  const batch = unclaimed;
  unclaimed = [];
  for (let i = 0; i < batch.length; i += 3) {
    const call = batch[i] as CallSpan;
    const claimable = batch[i + 2] as Claimable | undefined;
    call.queued--;
    if (!call.ended && !claimable?.claimed) call.own(batch[i + 1] as object);
    else if (call.queued === 0 && call.holds === 0) call.ownersGoneIfNone();
  }
}

const secondHop = (): void => queueMicrotask(sweepUnclaimed);

/**
 * The span of one provider call, ended exactly once on every path. Provider
 * code sets attributes on {@link CallSpan.span}; the shared promise and
 * stream wrappers decide when it ends.
 */
export class CallSpan {
  #ended = false;
  #cell: OwnerCell | undefined;
  /** `performance.now()` at the start of a streamed call (time to first chunk); 0 otherwise. */
  readonly startedAt: number;
  /** @internal Owners queued for the next ownership check, not yet registered. */
  queued = 0;
  /** @internal Results the caller is awaiting: while one is in flight, the call is not abandoned. */
  holds = 0;

  /**
   * @param span the span, already started, with its request attributes set.
   * @param onEnding called once, right before the span ends without an error,
   *   so the provider can add response attributes it gathered (e.g. from chunks).
   * @param onClose called once on every ending, errors included, right before
   *   the span ends: for attributes built lazily (request content).
   * @param streamed records {@link CallSpan.startedAt} for time to first chunk.
   */
  constructor(
    readonly span: Span,
    private readonly onEnding?: (ending: CallEnding) => void,
    private readonly onClose?: () => void,
    streamed = true,
  ) {
    this.startedAt = streamed ? performance.now() : 0;
    pendingCalls.add(this);
  }

  /** True once the span has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Ties the call to `owner` (an object handed to the caller): when every
   * owner has been garbage-collected while the call is still open, it ends
   * as `"abandoned"`.
   */
  own(owner: object): void {
    if (this.#ended) return;
    const cell = (this.#cell ??= { call: this, owners: 0 });
    cell.owners++;
    abandoned.register(owner, cell, cell);
  }

  /**
   * Like {@link CallSpan.own}, but decided two microtask hops later (after an `await` of it took it): `owner` is
   * registered only if the call is still open then and `claimed()` (when
   * given) is false.
   */
  ownUnlessClaimed(owner: object, claimable?: Claimable): void {
    if (this.#ended) return;
    // Once an owner is registered, a later one must be too before the GC can
    // see the earlier one go, or the call would look abandoned in between.
    if (this.#cell) {
      if (!claimable?.claimed) this.own(owner);
      return;
    }
    this.queued++;
    if (unclaimed.push(this, owner, claimable) === 3) queueMicrotask(secondHop);
  }

  /**
   * The caller is awaiting a result of this call (the owners handed out may
   * be collected meanwhile: `await proxy` keeps only the promise `then`
   * returned). Until {@link CallSpan.release}, the call is not abandoned.
   */
  hold(): void {
    this.holds++;
  }

  /** Ends a {@link CallSpan.hold}; if every owner is gone by then and the call is still open, it is abandoned. */
  release(): void {
    if (--this.holds === 0 && this.queued === 0) this.ownersGoneIfNone();
  }

  /** @internal Every registered owner has been collected. */
  ownersGone(): void {
    if (this.holds === 0 && this.queued === 0) this.finish("abandoned");
  }

  /** @internal Abandoned when owners were registered and all of them are gone. */
  ownersGoneIfNone(): void {
    if (this.#cell && this.#cell.owners <= 0) this.finish("abandoned");
  }

  /** Marks the call ended (false when it already was) and records the request content; a failure there loses only that. */
  #close(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    if (this.#cell) {
      this.#cell.call = undefined;
      abandoned.unregister(this.#cell);
    }
    pendingCalls.delete(this);
    try {
      this.onClose?.();
    } catch (err) {
      diag.error("humanloop-otel: failed to record the request of a provider call", err);
    }
    return true;
  }

  /** Ends the span without an error (no-op when already ended). */
  finish(ending: CallEnding = "complete"): void {
    if (!this.#close()) return;
    try {
      this.onEnding?.(ending);
      if (ending === "aborted") {
        this.span.setAttribute(Semconv.ERROR_TYPE, "AbortError");
        this.span.setStatus({ code: SpanStatusCode.ERROR, message: "request aborted" });
      }
    } catch (err) {
      diag.error("humanloop-otel: failed to record the end of a provider call", err);
    }
    this.#end();
  }

  /** Ends the span with status ERROR, `error.type` and the exception recorded (no-op when already ended). */
  fail(error: unknown): void {
    if (!this.#close()) return;
    try {
      this.span.setAttribute(Semconv.ERROR_TYPE, errorType(error));
      if (error instanceof Error) this.span.recordException(error);
      else this.span.recordException(String(error));
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    } catch (err) {
      diag.error("humanloop-otel: failed to record a provider error", err);
    }
    this.#end();
  }

  /** Ends the span, then records the call's GenAI metrics from it. */
  #end(): void {
    this.span.end();
    recordCallMetrics(this.span);
  }
}

/** A low-cardinality name for an error: its class name (e.g. `RateLimitError`), else `"_OTHER"`. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name || error.name || "Error";
  return "_OTHER";
}

/**
 * Ends every provider call still open (a stream never read, a result never
 * awaited), as `"shutdown"`. Call before the tracer provider shuts down so
 * those spans are exported. Returns how many were ended.
 */
export function endPendingCalls(): number {
  const open = [...pendingCalls];
  for (const call of open) call.finish("shutdown");
  return open.length;
}
