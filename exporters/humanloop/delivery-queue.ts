import { UNLINKED_REASON_KEY } from "./mapping/log-request.js";
import { LogIdRegistry } from "./log-ids.js";
import type { ResolvedExporterOptions } from "./options.js";
import { ParkingLot } from "./parking.js";
import { ReadyLogs } from "./ready-logs.js";
import { Settlement } from "./settlement.js";
import { CompletionGate } from "./completion-gate.js";
import type { CompleteItem, CreateItem, DeliveryStats, Item } from "./queue-items.js";
import type { DeliveryReport } from "./report.js";
import type { LogRequests } from "./requests.js";
import type { FeedbackBody, LogCompletion, LogRequest } from "./types.js";
import { keepAliveUntilSettled } from "../../src/core/process-exit.js";

export type { DeliveryStats } from "./queue-items.js";

/** Most of `shutdownTimeoutMillis` (at most a tenth) kept for giving up what is left once the flush has run out of time. */
const SHUTDOWN_RESERVE_MILLIS = 50;

const DROPPED = "dropped: the delivery queue was full or shut down";

/**
 * Points a queued (serialized, not yet ready) log at another parent, or at
 * none with the reason in its metadata. Rare (a parent that is not logged
 * or failed), so the text is parsed and written again.
 */
function relink(item: CreateItem, parent: string | undefined, unlinkedReason: string | undefined, gate?: CompletionGate): void {
  gate?.leave(item);
  const log = JSON.parse(item.utf8.toString()) as LogRequest;
  if (parent === undefined) delete log.parent_reference_id;
  else log.parent_reference_id = parent;
  if (unlinkedReason !== undefined) log.metadata = { ...log.metadata, [UNLINKED_REASON_KEY]: unlinkedReason };
  item.utf8 = Buffer.from(JSON.stringify(log));
  item.bytes = undefined;
  if (parent === undefined) delete item.parent;
  else item.parent = parent;
  gate?.enter(item);
}

/**
 * The dependency-aware delivery queue. Items are log creations (batched into
 * `POST /logs`), completions (`PATCH /logs?reference_id=`) and feedback
 * (`POST /feedback`). Each waits until the log it depends on (the parent, or
 * the log itself) is confirmed by the server, so a child never travels with
 * or before its parent. Waiting is event driven; a wait for a log this queue
 * has never seen ends after `parentWaitMillis`, and a parent that failed
 * lets its children go without the link. Bounded: beyond `maxQueueSize`
 * items new ones are dropped and counted. A batch's body never exceeds
 * `maxBatchBytes` UTF-8 bytes (a single larger log goes alone).
 */
export class DeliveryQueue {
  /** `reference_id` -> server id of confirmed logs. */
  readonly logIds: LogIdRegistry;
  private readonly settlement: Settlement;
  private readonly parking: ParkingLot;
  private readonly readyLogs = new ReadyLogs();
  private readyOther: Item[] = [];
  private readonly inflight = new Set<Item[]>();
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private batchDue = false;
  private readonly abort = new AbortController();
  /** Epoch ms by which `shutdown()` gives up: no request or retry outlives it. */
  private hardDeadline = Infinity;
  private closed = false;
  /** Set while a batch's answer is read: the logs it releases are pumped together afterwards. */
  private pumpDeferred = false;
  /** v5: completions wait for their log's children (undefined for v4). */
  private readonly gate: CompletionGate | undefined;
  private readonly maxBatchSize: number;

  constructor(
    private readonly options: ResolvedExporterOptions,
    private readonly requests: LogRequests,
    private readonly report: DeliveryReport,
  ) {
    this.logIds = new LogIdRegistry(options.maxRememberedLogs);
    this.maxBatchSize = Math.min(options.maxBatchSize, requests.maxBatchSize);
    if (requests.completionsWaitForChildren) {
      this.gate = new CompletionGate((item) => {
        this.makeReady(item);
        this.pump();
      });
    }
    this.settlement = new Settlement(this.logIds, report, this.gate && ((item) => this.gate!.leave(item)));
    this.parking = new ParkingLot(
      this.logIds,
      options.parentWaitMillis,
      (dependency, items) => {
        for (const item of items) this.route(item, dependency);
        this.pump(); // once for all: they may share a batch
      },
      (item) => {
        this.dependencyFailed(item, `not seen within parentWaitMillis (${options.parentWaitMillis} ms)`);
        this.pump();
      },
    );
  }

  /** Counters of what the queue did. */
  get stats(): DeliveryStats {
    return this.settlement.stats;
  }

  /**
   * Counts the log `ref` as dropped without building it (see {@link refusing}).
   * With `awaited` false (no log of this process will name it as parent) the
   * drop is remembered only briefly (see {@link LogIdRegistry.failBriefly}).
   */
  dropLog(ref: string, awaited = true): void {
    this.settlement.refuse("log", this.closed);
    if (awaited) this.logIds.fail(ref, DROPPED);
    else this.logIds.failBriefly(ref, DROPPED);
  }

  /** Whether new items are refused now (queue full or shut down): callers can skip building them. */
  get refusing(): boolean {
    return this.closed || this.settlement.size >= this.options.maxQueueSize;
  }

