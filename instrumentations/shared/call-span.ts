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

// Ends the span of a result the caller dropped without reading it.
const abandoned = new FinalizationRegistry<CallSpan>((call) => call.release());

/**
 * The span of one provider call, ended exactly once on every path. Provider
 * code sets attributes on {@link CallSpan.span}; the shared promise and
 * stream wrappers decide when it ends.
 */
export class CallSpan {
  #ended = false;
  #owners = 0;
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
    this.#owners++;
    abandoned.register(owner, this, owner);
  }

  /** Undoes {@link CallSpan.own} for `owner` (e.g. once a stream hands its events to an iterator). */
  disown(owner: object): void {
    if (abandoned.unregister(owner)) this.#owners--;
  }

  /** @internal Called by the finalization registry when one owner is collected. */
  release(): void {
    if (--this.#owners <= 0) this.finish("abandoned");
  }

  /** Ends the span without an error (no-op when already ended). */
  finish(ending: CallEnding = "complete"): void {
    if (this.#ended) return;
    this.#ended = true;
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
