/**
 * `HumanloopOtlpBridge`: an OTLP/HTTP traces receiver that delivers the
 * spans' logs to a Humanloop-compatible API through the exporter's delivery
 * queue (batching, parent-before-child ordering, retry, bounded memory),
 * with the same mapping as the in-process span processor.
 *
 * Acknowledgement: a request is answered 200 once its spans are written to
 * the durable spool (see {@link Spool}); the spool keeps each span until its
 * log is confirmed by the API (or refused for good), so spans a sender got a
 * 200 for survive the bridge being killed: a restarted bridge on the same
 * spool delivers them, and the API's `duplicate_reference_id` for anything
 * delivered just before the crash is read as "already stored" (the reference
 * id is deterministic), so each log is stored once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { diag } from "@opentelemetry/api";
import { createDelivery, type Delivery } from "../exporters/humanloop/delivery.js";
import type { DeliveryQueue } from "../exporters/humanloop/delivery-queue.js";
import { TraceAssembler, type Anchor, type AssemblerStats, type ReadyLog, type Resolution } from "../server/otlp/assembler.js";
import { decodeJsonTraces, decodeProtobufTraces, type DecodedTraces } from "../server/otlp/decode.js";
import { spanKey, type OtlpSpan } from "../server/otlp/otlp-span.js";
import { answerOtlpFailure, handleOtlpTraces, IntakeBusy, type IntakeResult, type RawTraces, type TraceIntake } from "../server/otlp/receiver.js";
import { resolveBridgeOptions, type BridgeOptions, type ResolvedBridgeOptions } from "./options.js";
import { Spool, type DoneSpan } from "./spool.js";

/** A spooled request whose spans are not all finished yet. */
interface OpenRequest {
  remaining: number;
  done: DoneSpan[];
}

/**
 * Counters of a bridge: what came in, what went out, and every span that did
 * not go out as it came. The receiver's counters (`AssemblerStats`), except
 * that `duplicates` also counts spans a sender sent again after the spool had
 * them and logs the API already had; then the delivery's own.
 */
export interface BridgeStats extends AssemblerStats {
  /** Logs the API confirmed. */
  delivered: number;
  /** Logs the API refused for good (4xx): not retried, counted and reported. */
  refused: number;
  /** Logs not delivered in this run (retry deadline, shutdown, queue full): kept in the spool for the next start. */
  deferred: number;
  /** Requests answered 429/503 because the bridge could not take more. */
  busy: number;
  /** Logs queued and not settled yet. */
  pendingLogs: number;
  /** Spans waiting for their parent. */
  waiting: number;
}

