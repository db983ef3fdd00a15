/**
 * What the server said about each log: its `data_...` id once confirmed, or
 * why it will never exist. Waiters are called back on settlement (no
 * polling); settled entries are bounded, oldest forgotten first (in two
 * generations, so forgetting is O(1): no `Map` re-ordering, no scan past
 * deleted entries).
 */

/** State of one log's creation. */
export type LogState = { status: "pending" } | { status: "confirmed"; id: string } | { status: "failed"; reason: string };

type Listener = (state: LogState) => void;

const PENDING: LogState = { status: "pending" };

/** How many logs dropped at the door (nothing waiting for them) are remembered: the most recent ones. */
export const RECENT_DROPS = 1024;

/**
 * A 31-bit hash of a reference (FNV-1a): a small integer, which V8 keeps
 * inside a `Set` without an object per entry. Recent drops are remembered by
 * it, not by their strings: during an outage every span is dropped, and a
 * ring of strings that each live for 1,024 drops survives the young
 * generation's collections often enough to make V8 grow it (tens of MB of
 * RSS). Two references with the same hash (about one in a billion) make
 * one look dropped: its children are then sent without the link, with the
 * reason, as when a drop has been forgotten.
 */
function dropKey(ref: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ref.length; i += 1) h = Math.imul(h ^ ref.charCodeAt(i), 0x01000193);
  return h >>> 1;
}

/** `reference_id` -> server id, with settlement callbacks. */
export class LogIdRegistry {
  private readonly pending = new Set<string>();
  /** Settled entries, newest generation; `previous` is forgotten whole when `settled` fills up. */
  private settled = new Map<string, LogState>();
  private previous = new Map<string, LogState>();
  private readonly generationSize: number;
  private readonly listeners = new Map<string, Set<Listener>>();
  /** {@link dropKey}s of the logs dropped at the door that nothing waited for, newest last (a ring of {@link RECENT_DROPS}; -1: empty). */
  private readonly drops = new Int32Array(RECENT_DROPS).fill(-1);
  private readonly dropSet = new Set<number>();
  private dropHead = 0;
  /** The state shared by every brief drop, and its reason. */
  private dropState: LogState | undefined;

  /** @param maxSettled most settled entries remembered (at least half of them are the newest). */
  constructor(maxSettled: number) {
    this.generationSize = Math.max(1, Math.ceil(maxSettled / 2));
  }

  /** The state of `ref`, or undefined when it was never queued here (or has been forgotten). */
  get(ref: string): LogState | undefined {
    if (this.pending.has(ref)) return PENDING;
    const state = this.settled.get(ref) ?? this.previous.get(ref);
    if (state !== undefined || this.dropSet.size === 0 || !this.dropSet.has(dropKey(ref))) return state;
    return this.dropState;
  }

  /** `ref` has been queued for creation. */
  markPending(ref: string): void {
    if (!this.settled.has(ref) && !this.previous.has(ref)) this.pending.add(ref);
  }

  /** The server stored `ref` as `id`. */
  confirm(ref: string, id: string): void {
    this.settle(ref, { status: "confirmed", id });
  }

  /** `ref` will never be stored, because of `reason`. */
  fail(ref: string, reason: string): void {
    this.settle(ref, { status: "failed", reason });
  }

  /**
   * `ref` was dropped at the door (queue full) before anything queued or
   * awaited it: remembered among the {@link RECENT_DROPS} latest drops only,
   * so that a backend outage does not fill the registry (and the heap) with
   * one entry per dropped span. A log that is pending or awaited is failed
   * as by {@link fail}.
   */
  failBriefly(ref: string, reason: string): void {
    if (this.pending.has(ref) || this.listeners.has(ref) || this.settled.has(ref) || this.previous.has(ref)) return this.fail(ref, reason);
    if (this.dropState === undefined || (this.dropState as { reason: string }).reason !== reason) this.dropState = { status: "failed", reason };
    const key = dropKey(ref);
    if (this.dropSet.has(key)) return;
    const old = this.drops[this.dropHead]!;
    if (old !== -1) this.dropSet.delete(old);
    this.drops[this.dropHead] = key;
    this.dropSet.add(key);
    this.dropHead = (this.dropHead + 1) % RECENT_DROPS;
  }

  /** Calls `listener` once `ref` settles; returns an unsubscribe function. */
  onSettled(ref: string, listener: Listener): () => void {
    let set = this.listeners.get(ref);
    if (!set) this.listeners.set(ref, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(ref) === set) this.listeners.delete(ref);
    };
  }

  /** The server id of `ref`: waits (without polling) up to `timeoutMs`; rejects when the log failed or the wait timed out. */
  logIdOf(ref: string, timeoutMs: number): Promise<string> {
    const state = this.get(ref);
    if (state?.status === "confirmed") return Promise.resolve(state.id);
    if (state?.status === "failed") return Promise.reject(new Error(`Humanloop log ${ref} was not stored: ${state.reason}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Humanloop log ${ref} was not confirmed within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref?.();
      const off = this.onSettled(ref, (s) => {
        clearTimeout(timer);
        off();
        if (s.status === "confirmed") resolve(s.id);
        else reject(new Error(`Humanloop log ${ref} was not stored: ${(s as { reason: string }).reason}`));
      });
    });
  }

  /** Fails every pending log (used at shutdown). */
  failAllPending(reason: string): void {
    for (const ref of [...this.pending]) this.fail(ref, reason);
  }

  /** Number of settled entries remembered. */
  get size(): number {
    return this.settled.size + this.previous.size;
  }

  private settle(ref: string, state: LogState): void {
    const current = this.settled.get(ref);
    if ((current ?? this.previous.get(ref))?.status === "confirmed") return; // a confirmation is final
    this.pending.delete(ref);
    if (current === undefined && this.settled.size >= this.generationSize) {
      this.previous = this.settled;
      this.settled = new Map();
    }
    this.settled.set(ref, state);
    if (this.listeners.size === 0) return;
    const set = this.listeners.get(ref);
    if (!set) return;
    this.listeners.delete(ref);
    for (const listener of set) listener(state);
  }
}
