/**
 * The waiting structure of the OTLP receiver. OTLP carries ended spans only,
 * so children often arrive before their parent (in other requests, minutes
 * apart). A span's log may go out only after the log of its nearest logged
 * ancestor, so a span whose parent has not been seen waits for it here,
 * bounded in number (`maxWaitingSpans`) and time (`maxWaitMillis`): when the
 * parent arrives the span follows it; when it never does the span goes out
 * without the link, the reason in its metadata. Spans not logged (HTTP,
 * database) pass their nearest logged ancestor on to their children.
 * Resolved spans are remembered (at most `maxRememberedSpans`, oldest
 * forgotten first) for late children and for dropping duplicates.
 */
import { diag } from "@opentelemetry/api";
import { referenceIdOf } from "../../src/core/reference.js";
import { hasOwnSession, toLogRequest, type MappingDefaults } from "../../exporters/humanloop/mapping/log-request.js";
import { logKindOf, type LogKind } from "../../exporters/humanloop/span-filter.js";
import type { LogRequest } from "../../exporters/humanloop/types.js";
import { spanKey, toMappableSpan, type OtlpSpan } from "./otlp-span.js";

/** What the children of a resolved span attach to. */
export interface Anchor {
  /** `reference_id` of the nearest logged ancestor-or-self; undefined when there is none. */
  ref?: string;
  /** Its log's session, inherited by descendants that name none of their own. */
  session?: string;
  /** Why the chain of ancestors was cut (a parent that never arrived), for descendants' metadata. */
  reason?: string;
}

/** A log ready to go out (its parent's log went out before it), with the span it came from. */
export interface ReadyLog {
  log: LogRequest;
  /** `spanKey` of the span. */
  key: string;
}

/** A span resolved (logged, passed through, or dropped as a duplicate), for a durable record of what children attach to. */
export interface Resolution {
  key: string;
  anchor: Anchor;
  /** The span's log, when it is logged. */
  log?: LogRequest;
  /** Set when the span was seen before (its first copy is resolved, or will be, on its own). */
  duplicate?: true;
}

/** Options of {@link TraceAssembler}. */
export interface AssemblerOptions {
  /** Most spans waiting for a parent at once; beyond it the oldest waits end (unlinked). Default 20,000. */
  maxWaitingSpans?: number;
  /** Longest a span waits for a parent that has not arrived, in ms. Default 300,000 (5 minutes). */
  maxWaitMillis?: number;
  /** How many resolved spans are remembered for late children and duplicates. Default 200,000. */
  maxRememberedSpans?: number;
  /** Mapping defaults (project, source, environment). */
  defaults?: MappingDefaults;
  /** Where to look for a parent not remembered (e.g. a log stored by an earlier process); default none. */
  lookupAnchor?: (key: string) => Anchor | undefined;
}

/** Counters of the receiver's waiting structure; every span is counted once in `logged`, `passedThrough` or `duplicates`. */
export interface AssemblerStats {
  /** Spans taken in. */
  received: number;
  /** Spans that became logs. */
  logged: number;
  /** Spans not logged (their children attach to their nearest logged ancestor). */
  passedThrough: number;
  /** Spans seen before (a sender's retry): dropped. */
  duplicates: number;
  /** Spans whose parent never arrived within `maxWaitMillis`: went out unlinked. */
  unlinkedTimeout: number;
  /** Spans whose wait was cut short because `maxWaitingSpans` were waiting: went out unlinked. */
  unlinkedCapacity: number;
  /** Spans the mapping could not turn into a log (their children still go out). */
  mappingFailed: number;
}

interface Waiter {
  key: string;
  span: OtlpSpan;
  kind: LogKind | undefined;
}

/** The spans waiting for one missing span, and since when the oldest of them waits. */
interface Wait {
  since: number;
  waiters: Waiter[];
}

/** Two generations of remembered anchors: forgetting the older one is O(1). */
class Remembered {
  private current = new Map<string, Anchor>();
  private previous = new Map<string, Anchor>();
  private readonly generationSize: number;
  constructor(generationSize: number) {
    this.generationSize = generationSize;
  }
  get(key: string): Anchor | undefined {
    return this.current.get(key) ?? this.previous.get(key);
  }
  set(key: string, anchor: Anchor): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, anchor);
  }
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/** The assembler; `onReady` gets the logs that may go out, each after its parent's, once per call that released any. */
export class TraceAssembler {
  readonly stats: AssemblerStats = { received: 0, logged: 0, passedThrough: 0, duplicates: 0, unlinkedTimeout: 0, unlinkedCapacity: 0, mappingFailed: 0 };
  private readonly maxWaiting: number;
  private readonly maxWaitMillis: number;
  private readonly defaults: MappingDefaults;
  private readonly remembered: Remembered;
  /** Missing span key -> the spans waiting for it; insertion order is the order waits began. */
  private readonly waits = new Map<string, Wait>();
  /** Keys of spans that are waiting themselves (to drop their duplicates). */
  private readonly waitingKeys = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ready: ReadyLog[] = [];
  private resolutions: Resolution[] = [];
  private readonly onReady: (logs: ReadyLog[], resolutions: Resolution[]) => void;
  private readonly now: () => number;
  private readonly lookupAnchor: ((key: string) => Anchor | undefined) | undefined;
  /** The wait start of the spans {@link restoreWaiting} is adding back. */
  private restoringSince: number | undefined;
  private stopped = false;