/** A 4xx other than 408/429: the API will never take this log. */
function isPermanent(reason: string): boolean {
  const m = /^HTTP (\d{3})/.exec(reason);
  if (!m) return false;
  const status = Number(m[1]);
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * The OTLP bridge. Start it with {@link HumanloopOtlpBridge.start}; point
 * senders at `${bridge.url}/v1/traces` with `x-api-key` set (for OTel SDKs:
 * `OTEL_EXPORTER_OTLP_ENDPOINT=<url>` and `OTEL_EXPORTER_OTLP_HEADERS=x-api-key=<key>`).
 *
 * ```ts
 * const bridge = await HumanloopOtlpBridge.start({ apiKey, baseUrl: "http://localhost:8080/v4", port: 4318 });
 * // ...
 * await bridge.close(); // delivers what is queued, keeps the rest in the spool
 * ```
 */
export class HumanloopOtlpBridge implements TraceIntake {
  /** The listener's base URL, e.g. `http://127.0.0.1:4318` (traces go to `/v1/traces`). */
  url = "";
  private readonly counters = { delivered: 0, refused: 0, deferred: 0, busy: 0, pendingLogs: 0, duplicates: 0 };
  /** Spooled requests with unfinished spans, by spool id. */
  private readonly requests = new Map<number, OpenRequest>();
  /** The spool id of the request each unfinished span came in. */
  private readonly owner = new Map<string, number>();
  private readonly assembler: TraceAssembler;
  private readonly queue: DeliveryQueue;
  private readonly delivery: Delivery;
  private readonly spool: Spool;
  private readonly server: Server;
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pruneTimer: ReturnType<typeof setInterval>;
  private closing = false;
  private readonly warned = new Set<string>();

  /** The options in effect. */
  readonly options: ResolvedBridgeOptions;

  private constructor(options: ResolvedBridgeOptions) {
    this.options = options;
    const queueSize = options.maxPendingSpans + options.maxWaitingSpans + 1000; // what the assembler releases always fits
    this.delivery = createDelivery({
      ...options.delivery,
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      maxQueueSize: Math.max(options.delivery.maxQueueSize ?? 0, queueSize),
    });
    this.queue = this.delivery.queue!;
    const { project, source, environment } = this.delivery.options;
    this.assembler = new TraceAssembler(
      { maxWaitMillis: options.maxWaitMillis, maxWaitingSpans: options.maxWaitingSpans, maxRememberedSpans: options.maxRememberedSpans, defaults: { project, source, environment } },
      (ready, resolutions) => this.release(ready, resolutions),
    );
    this.spool = new Spool(options.spoolPath, options.spoolRetentionMillis);
    this.server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => void this.route(req, res));
    this.pruneTimer = setInterval(() => this.spool.pruneOld(), 60_000);
    this.pruneTimer.unref?.();
  }

  /** Resolves options (throwing a `TypeError` on bad ones), replays the spool, and listens. */
  static async start(options?: BridgeOptions): Promise<HumanloopOtlpBridge> {
    const bridge = new HumanloopOtlpBridge(resolveBridgeOptions(options));
    bridge.replay();
    await new Promise<void>((resolve, reject) => {
      bridge.server.once("error", reject);
      bridge.server.listen(bridge.options.port, bridge.options.host, () => {
        bridge.server.off("error", reject);
        resolve();
      });
    });
    const { port } = bridge.server.address() as AddressInfo;
    const host = bridge.options.host.includes(":") ? `[${bridge.options.host}]` : bridge.options.host;
    bridge.url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
    return bridge;
  }

  /** A snapshot of the counters. */
  get stats(): BridgeStats {
    const a = this.assembler.stats;
    return {
      ...a,
      duplicates: a.duplicates + this.counters.duplicates + this.queue.stats.duplicates,
      delivered: this.counters.delivered,
      refused: this.counters.refused,
      deferred: this.counters.deferred,
      busy: this.counters.busy,
      pendingLogs: this.counters.pendingLogs,
      waiting: this.assembler.waitingCount,
    };
  }

  /** Requests in the spool with spans not yet finished (waiting, queued, or deferred to the next start). */
  get spooled(): number {
    this.spool.commit();
    return this.spool.pendingCount;
  }

  /** Takes one request's spans: into the spool (durable), then the waiting structure; throws {@link IntakeBusy} when full. */
  accept(traces: DecodedTraces, raw: RawTraces): IntakeResult {
    if (this.closing) throw new IntakeBusy("the bridge is shutting down", 503, 5);
    const inFlight = this.counters.pendingLogs + this.assembler.waitingCount;
    if (inFlight > 0 && inFlight + traces.spans.length > this.options.maxPendingSpans) {
      this.counters.busy++;
      throw new IntakeBusy(`the bridge holds ${inFlight} undelivered spans (maxPendingSpans ${this.options.maxPendingSpans}); retry later`, 429, 1);
    }
    this.take(this.spool.append(raw), traces.spans);
    return { rejected: 0 };
  }

  /** Tracks the spans of spooled request `id` and hands the new ones to the assembler (a span seen before is finished at once). */
  private take(id: number, spans: OtlpSpan[]): void {
    const request: OpenRequest = { remaining: spans.length, done: [] };
    this.requests.set(id, request);
    const fresh: OtlpSpan[] = [];
    for (const span of spans) {
      const key = spanKey(span.traceId, span.spanId);
      if (this.owner.has(key) || this.assembler.knows(key)) {
        this.counters.duplicates++;
        request.remaining--;
        continue;
      }
      this.owner.set(key, id);
      fresh.push(span);
    }
    if (request.remaining === 0) this.finishRequest(id, request);
    if (fresh.length > 0) this.assembler.add(fresh);
  }

  /** One span of its request is finished (not logged, or its log delivered or refused for good). */
  private finishSpan(key: string, done: DoneSpan): void {
    const id = this.owner.get(key);
    if (id === undefined) return;
    this.owner.delete(key);
    const request = this.requests.get(id);
    if (!request) return;
    request.done.push(done);
    if (--request.remaining === 0) this.finishRequest(id, request);
  }

  private finishRequest(id: number, request: OpenRequest): void {
    this.requests.delete(id);
    this.spool.markDone(id, request.done);
    this.scheduleCommit();
  }

  /**
   * Stops listening, delivers what is queued within `timeoutMs`, and closes
   * the spool. What waits for a parent, or could not be delivered, stays in
   * the spool for the next start (with a `":memory:"` spool, waiting spans
   * go out unlinked first).
   */
  async close(timeoutMs = this.delivery.options.shutdownTimeoutMillis): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.options.spoolPath === ":memory:") this.assembler.releaseAll("the bridge shut down before the parent arrived");
    await this.queue.shutdown(timeoutMs);
    this.assembler.close();
    clearInterval(this.pruneTimer);
    clearTimeout(this.commitTimer);
    this.spool.close();
    this.server.closeAllConnections();
    await closed;
  }

  private replay(): void {
    const { done, pending } = this.spool.load(this.options.maxRememberedSpans);
    for (const entry of done) {
      this.assembler.restore(entry.key, entry.anchor);
      // a logged span's reference is its key
      if (entry.outcome === "confirmed" && entry.logId) this.queue.logIds.confirm(entry.key, entry.logId);
      else if (entry.outcome === "failed") this.queue.logIds.fail(entry.key, "refused by the API in an earlier run");
    }
    if (pending.length > 0) diag.info(`humanloop-otel-bridge: replaying ${pending.length} requests from the spool ${this.options.spoolPath}`);
    for (const request of pending) {
      let spans: OtlpSpan[] = [];
      try {
        spans = (request.format === "json" ? decodeJsonTraces(Buffer.from(request.bytes).toString("utf8")) : decodeProtobufTraces(request.bytes)).spans;
      } catch (error) {
        diag.error(`humanloop-otel-bridge: spooled request ${request.id} no longer decodes; dropped`, error);
      }
      this.take(request.id, spans);
    }
  }

  /** Logs the assembler let go: queued for delivery, finished in the spool once the API settles them. */
  private release(ready: ReadyLog[], resolutions: Resolution[]): void {
    const anchors = new Map<string, Anchor>();
    for (const r of resolutions) {
      if (r.duplicate) continue;
      if (r.log) anchors.set(r.key, r.anchor);
      else this.finishSpan(r.key, { key: r.key, anchor: r.anchor });
    }
    if (this.assembler.stats.unlinkedTimeout + this.assembler.stats.unlinkedCapacity > 0) this.warnOnce("unlinked", "some spans went out without their parent (it never arrived); see the bridge's stats");
    for (const { log, key } of ready) {
      const anchor = anchors.get(key) ?? { ref: log.reference_id };
      this.counters.pendingLogs++;
      const off = this.queue.logIds.onSettled(log.reference_id, (state) => {
        off();
        this.counters.pendingLogs--;
        if (state.status === "confirmed") {
          this.counters.delivered++;
          this.finishSpan(key, { key, anchor, outcome: "confirmed", logId: state.id });
        } else if (state.status === "failed" && isPermanent(state.reason)) {
          this.counters.refused++;
          this.warnOnce(`refused-${state.reason.slice(0, 12)}`, `a log was refused by the API (not retried): ${state.reason}`);
          this.finishSpan(key, { key, anchor, outcome: "failed" });
        } else {
          // stays unfinished in the spool: the next start delivers it
          this.counters.deferred++;
          const id = this.owner.get(key);
          this.owner.delete(key);
          if (id !== undefined) this.requests.delete(id); // its other spans finish without it
          this.warnOnce("deferred", `a log could not be delivered in this run (${state.status === "failed" ? state.reason : "?"}); it stays in the spool for the next start`);
        }
      });
      this.queue.enqueueLog(log);
    }
  }

  private scheduleCommit(): void {
    if (this.commitTimer || this.spool.buffered === 0) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      try {
        this.spool.commit();
      } catch (error) {
        diag.error("humanloop-otel-bridge: writing the spool failed", error);
      }
    }, 50);
    this.commitTimer.unref?.();
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    diag.warn(`humanloop-otel-bridge: ${message}`);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (path === "/v1/traces") {
        await handleOtlpTraces({ apiKey: this.options.receiverApiKey, maxBodyBytes: this.options.maxBodyBytes, intake: this }, req, res);
        return;
      }
      req.resume();
      const body = path === "/healthz" ? JSON.stringify(this.stats) : JSON.stringify({ code: 5, message: "Not Found: send OTLP traces to /v1/traces" });
      res.writeHead(path === "/healthz" ? 200 : 404, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    } catch (error) {
      diag.error("humanloop-otel-bridge: request failed", error);
      answerOtlpFailure(res, error);
    }
  }
}
