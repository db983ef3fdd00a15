import { FlushTracker } from "./flush-tracker.js";
import type { LogIdRegistry } from "./log-ids.js";
import type { DeliveryStats, Item } from "./queue-items.js";
import type { DeliveryReport } from "./report.js";

/**
 * The queue's bookkeeping: how many items it holds, what each became
 * (confirmed, given up, dropped: counted in {@link DeliveryStats} and
 * reported through the rate-limited {@link DeliveryReport}), and the flush
 * epochs. Every item settles exactly once; a later outcome for it (an
 * aborted request answering after shutdown gave it up) is ignored.
 */
export class Settlement {
  readonly stats: DeliveryStats = { confirmed: 0, completed: 0, feedback: 0, failed: 0, dropped: 0, unlinked: 0, duplicates: 0, requests: 0 };
  readonly flushes = new FlushTracker();
  /** Items held and not settled yet. */
  size = 0;

  constructor(
    private readonly logIds: LogIdRegistry,
    private readonly report: DeliveryReport,
    /** Called once for each item as it settles. */
    private readonly onSettled?: (item: Item) => void,
  ) {}

  /** Counts an item refused at the door. */
  refuse(what: string, closed: boolean): false {
    this.stats.dropped++;
    this.report.drop(`${what}s dropped (${closed ? "after shutdown" : "queue full"})`);
    return false;
  }

  /** Takes in one item; returns its flush epoch. */
  admit(): number {
    this.size++;
    return this.flushes.track();
  }

  /** Takes in a follow-up of an unsettled item, in that item's flush epoch. */
  admitFollowUp(of: Item): number {
    this.size++;
    return this.flushes.trackIn(of.epoch);
  }

  /** The item is done (delivered or given up). */
  done(item: Item): void {
    if (item.settled) return;
    item.settled = true;
    this.size--;
    this.flushes.done(item.epoch);
    this.onSettled?.(item);
  }

  /** The item will not be delivered, because of `reason`. */
  giveUp(item: Item, reason: string): void {
    if (item.settled) return;
    this.stats.failed++;
    this.report.drop(`${item.kind === "create" ? "logs" : item.kind === "complete" ? "log completions" : "feedback items"} given up`);
    this.fail(item, reason);
  }

  /** {@link giveUp} for many items at once, counted per kind (at shutdown). */
  giveUpAll(items: Item[], reason: string): void {
    const counts = { create: 0, complete: 0, feedback: 0 };
    for (const item of items) {
      if (item.settled) continue;
      counts[item.kind]++;
      this.fail(item, reason);
    }
    this.stats.failed += counts.create + counts.complete + counts.feedback;
    if (counts.create > 0) this.report.drop("logs given up", counts.create);
    if (counts.complete > 0) this.report.drop("log completions given up", counts.complete);
    if (counts.feedback > 0) this.report.drop("feedback items given up", counts.feedback);
  }

  private fail(item: Item, reason: string): void {
    if (item.kind === "create") this.logIds.fail(item.ref, reason);
    else if (item.kind === "feedback") item.settle(new Error(`humanloop-otel: feedback for ${item.ref} not delivered: ${reason}`));
    this.done(item);
  }
}