  // no parameter properties in server/: the server CLI also runs from source with Node's type stripping
  constructor(options: AssemblerOptions, onReady: (logs: ReadyLog[], resolutions: Resolution[]) => void, now: () => number = Date.now) {
    this.onReady = onReady;
    this.now = now;
    this.maxWaiting = options.maxWaitingSpans ?? 20_000;
    this.maxWaitMillis = options.maxWaitMillis ?? 300_000;
    this.defaults = options.defaults ?? {};
    this.lookupAnchor = options.lookupAnchor;
    this.remembered = new Remembered(Math.max(1, Math.ceil((options.maxRememberedSpans ?? 200_000) / 2)));
  }

  /** How many spans wait for a parent now. */
  get waitingCount(): number {
    return this.waitingKeys.size;
  }

  /** Whether the span `key` waits for its parent now. */
  isWaiting(key: string): boolean {
    return this.waitingKeys.has(key);
  }

  /**
   * Adds back spans that waited in an earlier process (kept durably), each
   * with the time its wait began, oldest first; then acts as {@link add}.
   */
  restoreWaiting(waiting: { span: OtlpSpan; since: number }[]): void {
    try {
      for (const { span, since } of waiting) {
        this.restoringSince = since;
        this.addOne(span);
      }
    } finally {
      this.restoringSince = undefined;
    }
    this.enforceCapacity();
    this.emit();
    this.schedule();
  }

  /** Whether the span `key` was resolved (and is still remembered). */
  knows(key: string): boolean {
    return this.remembered.get(key) !== undefined;
  }

  /** Remembers a span resolved earlier (by a previous process, from a durable spool). */
  restore(key: string, anchor: Anchor): void {
    this.remembered.set(key, anchor);
  }

  /** Takes in spans; calls `onReady` with every log they let go out. */
  add(spans: OtlpSpan[]): void {
    for (const span of spans) this.addOne(span);
    this.enforceCapacity();
    this.emit();
    this.schedule();
  }

  /** Ends the waits older than `maxWaitMillis` (also run by a timer while anything waits). */
  sweep(): void {
    const limit = this.now() - this.maxWaitMillis;
    const reason = (missing: string) => `parent span ${missing.slice(33)} not received within ${this.maxWaitMillis} ms`;
    // the heads of chains first: a wait on a span that arrived (and waits itself) ends with that span's
    // wait, linked, even when the sweep comes late (a restart) and both bounds below have passed
    for (const [missing, wait] of this.waits) {
      if (wait.since <= limit && !this.waitingKeys.has(missing)) this.endWait(missing, reason(missing), "unlinkedTimeout");
    }
    // only a cycle of spans naming each other as parents outlives that, and ends after twice the bound
    for (const [missing, wait] of this.waits) {
      if (wait.since <= limit - this.maxWaitMillis) this.endWait(missing, reason(missing), "unlinkedTimeout");
    }
    this.emit();
    this.schedule();
  }

  /** Ends every wait now, unlinked (at shutdown: nothing waits forever). */
  releaseAll(reason: string): void {
    for (const missing of [...this.waits.keys()]) if (!this.waitingKeys.has(missing)) this.endWait(missing, reason, "unlinkedTimeout");
    this.emit();
    this.schedule();
  }

  /** Stops the sweep timer (until the next span waits). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops the sweep timer for good: the assembler is discarded. */
  stop(): void {
    this.stopped = true;
    this.close();
  }

