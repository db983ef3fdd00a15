import type { LogIdRegistry } from "./log-ids.js";
import { dependencyOf, type Item } from "./queue-items.js";

/**
 * Items waiting for the log they depend on. Each dependency has one
 * settlement listener in the {@link LogIdRegistry} (event driven, no
 * polling). An item whose dependency this queue has never seen waits at
 * most `waitMillis`, watched by one timer for all of them; then `expired`
 * is called for it.
 */
export class ParkingLot {
  private readonly parked = new Map<string, { items: Set<Item>; off: () => void }>();
  private order: Item[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly logIds: LogIdRegistry,
    private readonly waitMillis: number,
    /** Called with the items of a dependency once it settles. */
    private readonly settled: (dependency: string, items: Iterable<Item>) => void,
    /** Called for an item whose unseen dependency did not show up in time. */
    private readonly expired: (item: Item) => void,
  ) {}

  /** Parks `item` until `dependency` settles; `seen` says whether the registry knows it (else the wait is bounded). */
  park(item: Item, dependency: string, seen: boolean): void {
    let entry = this.parked.get(dependency);
    if (!entry) {
      entry = { items: new Set(), off: this.logIds.onSettled(dependency, () => this.settled(dependency, this.take(dependency))) };
      this.parked.set(dependency, entry);
    }
    entry.items.add(item);
    if (!seen) {
      item.waitUntil = Date.now() + this.waitMillis;
      this.order.push(item);
      this.arm();
    }
  }

  /** Removes and returns the items waiting for `dependency`. */
  take(dependency: string): Item[] {
    const entry = this.parked.get(dependency);
    if (!entry) return [];
    this.parked.delete(dependency);
    entry.off();
    for (const item of entry.items) item.waitUntil = undefined;
    return [...entry.items];
  }

  /** Removes and returns every parked item (at shutdown). */
  takeAll(): Item[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.order = [];
    return [...this.parked.keys()].flatMap((dependency) => this.take(dependency));
  }

  private arm(): void {
    if (this.timer || this.order.length === 0) return;
    const wait = Math.max(0, this.order[0]!.waitUntil! - Date.now());
    this.timer = setTimeout(() => this.sweep(), wait);
    this.timer.unref?.();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = Date.now();
    let head = 0;
    for (; head < this.order.length; head++) {
      const item = this.order[head]!;
      if (item.waitUntil !== undefined && item.waitUntil > now) break;
      if (item.waitUntil === undefined) continue; // released meanwhile
      const dependency = dependencyOf(item)!;
      if (this.logIds.get(dependency)?.status === "pending") continue; // it showed up: its settlement releases the item
      const entry = this.parked.get(dependency);
      entry?.items.delete(item);
      if (entry && entry.items.size === 0) {
        entry.off();
        this.parked.delete(dependency);
      }
      item.waitUntil = undefined;
      this.expired(item);
    }
    this.order.splice(0, head);
    this.arm();
  }
}
