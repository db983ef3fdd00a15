import { UNLINKED_REASON_KEY } from "./mapping/log-request.js";
import { LogIdRegistry } from "./log-ids.js";
import type { ResolvedExporterOptions } from "./options.js";
import type { DeliveryReport } from "./report.js";
import type { HumanloopRequests } from "./requests.js";
import type { FeedbackBody, LogCompletion, LogRequest } from "./types.js";

/**
 * The dependency-aware delivery queue. Items are log creations (batched into
 * `POST /logs`), completions (`PATCH /logs?reference_id=`) and feedback
 * (`POST /feedback`). Each waits until the log it depends on (the parent, or
 * the log itself) is confirmed by the server, so a child never travels with
 * or before its parent. Waiting is event driven; a wait for a log this queue
 * has never seen ends after `parentWaitMillis`, and a parent that failed
 * lets its children go without the link. Bounded: beyond `maxQueueSize`
 * items new ones are dropped and counted.
 */

type Item =
  | { kind: "create"; ref: string; log: LogRequest; json?: string; solo?: boolean } & Common
  | { kind: "complete"; ref: string; body: LogCompletion } & Common
  | { kind: "feedback"; ref: string; body: FeedbackBody; id?: string; settle: (error?: Error) => void } & Common;

interface Common {
  epoch: number;
  /** Epoch ms after which a parked item stops waiting for a log never seen. */
  waitUntil?: number;
  /** Epoch ms after which the item is given up (set when it first becomes sendable). */
  deadline?: number;
}

/** Counters of what the queue did, for tests and diagnostics. */
export interface DeliveryStats {
  confirmed: number;
  completed: number;
  feedback: number;
  failed: number;
  dropped: number;
  unlinked: number;
  duplicates: number;
  requests: number;
}