  /**
   * Queues a log creation; it is sent once its parent (if any) is confirmed.
   * `open`: the span has not ended, a completion follows. Returns false when dropped.
   */
  enqueueLog(log: LogRequest, open = false): boolean {
    const epoch = this.admit("log");
    if (epoch === undefined) {
      this.logIds.fail(log.reference_id, DROPPED);
      return false;
    }
    this.logIds.markPending(log.reference_id);
    const item: CreateItem = { kind: "create", ref: log.reference_id, utf8: Buffer.from(JSON.stringify(log)), epoch };
    if (log.parent_reference_id !== undefined) item.parent = log.parent_reference_id;
    if (open) {
      item.open = true;
      this.gate?.noteOpen(item.ref, item.parent);
    }
    this.gate?.enter(item);
    this.route(item, item.parent);
    this.pump();
    return true;
  }

  /** Queues output/error/duration for a log sent before its span ended. */
  enqueueCompletion(ref: string, body: LogCompletion): boolean {
    const epoch = this.admit("completion");
    if (epoch === undefined) return false;
    const item: CompleteItem = { kind: "complete", ref, body, epoch };
    const parent = this.gate?.takeOpenParent(ref);
    if (parent !== undefined) item.parent = parent;
    this.gate?.enter(item);
    this.route(item, ref);
    this.pump();
    return true;
  }

  /** Queues feedback for the log `ref`; settles once Humanloop has it (or rejects with the reason it never will). */
  enqueueFeedback(ref: string, body: FeedbackBody): Promise<void> {
    return new Promise((resolve, reject) => {
      const epoch = this.admit("feedback");
      if (epoch === undefined) return reject(new Error("humanloop-otel: feedback dropped: the delivery queue is full or shut down"));
      const settle = (error?: Error) => (error ? reject(error) : resolve());
      this.route({ kind: "feedback", ref, body, settle, epoch }, ref);
      this.pump();
    });
  }

  /** The server id of the log `ref`, waiting up to `timeoutMs` for it to be confirmed. */
  logIdOf(ref: string, timeoutMs: number): Promise<string> {
    return this.logIds.logIdOf(ref, timeoutMs);
  }

  /** Sends everything queued so far and resolves once it is settled (delivered or given up). */
  forceFlush(): Promise<void> {
    const flushed = this.settlement.flushes.flush();
    this.pump();
    // Retries wait on unref'd timers: the app awaiting this flush must not see Node exit under it.
    return keepAliveUntilSettled(flushed);
  }

  /**
   * Flushes within `timeoutMs`; at that deadline aborts the requests in
   * flight, stops retries, gives up what is left (counted, reported once
   * through diag) and refuses new work. Resolves by the deadline.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.hardDeadline = Date.now() + timeoutMs;
    // keep a little of the limit for giving up what is left (O(items), synchronous)
    const wait = Math.max(0, timeoutMs - Math.min(SHUTDOWN_RESERVE_MILLIS, timeoutMs / 10));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.forceFlush(), new Promise<void>((r) => (timer = setTimeout(r, wait)))]);
    clearTimeout(timer);
    this.closed = true;
    this.abort.abort();
    clearTimeout(this.batchTimer);
    const left = [...this.readyLogs.clear(), ...this.readyOther, ...this.parking.takeAll(), ...[...this.inflight].flat(), ...(this.gate?.takeAll() ?? [])];
    this.readyOther = [];
    this.inflight.clear();
    this.settlement.giveUpAll(left, "shutdown before delivery");
    this.logIds.failAllPending("shutdown before delivery");
    this.settlement.flushes.releaseAll();
    this.report.summarize();
  }

  /**
   * Points the items waiting for `from` at `to` instead (or at no parent):
   * used when `from` turned out to be a span that is not logged.
   */
  redirect(from: string, to: string | undefined): void {
    for (const item of this.parking.take(from)) {
      if (item.kind !== "create") {
        this.settlement.giveUp(item, `${from} is not a logged span`);
        continue;
      }
      relink(item, to, undefined, this.gate);
      this.route(item, to);
    }
    this.pump();
  }

  /** Takes in one item (returning its flush epoch), or counts it dropped (returning undefined). */
  private admit(what: string): number | undefined {
    if (this.refusing) return void this.settlement.refuse(what, this.closed);
    return this.settlement.admit();
  }

  /** Makes `item` ready when `dependency` is confirmed (the caller then pumps); parks it until then. */
  private route(item: Item, dependency: string | undefined): void {
    if (dependency === undefined) return this.makeReady(item);
    const state = this.logIds.get(dependency);
    if (state?.status === "confirmed") {
      if (item.kind === "feedback") item.id = state.id;
      return this.makeReady(item);
    }
    if (state?.status === "failed") return this.dependencyFailed(item, state.reason);
    this.parking.park(item, dependency, state !== undefined);
  }

