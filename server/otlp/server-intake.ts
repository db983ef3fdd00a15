/**
 * `POST /v1/traces` on the local server: received spans become logs through
 * the same path a v4 `POST /logs` takes (`runLogs`: validation, then the
 * store), parents in an earlier batch than their children, as the v4 rules
 * require. Spans waiting for a parent are ordered by a {@link TraceAssembler}
 * and kept durably in the server's database (`otlp_pending_spans`, see
 * store-pending.ts), written in the same transaction as the request's logs:
 * the 200 is sent once every span of the request is a stored log or a kept
 * waiting row, so a server killed after answering loses none of them. A
 * restarted server reads the waiting spans back and their waits go on
 * (parent arrives: they follow it; time or count limit: unlinked).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { diag } from "@opentelemetry/api";
import { UNLINKED_REASON_KEY } from "../../exporters/humanloop/mapping/log-request.js";
import type { LogRequest } from "../../exporters/humanloop/types.js";
import { MAX_BODY_BYTES } from "../http-io.js";
import { PendingSpanStore } from "../store-pending.js";
import type { ValidationIssue } from "../types.js";
import { isStorageError, runLogs, type V4Context } from "../v4-handler.js";
import { TraceAssembler, type AssemblerStats, type ReadyLog, type Resolution } from "./assembler.js";
import type { DecodedTraces } from "./decode.js";
import { spanKey } from "./otlp-span.js";
import { answerOtlpFailure, handleOtlpTraces, IntakeBusy, type IntakeResult, type TraceIntake } from "./receiver.js";

/** Limits of the server's OTLP waiting structure (`HumanloopTestServerOptions.otlp`; CLI `--otlp-max-wait-ms`, `--otlp-max-waiting`). */
export interface ServerOtlpOptions {
  /** Longest a span waits for a parent that has not arrived, in ms, across restarts; then it is stored unlinked. Default 300,000 (5 minutes). */
  maxWaitMillis?: number;
  /** Most spans waiting at once (in memory and in the database); beyond it the oldest waits end (stored unlinked). Default 20,000. */
  maxWaitingSpans?: number;
  /** Resolved spans remembered in memory for late children and duplicates (stored logs are also looked up in the database). Default 200,000. */
  maxRememberedSpans?: number;
}

/** Counters of the server's OTLP intake since the process started (`waiting` is the state now). */
export interface ServerOtlpStats extends AssemblerStats {
  /** Logs stored. */
  stored: number;
  /** Spans waiting for their parent now (each kept in the database). */
  waiting: number;
  /** Waiting spans read back from the database at start (acknowledged by an earlier process). */
  restored: number;
  /** Logs stored without their parent link because the parent's log was not stored (refused): the reason is in metadata. */
  unlinkedParentNotStored: number;
  /** Logs the v4 rules refused (not stored; reported in the answer's `partial_success`). */
  refused: number;
  /** Spans that were not stored at all: `refused` + `mappingFailed`. */
  dropped: number;
  /** Requests answered 503 because the database could not take them (nothing of them was kept). */
  busy: number;
}

/** Parents go in earlier batches than their children: the wave of a log is one more than its parent's, when the parent is in this release. */
export function wavesOf(ready: ReadyLog[]): LogRequest[][] {
  const waveOf = new Map<string, number>();
  const waves: LogRequest[][] = [];
  for (const { log } of ready) {
    const parent = log.parent_reference_id === undefined ? undefined : waveOf.get(log.parent_reference_id);
    const wave = parent === undefined ? 0 : parent + 1;
    waveOf.set(log.reference_id, wave);
    (waves[wave] ??= []).push(log);
  }
  return waves;
}

/** How often kept passed-through spans past their retention are deleted, at most. */
const PRUNE_EVERY_MS = 60_000;

const zeroStats = (): AssemblerStats => ({ received: 0, logged: 0, passedThrough: 0, duplicates: 0, unlinkedTimeout: 0, unlinkedCapacity: 0, mappingFailed: 0 });

