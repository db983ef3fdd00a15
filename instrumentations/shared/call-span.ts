import { diag, SpanStatusCode, type Span } from "@opentelemetry/api";
import { Semconv } from "../../src/attributes.js";

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
function pending(): Set<CallSpan> {
  const g = globalThis as { [PENDING_KEY]?: Set<CallSpan> };
  return (g[PENDING_KEY] ??= new Set());
}

// What the finalization registry holds for a call. It lets go of the call as
// soon as the span ends, so a finished span is not kept alive (and promoted
// by the GC) for as long as the caller keeps the result.
interface OwnerCell {
  call: CallSpan | undefined;
  owners: number;
}

// Ends the span of a result the caller dropped without reading it.
const abandoned = new FinalizationRegistry<OwnerCell>((cell) => {
  if (--cell.owners <= 0) cell.call?.finish("abandoned");
});

// Results handed out whose call is still open, checked once per macrotask. A
// finalization registration is costly (it slows every scavenge), and the usual
// `await create()` or `for await` takes the result at once, so only results
// still untaken (or streams still open) at the check are registered.
type Unclaimed = { call: CallSpan; owner: object; claimed: (() => boolean) | undefined };
let unclaimed: Unclaimed[] = [];
function sweepUnclaimed(): void {
  const batch = unclaimed;
  unclaimed = [];
  for (const { call, owner, claimed } of batch) if (!call.ended && !claimed?.()) call.own(owner);
}

/**
 * The span of one provider call, ended exactly once on every path. Provider
 * code sets attributes on {@link CallSpan.span}; the shared promise and
 * stream wrappers decide when it ends.
 */
export class CallSpan {
  #ended = false;
  #cell: OwnerCell | undefined;
  /** `performance.now()` at the start of the call, for time to first chunk. */
  readonly startedAt: number;

  /**
   * @param span the span, already started, with its request attributes set.
   * @param onEnding called once, right before the span ends without an error,
   *   so the provider can add response attributes it gathered (e.g. from chunks).
   */
  constructor(
    readonly span: Span,
    private readonly onEnding?: (ending: CallEnding) => void,
  ) {
    this.startedAt = performance.now();
    pending().add(this);
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
    abandoned.register(owner, cell);
  }

  /**
   * Like {@link CallSpan.own}, but decided at the next macrotask: `owner` is
   * registered only if the call is still open then and `claimed()` (when
   * given) is false.
   */
  ownUnlessClaimed(owner: object, claimed?: () => boolean): void {
    if (unclaimed.push({ call: this, owner, claimed }) === 1) setImmediate(sweepUnclaimed).unref();
  }

  /** Ends the span without an error (no-op when already ended). */
  finish(ending: CallEnding = "complete"): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#cell) this.#cell.call = undefined;
    pending().delete(this);
    try {
      this.onEnding?.(ending);
      if (ending === "aborted") {
        this.span.setAttribute(Semconv.ERROR_TYPE, "AbortError");
        this.span.setStatus({ code: SpanStatusCode.ERROR, message: "request aborted" });
      }
    } catch (err) {
      diag.error("humanloop-otel: failed to record the end of a provider call", err);
    }
    this.span.end();
  }

  /** Ends the span with status ERROR, `error.type` and the exception recorded (no-op when already ended). */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#cell) this.#cell.call = undefined;
    pending().delete(this);
    try {
      this.span.setAttribute(Semconv.ERROR_TYPE, errorType(error));
      if (error instanceof Error) this.span.recordException(error);
      else this.span.recordException(String(error));
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    } catch (err) {
      diag.error("humanloop-otel: failed to record a provider error", err);
    }
    this.span.end();
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
  const open = [...pending()];
  for (const call of open) call.finish("shutdown");
  return open.length;
}