  private dependencyFailed(item: Item, reason: string): void {
    if (item.kind === "create") {
      relink(item, undefined, `parent log not stored: ${reason}`, this.gate);
      this.stats.unlinked++;
      return this.makeReady(item);
    }
    if (item.kind === "feedback" && item.id === undefined && reason.startsWith("not seen")) return this.makeReady(item);
    this.settlement.giveUp(item, `its log was not stored: ${reason}`);
  }

  private makeReady(item: Item): void {
    if (item.kind === "complete" && this.gate?.hold(item)) return;
    item.deadline ??= Date.now() + this.options.retryDeadlineMillis;
    if (item.kind === "create") {
      item.bytes ??= item.utf8.length;
      this.readyLogs.push(item);
    } else this.readyOther.push(item);
  }

  private pump(): void {
    if (this.pumpDeferred) return;
    while (!this.closed && this.inflight.size < this.options.maxConcurrentRequests) {
      const other = this.readyOther.shift();
      if (other) {
        this.run([other], this.sendOther(other));
        continue;
      }
      if (this.readyLogs.length === 0) break;
      const full = this.readyLogs.length >= this.maxBatchSize || this.readyLogs.bytes >= this.options.maxBatchBytes;
      if (!full && !this.batchDue && !this.settlement.flushes.waiting) {
        this.batchTimer ??= setTimeout(() => {
          this.batchTimer = undefined;
          this.batchDue = true;
          this.pump();
        }, this.options.scheduledDelayMillis);
        this.batchTimer.unref?.();
        break;
      }
      const batch = this.readyLogs.takeBatch(this.maxBatchSize, this.options.maxBatchBytes);
      this.run(batch, this.sendLogs(batch));
    }
    if (this.readyLogs.length === 0) this.batchDue = false;
  }

  private run(items: Item[], job: Promise<void>): void {
    this.inflight.add(items);
    this.stats.requests++;
    job
      .catch((err) => this.report.once("internal", `internal delivery error: ${String(err)}`))
      .finally(() => {
        this.inflight.delete(items);
        this.pump();
      });
  }

  /** The deadline for a request of `items`: theirs, or the shutdown's when it is sooner. */
  private deadlineOf(items: Item[]): number {
    let deadline = this.hardDeadline;
    for (const item of items) if (item.deadline! < deadline) deadline = item.deadline!;
    return deadline;
  }

  private async sendLogs(logs: CreateItem[]): Promise<void> {
    const deadline = this.deadlineOf(logs);
    const outcome = await this.requests.createLogs(logs, deadline, this.abort.signal);
    this.stats.duplicates += outcome.duplicates;
    this.stats.unlinked += outcome.unlinked ?? 0;
    for (const { index, completion } of outcome.followUps ?? []) this.followUp(logs[index]!, completion);
    this.pumpDeferred = true; // children released by these confirmations share batches; run() pumps when this ends
    try {
      for (const { index, id } of outcome.confirmed) {
        const item = logs[index]!;
        if (item.settled) continue;
        this.stats.confirmed++;
        this.settlement.done(item);
        this.logIds.confirm(item.ref, id);
      }
    } finally {
      this.pumpDeferred = false;
    }
    for (const { index, reason } of outcome.failed) this.settlement.giveUp(logs[index]!, reason);
    const again = outcome.split ? logs.map((item) => ((item.solo = true), item)) : outcome.resend.sort((a, b) => a - b).map((i) => logs[i]!);
    const now = Date.now();
    const retry: CreateItem[] = [];
    for (const item of again) {
      if (item.settled) continue;
      if (this.closed || item.deadline! <= now || this.hardDeadline <= now) this.settlement.giveUp(item, this.closed ? "shutdown before delivery" : "retry deadline passed");
      else retry.push(item);
    }
    if (retry.length > 0) {
      this.readyLogs.unshift(retry); // back to the front: they were not stored, and their deadline still holds
      this.batchDue = true;
    }
  }

  /** Queues the completion of a confirmed log (v5: a Flow created `incomplete`), before the log settles, so its parent's completion waits for it. */
  private followUp(log: CreateItem, body: LogCompletion): void {
    if (log.settled || this.closed) return;
    const item: CompleteItem = { kind: "complete", ref: log.ref, body, epoch: this.settlement.admitFollowUp(log) };
    if (log.parent !== undefined) item.parent = log.parent;
    this.gate?.enter(item);
    this.route(item, log.ref);
  }

  private async sendOther(item: Item): Promise<void> {
    const signal = this.abort.signal;
    if (item.kind === "complete") {
      const error = await this.requests.completeLog(item.ref, item.body, this.deadlineOf([item]), signal);
      if (error) return this.settlement.giveUp(item, error);
      if (!item.settled) this.stats.completed++;
      return this.settlement.done(item);
    }
    if (item.kind !== "feedback") return;
    item.id ??= await this.requests.lookupId(item.ref, this.deadlineOf([item]), signal);
    if (item.id === undefined) return this.settlement.giveUp(item, `no log with reference ${item.ref} on Humanloop`);
    const error = await this.requests.sendFeedback(item.id, item.body, this.deadlineOf([item]), signal);
    if (error) return this.settlement.giveUp(item, error);
    if (item.settled) return;
    this.stats.feedback++;
    item.settle();
    this.settlement.done(item);
  }
}