/** The server's intake: an assembler whose ready logs are stored wave by wave, its waiting spans kept in the database. */
export class ServerOtlpIntake implements TraceIntake {
  private assembler!: TraceAssembler;
  private readonly pending: PendingSpanStore;
  /** Keys of the spans with a row in `otlp_pending_spans` (rebuilt from the table on every load). */
  private readonly persisted = new Set<string>();
  private readonly counters = { stored: 0, restored: 0, unlinkedParentNotStored: 0, refused: 0, busy: 0 };
  private refusedNow = 0;
  private refusedReason: string | undefined;
  private unlinkedReported = false;
  /** Set when the waiting state could not be read back from the database (retried on the next request). */
  private broken = false;
  private closed = false;
  private prunedAt = 0;
  /** How long passed-through spans are kept for late children: `maxWaitMillis`, at least a minute. */
  private readonly passedRetention: number;
  private readonly context: V4Context;
  private readonly options: ServerOtlpOptions;

  /** Reads the waiting spans kept by an earlier process back; their waits go on (the sweep starts). */
  constructor(context: V4Context, options: ServerOtlpOptions = {}) {
    this.context = context;
    this.options = options;
    this.passedRetention = Math.max(60_000, options.maxWaitMillis ?? 300_000);
    this.pending = new PendingSpanStore(context.store.db);
    this.load(zeroStats(), true);
  }

  /** Counters (spans received, stored, waiting, unlinked, duplicates, refused, dropped). */
  get stats(): ServerOtlpStats {
    const assembler = this.assembler.stats;
    return { ...assembler, ...this.counters, waiting: this.assembler.waitingCount, dropped: this.counters.refused + assembler.mappingFailed };
  }

  accept(traces: DecodedTraces): IntakeResult {
    if (this.closed) throw new IntakeBusy("the server is shutting down", 503, 1);
    if (this.broken) this.reload();
    if (this.broken) throw new IntakeBusy("the server's database cannot be read now; retry later", 503, 5);
    this.refusedNow = 0;
    this.refusedReason = undefined;
    const assembler = this.assembler;
    try {
      // one transaction: the logs this request lets go out, and the request's spans that wait (committed before the 200)
      this.context.store.transaction(() => {
        assembler.add(traces.spans);
        const since = Date.now();
        for (const span of traces.spans) {
          const key = spanKey(span.traceId, span.spanId);
          if (this.persisted.has(key) || !assembler.isWaiting(key)) continue;
          this.pending.add(key, since, span);
          this.persisted.add(key);
        }
      });
    } catch (error) {
      // nothing of the request was kept: the memory goes back to what the database holds, and the sender retries
      this.counters.busy++;
      this.reload();
      if (isStorageError(error)) throw new IntakeBusy(`storage unavailable, nothing was stored: ${(error as Error).message}; retry later`, 503, 5);
      throw error;
    }
    const result: IntakeResult = { rejected: this.refusedNow };
    if (this.refusedReason) result.message = this.refusedReason;
    return result;
  }

  /** Ends every wait now (children are stored unlinked). */
  releaseAll(): void {
    this.assembler.releaseAll("the server's OTLP intake was flushed before the parent arrived");
  }

  /** Forgets the waiting spans (in memory and in the database) and zeroes the counters. */
  reset(): void {
    this.assembler.stop();
    this.context.store.transaction(() => this.pending.clear());
    for (const key of Object.keys(this.counters) as (keyof typeof this.counters)[]) this.counters[key] = 0;
    this.unlinkedReported = false;
    this.load(zeroStats(), false);
  }

  /** Stops the sweep timer; the waiting spans stay in the database for the next start. */
  close(): void {
    this.closed = true;
    this.assembler.stop();
  }

  /** A new assembler holding the waiting spans of the database; the counters carried over from `stats`. */
  private load(stats: AssemblerStats, atStart: boolean): void {
    const assembler: TraceAssembler = new TraceAssembler(
      {
        maxWaitMillis: this.options.maxWaitMillis,
        maxWaitingSpans: this.options.maxWaitingSpans,
        maxRememberedSpans: this.options.maxRememberedSpans,
        // a parent stored earlier (by this process before a reload, or by an earlier one) is found in the logs
        lookupAnchor: (key) => this.pending.anchorOf(key),
      },
      (ready, resolutions) => this.release(assembler, ready, resolutions),
    );
    this.assembler = assembler;
    this.persisted.clear();
    const rows = this.pending.all();
    for (const row of rows) this.persisted.add(row.key);
    if (atStart) this.counters.restored += rows.length;
    assembler.restoreWaiting(rows);
    // spans read back were counted when they were received
    for (const key of Object.keys(stats) as (keyof AssemblerStats)[]) assembler.stats[key] = stats[key] + (key === "received" ? 0 : assembler.stats[key]);
  }