/** See the module comment. */
export class DeliveryQueue {
  /** `reference_id` -> server id of confirmed logs. */
  readonly logIds: LogIdRegistry;
  readonly stats: DeliveryStats = { confirmed: 0, completed: 0, feedback: 0, failed: 0, dropped: 0, unlinked: 0, duplicates: 0, requests: 0 };
  private readonly parked = new Map<string, { items: Set<Item>; off: () => void }>();
  private parkedOrder: Item[] = [];
  private parkTimer: ReturnType<typeof setTimeout> | undefined;
  private readyLogs: Item[] = [];
  private readyBytes = 0;
  private readyOther: Item[] = [];
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private batchDue = false;
  private inflight = 0;
  private size = 0;
  private epoch = 0;
  private readonly outstanding = new Map<number, number>();
  private flushWaiters: { epoch: number; resolve: () => void }[] = [];
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly options: ResolvedExporterOptions,
    private readonly requests: HumanloopRequests,
    private readonly report: DeliveryReport,
  ) {
    this.logIds = new LogIdRegistry(options.maxRememberedLogs);
  }

  /** Queues a log creation; it is sent once its parent (if any) is confirmed. Returns false when dropped. */
  enqueueLog(log: LogRequest): boolean {
    if (!this.admit("log")) {
      this.logIds.fail(log.reference_id, "dropped: the delivery queue was full or shut down");
      return false;
    }
    this.logIds.markPending(log.reference_id);
    this.route({ kind: "create", ref: log.reference_id, log, epoch: this.track() }, log.parent_reference_id);
    return true;
  }

  /** Queues output/error/duration for a log sent before its span ended. */
  enqueueCompletion(ref: string, body: LogCompletion): boolean {
    if (!this.admit("completion")) return false;
    this.route({ kind: "complete", ref, body, epoch: this.track() }, ref);
    return true;
  }

  /** Queues feedback for the log `ref`; settles once Humanloop has it (or rejects with the reason it never will). */
  enqueueFeedback(ref: string, body: FeedbackBody): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.admit("feedback")) return reject(new Error("humanloop-otel: feedback dropped: the delivery queue is full or shut down"));
      const settle = (error?: Error) => (error ? reject(error) : resolve());
      this.route({ kind: "feedback", ref, body, settle, epoch: this.track() }, ref);
    });
  }

  /** The server id of the log `ref`, waiting up to `timeoutMs` for it to be confirmed. */
  logIdOf(ref: string, timeoutMs: number): Promise<string> {
    return this.logIds.logIdOf(ref, timeoutMs);
  }

  /** Sends everything queued so far and resolves once it is settled (delivered or given up). */
  forceFlush(): Promise<void> {
    const epoch = this.epoch++;
    return new Promise((resolve) => {
      this.flushWaiters.push({ epoch, resolve });
      this.checkFlushed();
      this.pump();
    });
  }

  /** Flushes within `timeoutMs`, then gives up what is left and refuses new work. Never hangs. */
  async shutdown(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.forceFlush(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
    this.abort.abort();
    clearTimeout(this.batchTimer);
    clearTimeout(this.parkTimer);
    const left = [...this.readyLogs, ...this.readyOther, ...[...this.parked.values()].flatMap((e) => [...e.items])];
    for (const entry of this.parked.values()) entry.off();
    this.readyLogs = [];
    this.readyOther = [];
    this.parked.clear();
    this.parkedOrder = [];
    for (const item of left) this.giveUp(item, "shutdown before delivery");
    this.logIds.failAllPending("shutdown before delivery");
    this.report.summarize();
  }

  private admit(what: string): boolean {
    if (this.closed || this.size >= this.options.maxQueueSize) {
      this.stats.dropped++;
      this.report.drop(`${what}s dropped (${this.closed ? "after shutdown" : "queue full"})`);
      return false;
    }
    this.size++;
    return true;
  }

  private track(): number {
    this.outstanding.set(this.epoch, (this.outstanding.get(this.epoch) ?? 0) + 1);
    return this.epoch;
  }

  /** Sends `item` on when `dependency` is confirmed; parks it until then. */
  private route(item: Item, dependency: string | undefined): void {
    if (dependency === undefined) return this.makeReady(item);
    const state = this.logIds.get(dependency);
    if (state?.status === "confirmed") {
      if (item.kind === "feedback") item.id = state.id;
      return this.makeReady(item);
    }
    if (state?.status === "failed") return this.dependencyFailed(item, state.reason);
    let entry = this.parked.get(dependency);
    if (!entry) {
      entry = { items: new Set(), off: this.logIds.onSettled(dependency, () => this.release(dependency)) };
      this.parked.set(dependency, entry);
    }
    entry.items.add(item);
    if (state === undefined) {
      item.waitUntil = Date.now() + this.options.parentWaitMillis;
      this.parkedOrder.push(item);
      this.armParkTimer();
    }
  }

  /**
   * Points the items waiting for `from` at `to` instead (or at no parent):
   * used when `from` turned out to be a span that is not logged.
   */
  redirect(from: string, to: string | undefined): void {
    const entry = this.parked.get(from);
    if (!entry) return;
    this.parked.delete(from);
    entry.off();
    for (const item of entry.items) {
      item.waitUntil = undefined;
      if (item.kind !== "create") {
        this.giveUp(item, `${from} is not a logged span`);
        continue;
      }
      if (to === undefined) delete item.log.parent_reference_id;
      else item.log.parent_reference_id = to;
      this.route(item, to);
    }
  }

  private release(dependency: string): void {
    const entry = this.parked.get(dependency);
    if (!entry) return;
    this.parked.delete(dependency);
    entry.off();
    for (const item of entry.items) {
      item.waitUntil = undefined;
      this.route(item, dependency);
    }
  }

  private dependencyFailed(item: Item, reason: string): void {
    if (item.kind === "create") {
      delete item.log.parent_reference_id;
      item.log.metadata = { ...item.log.metadata, [UNLINKED_REASON_KEY]: `parent log not stored: ${reason}` };
      this.stats.unlinked++;
      return this.makeReady(item);
    }
    if (item.kind === "feedback" && item.id === undefined && reason.startsWith("not seen")) return this.makeReady(item);
    this.giveUp(item, `its log was not stored: ${reason}`);
  }

  private armParkTimer(): void {
    if (this.parkTimer || this.parkedOrder.length === 0) return;
    const wait = Math.max(0, this.parkedOrder[0]!.waitUntil! - Date.now());
    this.parkTimer = setTimeout(() => {
      this.parkTimer = undefined;
      const now = Date.now();
      while (this.parkedOrder.length > 0) {
        const head = this.parkedOrder[0]!;
        if (head.waitUntil !== undefined && head.waitUntil > now) break;
        this.parkedOrder.shift();
        if (head.waitUntil === undefined) continue; // released meanwhile
        const dependency = head.kind === "create" ? head.log.parent_reference_id! : head.ref;
        if (this.logIds.get(dependency)?.status === "pending") continue; // it showed up: its settlement releases the item
        const entry = this.parked.get(dependency);
        entry?.items.delete(head);
        if (entry && entry.items.size === 0) {
          entry.off();
          this.parked.delete(dependency);
        }
        head.waitUntil = undefined;
        this.dependencyFailed(head, `not seen within parentWaitMillis (${this.options.parentWaitMillis} ms)`);
      }
      this.armParkTimer();
      this.pump();
    }, wait);
    this.parkTimer.unref?.();
  }

  private makeReady(item: Item): void {
    item.deadline ??= Date.now() + this.options.retryDeadlineMillis;
    if (item.kind === "create") {
      item.json ??= JSON.stringify(item.log);
      this.readyBytes += item.json.length;
      this.readyLogs.push(item);
    } else this.readyOther.push(item);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.inflight < this.options.maxConcurrentRequests) {
      const other = this.readyOther.shift();
      if (other) {
        this.run(this.sendOther(other));
        continue;
      }
      if (this.readyLogs.length === 0) break;
      const full = this.readyLogs.length >= this.options.maxBatchSize || this.readyBytes >= this.options.maxBatchBytes;
      if (!full && !this.batchDue && this.flushWaiters.length === 0) {
        this.batchTimer ??= setTimeout(() => {
          this.batchTimer = undefined;
          this.batchDue = true;
          this.pump();
        }, this.options.scheduledDelayMillis);
        break;
      }
      this.run(this.sendLogs(this.takeBatch()));
    }
    if (this.readyLogs.length === 0) this.batchDue = false;
  }

  private takeBatch(): Item[] {
    let count = 0;
    let bytes = 0;
    while (count < this.readyLogs.length && count < this.options.maxBatchSize) {
      const next = this.readyLogs[count] as Item & { kind: "create" };
      const size = next.json!.length; // UTF-16 length: close enough to bound a batch cheaply
      if (count > 0 && (bytes + size > this.options.maxBatchBytes || next.solo)) break;
      bytes += size;
      count++;
      if (next.solo) break;
    }
    this.readyBytes -= bytes;
    return this.readyLogs.splice(0, count); // one splice per batch, not a shift per log
  }

  private run(job: Promise<void>): void {
    this.inflight++;
    this.stats.requests++;
    job
      .catch((err) => this.report.once("internal", `internal delivery error: ${String(err)}`))
      .finally(() => {
        this.inflight--;
        this.pump();
      });
  }

  private async sendLogs(batch: Item[]): Promise<void> {
    const logs = batch as (Item & { kind: "create" })[];
    const deadline = Math.min(...logs.map((i) => i.deadline!));
    const outcome = await this.requests.createLogs(logs.map((i) => i.ref), logs.map((i) => i.json!), deadline, this.abort.signal);
    this.stats.duplicates += outcome.duplicates;
    for (const { index, id } of outcome.confirmed) {
      this.stats.confirmed++;
      this.done(logs[index]!);
      this.logIds.confirm(logs[index]!.ref, id);
    }
    for (const { index, reason } of outcome.failed) this.giveUp(logs[index]!, reason);
    let again = outcome.split ? logs.map((item) => ((item.solo = true), item)) : outcome.resend.sort((a, b) => a - b).map((i) => logs[i]!);
    const now = Date.now();
    const expired = this.closed ? again : again.filter((item) => item.deadline! <= now);
    expired.forEach((item) => this.giveUp(item, this.closed ? "shutdown before delivery" : "retry deadline passed"));
    again = again.filter((item) => !expired.includes(item));
    if (again.length > 0) {
      // back to the front: they were not stored, and their deadline still holds
      for (const item of again) this.readyBytes += item.json!.length;
      this.readyLogs.unshift(...again);
      this.batchDue = true;
    }
  }

  private async sendOther(item: Item): Promise<void> {
    const signal = this.abort.signal;
    if (item.kind === "complete") {
      const error = await this.requests.completeLog(item.ref, item.body, item.deadline!, signal);
      if (error) return this.giveUp(item, error);
      this.stats.completed++;
      return this.done(item);
    }
    if (item.kind !== "feedback") return;
    item.id ??= await this.requests.lookupId(item.ref, item.deadline!, signal);
    if (item.id === undefined) return this.giveUp(item, `no log with reference ${item.ref} on Humanloop`);
    const error = await this.requests.sendFeedback(item.id, item.body, item.deadline!, signal);
    if (error) return this.giveUp(item, error);
    this.stats.feedback++;
    item.settle();
    this.done(item);
  }

  private giveUp(item: Item, reason: string): void {
    this.stats.failed++;
    this.report.drop(`${item.kind === "create" ? "logs" : item.kind === "complete" ? "log completions" : "feedback items"} given up`);
    if (item.kind === "create") this.logIds.fail(item.ref, reason);
    if (item.kind === "feedback") item.settle(new Error(`humanloop-otel: feedback for ${item.ref} not delivered: ${reason}`));
    this.done(item);
  }

  private done(item: Item): void {
    this.size--;
    const left = (this.outstanding.get(item.epoch) ?? 1) - 1;
    if (left > 0) this.outstanding.set(item.epoch, left);
    else {
      this.outstanding.delete(item.epoch);
      this.checkFlushed();
    }
  }

  private checkFlushed(): void {
    if (this.flushWaiters.length === 0) return;
    const oldest = this.outstanding.keys().next().value;
    this.flushWaiters = this.flushWaiters.filter((w) => {
      if (oldest !== undefined && oldest <= w.epoch) return true;
      w.resolve();
      return false;
    });
  }
}
