import type { CompleteItem, Item } from "./queue-items.js";

/**
 * For v5, where a completed trace takes no more children: a log's
 * completion waits until every child the queue holds for that log is
 * settled (created or given up, and completed in turn when it is a Flow).
 * Counts, per parent reference, the creations and completions still
 * unsettled that name it; holds a completion while its log's count is above
 * zero and hands it back when the count reaches zero.
 */
export class CompletionGate {
  private readonly outstanding = new Map<string, number>();
  private readonly held = new Map<string, CompleteItem>();
  /** Settled logs with unsettled children -> their parent, which they still count against. */
  private readonly deferred = new Map<string, string>();
  /** The parent of each log sent open (early), for its later completion. */
  private readonly openParents = new Map<string, string>();

  constructor(private readonly release: (item: CompleteItem) => void) {}

  /** The parent an item counts against (a creation's parent, a completion's log's parent). */
  private static parentOf(item: Item): string | undefined {
    return item.kind === "feedback" ? undefined : item.parent;
  }

  /** An item entered the queue (or was pointed at a new parent). */
  enter(item: Item): void {
    const parent = CompletionGate.parentOf(item);
    if (parent !== undefined) this.outstanding.set(parent, (this.outstanding.get(parent) ?? 0) + 1);
  }

  /**
   * An item settled (or is about to be pointed at another parent). A
   * created log whose own children are still unsettled keeps counting
   * against its parent until they are: a grandchild must not meet a
   * completed trace either.
   */
  leave(item: Item): void {
    const parent = CompletionGate.parentOf(item);
    if (parent === undefined) return;
    if (item.kind === "create" && item.settled && (this.outstanding.get(item.ref) ?? 0) > 0) {
      this.deferred.set(item.ref, parent);
      return;
    }
    this.decrement(parent);
  }

  private decrement(parent: string): void {
    const left = (this.outstanding.get(parent) ?? 1) - 1;
    if (left > 0) return void this.outstanding.set(parent, left);
    this.outstanding.delete(parent);
    const waiting = this.held.get(parent);
    if (waiting) {
      this.held.delete(parent);
      this.release(waiting);
    }
    const up = this.deferred.get(parent);
    if (up !== undefined) {
      this.deferred.delete(parent);
      this.decrement(up);
    }
  }

  /** Remembers the parent of a log sent open, so its completion counts against it. */
  noteOpen(ref: string, parent: string | undefined): void {
    if (parent !== undefined) this.openParents.set(ref, parent);
  }

  /** The parent noted for an open log (forgotten once read). */
  takeOpenParent(ref: string): string | undefined {
    const parent = this.openParents.get(ref);
    this.openParents.delete(ref);
    return parent;
  }

  /** Holds `item` while its log has unsettled children; true when held. */
  hold(item: CompleteItem): boolean {
    if ((this.outstanding.get(item.ref) ?? 0) === 0) return false;
    this.held.set(item.ref, item);
    return true;
  }

  /** Every held completion, removed (at shutdown). */
  takeAll(): CompleteItem[] {
    const all = [...this.held.values()];
    this.held.clear();
    this.openParents.clear();
    this.deferred.clear();
    this.outstanding.clear();
    return all;
  }
}