  /** Discards the memory and reads the waiting state back from the database (after a write that did not commit). */
  private reload(): void {
    const stats = { ...this.assembler.stats };
    this.assembler.stop();
    if (this.closed) return;
    try {
      this.load(stats, false);
      this.broken = false;
    } catch (error) {
      this.broken = true;
      diag.error("humanloop-otel-server: could not read the waiting OTLP spans back from the database", error);
    }
  }

  /** Stores released logs and forgets their waiting rows: in the request's transaction, or in one of its own (a sweep). */
  private release(from: TraceAssembler, ready: ReadyLog[], resolutions: Resolution[]): void {
    if (from !== this.assembler) return; // a discarded assembler
    const write = () => {
      for (const wave of wavesOf(ready)) this.storeBatch(wave);
      const now = Date.now();
      for (const r of resolutions) {
        if (r.duplicate) continue;
        if (this.persisted.delete(r.key)) this.pending.remove(r.key);
        if (!r.log) this.pending.addPassed(r.key, r.anchor, now);
      }
      if (now - this.prunedAt > PRUNE_EVERY_MS) {
        this.prunedAt = now;
        this.pending.prunePassed(now - this.passedRetention);
      }
    };
    if (this.context.store.db.isTransaction) write();
    else {
      try {
        this.context.store.transaction(write);
      } catch (error) {
        diag.error("humanloop-otel-server: could not store OTLP spans released from waiting; they stay kept and are retried", error);
        queueMicrotask(() => this.reload());
        return;
      }
    }
    const { unlinkedTimeout, unlinkedCapacity } = this.assembler.stats;
    if (unlinkedTimeout + unlinkedCapacity > 0 && !this.unlinkedReported) {
      this.unlinkedReported = true;
      diag.warn("humanloop-otel-server: OTLP spans were stored without their parent (it did not arrive in time); the reason is in each log's metadata");
    }
  }

  /** Stores one batch; drops logs already stored (a sender's retry), unlinks logs whose parent was refused, counts the rest refused. */
  private storeBatch(logs: LogRequest[]): void {
    let batch = logs;
    for (let attempt = 0; batch.length > 0 && attempt < 4; attempt++) {
      const answer = runLogs(this.context, batch);
      if (answer.status === 200) {
        this.counters.stored += batch.length;
        return;
      }
      const detail = ((answer.body as { detail?: ValidationIssue[] }).detail ?? []) as ValidationIssue[];
      const drop = new Set<number>();
      for (const issue of detail) {
        const index = typeof issue.loc[1] === "number" ? issue.loc[1] : undefined;
        if (index === undefined) continue;
        const log = batch[index]!;
        if (issue.type === "duplicate_reference_id") {
          drop.add(index);
          this.assembler.stats.duplicates++;
        } else if (issue.type === "parent_not_found" || issue.type === "ambiguous_reference") {
          delete log.parent_reference_id;
          log.metadata = { ...log.metadata, [UNLINKED_REASON_KEY]: `parent log not stored: ${issue.msg}` };
          this.counters.unlinkedParentNotStored++;
        } else if (!drop.has(index)) {
          drop.add(index);
          this.refuse(`span ${log.reference_id} was refused: ${issue.type} at ${issue.loc.join(".")}: ${issue.msg}`);
        }
      }
      if (detail.length === 0) {
        for (const log of batch) this.refuse(`span ${log.reference_id} was refused: HTTP ${answer.status}`);
        return;
      }
      batch = batch.filter((_, i) => !drop.has(i));
    }
    for (const log of batch) this.refuse(`span ${log.reference_id} was refused after several attempts`);
  }

  private refuse(reason: string): void {
    this.counters.refused++;
    this.refusedNow++;
    this.refusedReason ??= reason;
    if (this.counters.refused === 1) diag.warn(`humanloop-otel-server: an OTLP span was refused by the v4 rules: ${reason}`);
  }
}

/** Answers `/v1/traces` on the local server. */
export async function handleServerOtlp(context: V4Context, intake: ServerOtlpIntake, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const done = context.stats.begin();
  res.on("close", done);
  try {
    const status = await handleOtlpTraces({ apiKey: context.apiKey, maxBodyBytes: MAX_BODY_BYTES, intake, bodies: context.bodies }, req, res);
    context.stats.answered("POST /v1/traces", status);
  } catch (error) {
    diag.error("humanloop-otel-server: OTLP request failed", error);
    answerOtlpFailure(res, error);
  }
}
