import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult, type ReadableSpan, type SpanExporter } from "../../src/core/otel-sdk.js";
import { referenceIdOf } from "../../src/core/reference.js";
import { clearFeedbackSink, setFeedbackSink, type FeedbackItem, type FeedbackSink, type HumanloopConnection } from "../../src/core/feedback-sink.js";
import { connectionOf, createDelivery, feedbackVia, logIdVia, type Delivery } from "./delivery.js";
import type { DeliveryStats } from "./delivery-queue.js";
import { toLogRequest, type MappingDefaults } from "./mapping/log-request.js";
import type { HumanloopExporterOptions } from "./options.js";
import { logKindOf } from "./span-filter.js";

/**
 * The Humanloop span exporter, for users who run their own
 * `BatchSpanProcessor`. It sees only ended spans, children before parents,
 * so a child names its parent span's reference and waits in the queue (at
 * most `parentWaitMillis`) for that log; when the parent turns out not to be
 * logged (an HTTP span, say) its waiting children are pointed at the nearest
 * logged ancestor instead. Sessions are read from span attributes only
 * (`humanloop.session.id`): without the processor nothing stamps them.
 *
 * It is also the sink for `feedback()`: feedback given before a span was
 * even exported waits in the same queue for that log. (It does not answer
 * `hasLog`, since the batch processor may not have handed it a span yet, so
 * every reference made in this process counts as its own.)
 */
export class HumanloopSpanExporter implements SpanExporter, FeedbackSink {
  private readonly delivery: Delivery;
  private readonly defaults: MappingDefaults;
  /** reference of a seen span -> reference its children attach to (itself when logged), bounded. */
  private readonly seen = new Map<string, string | undefined>();
  private readonly maxSeen: number;
  /** References of spans a model span was exported under (bounded): a model span among them wraps a call, and is not logged. */
  private readonly modelParents = new Set<string>();

  /** @param options see {@link HumanloopExporterOptions}; invalid options throw a `TypeError` saying how to fix them. */
  constructor(options?: HumanloopExporterOptions) {
    this.delivery = createDelivery(options);
    const { project, source, environment } = this.delivery.options;
    this.defaults = { project, source, environment };
    this.maxSeen = this.delivery.options.maxRememberedLogs;
    if (this.delivery.queue) setFeedbackSink(this);
  }

  /** Counters of the delivery queue (undefined when disabled). */
  get stats(): DeliveryStats | undefined {
    return this.delivery.queue?.stats;
  }

  /** Queues the spans' logs; reports success once they are queued (delivery is retried in the background). */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const queue = this.delivery.queue;
    try {
      if (queue) for (const span of spans) this.exportOne(span);
    } catch (err) {
      diag.error("humanloop-otel: exporting spans failed", err);
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  private exportOne(span: ReadableSpan): void {
    const queue = this.delivery.queue!;
    const ref = referenceIdOf(span.spanContext());
    const parent = span.parentSpanContext;
    let target: string | undefined;
    if (parent && !parent.isRemote) {
      const parentRef = referenceIdOf(parent);
      // An unseen parent is assumed logged; if it turns out not to be, its children are redirected.
      target = this.seen.has(parentRef) ? this.seen.get(parentRef) : parentRef;
    }
    const ownKind = logKindOf(span.name, span.attributes);
    // A model span around another one (a framework's call around the provider call) is not logged: one call, one log.
    const kind = ownKind === "model" && this.modelParents.delete(ref) ? undefined : ownKind;
    if (ownKind === "model" && parent && !parent.isRemote) this.rememberModelParent(referenceIdOf(parent));
    this.remember(ref, kind ? ref : target);
    if (kind) queue.enqueueLog(toLogRequest(span, kind, target ? { parentReferenceId: target } : {}, this.defaults));
    else queue.redirect(ref, target);
  }

  private rememberModelParent(ref: string): void {
    this.modelParents.add(ref);
    if (this.modelParents.size > this.maxSeen) {
      const oldest = this.modelParents.values().next().value;
      if (oldest !== undefined) this.modelParents.delete(oldest);
    }
  }

  private remember(ref: string, target: string | undefined): void {
    this.seen.set(ref, target);
    if (this.seen.size > this.maxSeen) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  /** The server id of the log with this reference, once confirmed. */
  logIdOf(referenceId: string, timeoutMs: number): Promise<string> {
    return logIdVia(this.delivery, referenceId, timeoutMs);
  }

  /** Feedback for the log with this reference, sent once the log exists (see {@link FeedbackSink.enqueueFeedback}). */
  enqueueFeedback(referenceId: string, body: FeedbackItem): Promise<void> {
    return feedbackVia(this.delivery, referenceId, body);
  }

  /** The API key and base URL in use, for references made by other processes. */
  connection(): Partial<HumanloopConnection> | undefined {
    return connectionOf(this.delivery);
  }

  /** Sends everything queued and resolves once it is delivered or given up. */
  async forceFlush(): Promise<void> {
    await this.delivery.queue?.forceFlush();
  }

  /** Flushes within `shutdownTimeoutMillis`, then refuses new work. */
  async shutdown(): Promise<void> {
    clearFeedbackSink(this);
    await this.delivery.queue?.shutdown(this.delivery.options.shutdownTimeoutMillis);
  }
}