  private addOne(span: OtlpSpan): void {
    this.stats.received++;
    const key = spanKey(span.traceId, span.spanId);
    const known = this.remembered.get(key);
    if (known !== undefined || this.waitingKeys.has(key)) {
      this.stats.duplicates++;
      this.resolutions.push({ key, anchor: known ?? {}, duplicate: true });
      return;
    }
    const waiter: Waiter = { key, span, kind: logKindOf(span.name, span.attributes) };
    if (span.parentSpanId === undefined) return this.resolve(waiter, {});
    if (span.parentSpanId === span.spanId) return this.resolve(waiter, { reason: "the span names itself as its parent" });
    const parentKey = spanKey(span.traceId, span.parentSpanId);
    let anchor = this.remembered.get(parentKey);
    if (!anchor && this.lookupAnchor && !this.waitingKeys.has(parentKey)) {
      anchor = this.lookupAnchor(parentKey);
      if (anchor) this.remembered.set(parentKey, anchor);
    }
    if (anchor) return this.resolve(waiter, anchor);
    let wait = this.waits.get(parentKey);
    if (!wait) this.waits.set(parentKey, (wait = { since: this.restoringSince ?? this.now(), waiters: [] }));
    // a span that waits takes over the age of the waits it heads, so no chain waits longer than the bound
    const own = this.waits.get(key);
    if (own && own.since < wait.since) wait.since = own.since;
    if (this.restoringSince !== undefined && this.restoringSince < wait.since) wait.since = this.restoringSince;
    wait.waiters.push(waiter);
    this.waitingKeys.add(key);
  }

  /** Logs (or passes through) `waiter` under `parent`, then everything that waited for it, parents first. */
  private resolve(first: Waiter, parent: Anchor): void {
    const queue: [Waiter, Anchor][] = [[first, parent]];
    for (let i = 0; i < queue.length; i++) {
      const [waiter, above] = queue[i]!;
      this.waitingKeys.delete(waiter.key);
      const anchor = this.anchorOf(waiter, above);
      this.remembered.set(waiter.key, anchor);
      const wait = this.waits.get(waiter.key);
      if (!wait) continue;
      this.waits.delete(waiter.key);
      for (const child of wait.waiters) queue.push([child, anchor]);
    }
  }

  private anchorOf(waiter: Waiter, above: Anchor): Anchor {
    const { span, kind } = waiter;
    if (!kind) {
      this.stats.passedThrough++;
      this.resolutions.push({ key: waiter.key, anchor: above });
      return above;
    }
    const link = above.ref !== undefined ? { parentReferenceId: above.ref } : above.reason !== undefined ? { unlinkedReason: above.reason } : {};
    try {
      const log = toLogRequest(toMappableSpan(span), kind, link, this.defaults);
      if (above.session !== undefined && !hasOwnSession(span.attributes)) log.session_reference_id = above.session;
      this.stats.logged++;
      const anchor: Anchor = { ref: log.reference_id };
      if (log.session_reference_id !== undefined) anchor.session = log.session_reference_id;
      this.ready.push({ log, key: waiter.key });
      this.resolutions.push({ key: waiter.key, anchor, log });
      return anchor;
    } catch (err) {
      diag.error(`humanloop-otel: could not map OTLP span "${span.name}" to a Humanloop log`, err);
      this.stats.mappingFailed++;
      const anchor: Anchor = { ...above, ref: undefined, reason: `parent span ${referenceIdOf(span)} could not be mapped to a log` };
      delete anchor.ref;
      this.resolutions.push({ key: waiter.key, anchor });
      return anchor;
    }
  }

  private endWait(missing: string, reason: string, counter: "unlinkedTimeout" | "unlinkedCapacity"): void {
    const wait = this.waits.get(missing);
    if (!wait) return;
    this.waits.delete(missing);
    for (const waiter of wait.waiters) {
      this.stats[counter]++;
      this.resolve(waiter, { reason });
    }
  }

  private enforceCapacity(): void {
    if (this.waitingKeys.size <= this.maxWaiting) return;
    const reason = `too many spans waiting for their parents (maxWaitingSpans ${this.maxWaiting})`;
    for (const missing of this.waits.keys()) {
      if (this.waitingKeys.size <= this.maxWaiting) return;
      if (!this.waitingKeys.has(missing)) this.endWait(missing, reason, "unlinkedCapacity");
    }
    for (const missing of this.waits.keys()) {
      if (this.waitingKeys.size <= this.maxWaiting) return;
      this.endWait(missing, reason, "unlinkedCapacity"); // only cycles are left
    }
  }

  private emit(): void {
    if (this.ready.length === 0 && this.resolutions.length === 0) return;
    const ready = this.ready;
    const resolutions = this.resolutions;
    this.ready = [];
    this.resolutions = [];
    this.onReady(ready, resolutions);
  }

  private schedule(): void {
    if (this.waits.size === 0 || this.stopped) return this.close();
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sweep();
    }, Math.max(10, Math.min(1000, this.maxWaitMillis / 4)));
    this.timer.unref?.();
  }
}
