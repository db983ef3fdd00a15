import { diag, type Context } from "@opentelemetry/api";
import type { FeedbackItem, FeedbackSink, HumanloopConnection } from "../../src/feedback-sink.js";
import { clearFeedbackSink, setFeedbackSink } from "../../src/feedback-sink.js";
import type { ReadableSpan, SdkSpan, SpanProcessor } from "../../src/otel-sdk.js";
import { referenceIdOf } from "../../src/reference.js";
import { getSession, sessionAttributes } from "../../src/session-context.js";
import { Humanloop } from "../../src/attributes.js";
import { maskForeignContent } from "./content-mask.js";
import { createDelivery, type Delivery } from "./delivery.js";
import type { DeliveryStats } from "./delivery-queue.js";
import { toLogCompletion, toLogRequest, type MappingDefaults } from "./mapping/log-request.js";
import type { HumanloopExporterOptions } from "./options.js";
import { logKindOf, type LogKind } from "./span-filter.js";
import type { LogRequest } from "./types.js";

/** Most spans tracked while open; beyond it new spans are not indexed (their children attach higher up). */
const MAX_OPEN_SPANS = 100_000;

interface OpenSpan {
  ref: string;
  span: SdkSpan | undefined;
  parent: OpenSpan | undefined;
  /** `reference_id` of the nearest logged ancestor. */
  ancestorRef: string | undefined;
  ended: boolean;
  openChildren: number;
  /** The log sent before the span ended (without output), when a child needed it. */
  early?: LogRequest;
}

/**
 * The Humanloop span processor. It sees spans start, so it knows each
 * span's nearest logged ancestor and can log a still-open parent when a
 * child must go out first (completing it later with `PATCH`); otherwise a
 * span is logged once, at its end. Also stamps the `session()` in context
 * onto spans and masks other instrumentations' content.
 */
export class HumanloopSpanProcessor implements SpanProcessor, FeedbackSink {
  private readonly delivery: Delivery;
  private readonly defaults: MappingDefaults;
  private readonly open = new Map<string, OpenSpan>();
  private untracked = 0;
  private lateFieldsReported = false;

  /** @param options see {@link HumanloopExporterOptions}; invalid options throw a `TypeError` saying how to fix them. */
  constructor(options?: HumanloopExporterOptions) {
    this.delivery = createDelivery(options);
    const { project, source, environment } = this.delivery.options;
    this.defaults = { project, source, environment };
    if (this.delivery.queue) setFeedbackSink(this);
  }

  /** Counters of the delivery queue (undefined when disabled). */
  get stats(): DeliveryStats | undefined {
    return this.delivery.queue?.stats;
  }

  onStart(span: SdkSpan, parentContext: Context): void {
    try {
      const session = getSession(parentContext);
      if (session && span.attributes[Humanloop.SESSION_ID] === undefined) span.setAttributes(sessionAttributes(session));
      if (!this.delivery.queue) return;
      if (this.open.size >= MAX_OPEN_SPANS) {
        if (this.untracked++ === 0) diag.warn(`humanloop-otel: more than ${MAX_OPEN_SPANS} spans open; new ones are not indexed`);
        return;
      }
      const parentContextOfSpan = span.parentSpanContext;
      let parent: OpenSpan | undefined;
      let ancestorRef: string | undefined;
      if (parentContextOfSpan && !parentContextOfSpan.isRemote) {
        const parentRef = referenceIdOf(parentContextOfSpan);
        parent = this.open.get(parentRef);
        if (parent) ancestorRef = parent.span && logKindOf(parent.span.name, parent.span.attributes) ? parentRef : parent.ancestorRef;
        else if (this.delivery.queue.logIds.get(parentRef)) ancestorRef = parentRef;
      }
      if (parent) parent.openChildren++;
      const ref = referenceIdOf(span.spanContext());
      this.open.set(ref, { ref, span, parent, ancestorRef, ended: false, openChildren: 0 });
    } catch (err) {
      diag.error("humanloop-otel: span processor onStart failed", err);
    }
  }

  onEnding(span: SdkSpan): void {
    try {
      maskForeignContent(span);
    } catch (err) {
      diag.error("humanloop-otel: masking failed", err);
    }
  }

  onEnd(span: ReadableSpan): void {
    const queue = this.delivery.queue;
    if (!queue) return;
    try {
      const ref = referenceIdOf(span.spanContext());
      const node = this.open.get(ref);
      const kind = logKindOf(span.name, span.attributes);
      if (node) this.ended(node);
      if (!kind) return;
      if (node?.early) return this.complete(span, kind, node.early);
      const parentRef = node?.ancestorRef;
      if (parentRef) this.ensureLogged(parentRef);
      queue.enqueueLog(toLogRequest(span, kind, parentRef ? { parentReferenceId: parentRef } : {}, this.defaults));
    } catch (err) {
      diag.error("humanloop-otel: span processor onEnd failed", err);
    }
  }

  /** Logs the open span `ref` (and its open logged ancestors first, top-down) without output, if not logged yet. */
  private ensureLogged(ref: string): void {
    const node = this.open.get(ref);
    if (!node || node.ended || node.early || !node.span) return;
    const kind = logKindOf(node.span.name, node.span.attributes);
    if (!kind) return;
    if (node.ancestorRef) this.ensureLogged(node.ancestorRef);
    node.early = toLogRequest(node.span, kind, node.ancestorRef ? { parentReferenceId: node.ancestorRef } : {}, this.defaults, false);
    this.delivery.queue!.enqueueLog(node.early);
  }

  private complete(span: ReadableSpan, kind: LogKind, early: LogRequest): void {
    this.delivery.queue!.enqueueCompletion(early.reference_id, toLogCompletion(span, kind));
    if (this.lateFieldsReported) return;
    const late = toLogRequest(span, kind, early.parent_reference_id ? { parentReferenceId: early.parent_reference_id } : {}, this.defaults, false);
    if (JSON.stringify(late) !== JSON.stringify(early) || (kind === "model" && span.attributes["gen_ai.output.messages"] !== undefined)) {
      this.lateFieldsReported = true;
      diag.warn(
        `humanloop-otel: span "${span.name}" was logged early (a child went out first); fields set on it afterwards ` +
          "(metadata, inputs, messages, output_message) cannot follow: the v4 PATCH carries only output, error and duration",
      );
    }
  }

  private ended(node: OpenSpan): void {
    node.ended = true;
    node.span = undefined;
    this.release(node);
  }

  /** Forgets ended spans whose children have all ended too. */
  private release(node: OpenSpan): void {
    if (!node.ended || node.openChildren > 0) return;
    this.open.delete(node.ref);
    const parent = node.parent;
    node.parent = undefined;
    if (parent) {
      parent.openChildren--;
      this.release(parent);
    }
  }

  /** The server id of the log with this reference, once confirmed (see {@link FeedbackSink.logIdOf}). */
  logIdOf(referenceId: string, timeoutMs: number): Promise<string> {
    if (!this.delivery.queue) return Promise.reject(new Error("humanloop-otel: the Humanloop exporter is disabled (no API key)"));
    return this.delivery.queue.logIdOf(referenceId, timeoutMs);
  }

  /** Feedback for the log with this reference, sent once the log exists (see {@link FeedbackSink.enqueueFeedback}). */
  enqueueFeedback(referenceId: string, body: FeedbackItem): Promise<void> {
    if (!this.delivery.queue) return Promise.reject(new Error("humanloop-otel: the Humanloop exporter is disabled (no API key)"));
    return this.delivery.queue.enqueueFeedback(referenceId, body);
  }

  /** Whether this processor made or is making the log `referenceId`. */
  hasLog(referenceId: string): boolean {
    return this.open.has(referenceId) || this.delivery.queue?.logIds.get(referenceId) !== undefined;
  }

  /** The API key and base URL in use. */
  connection(): Partial<HumanloopConnection> | undefined {
    const { apiKey, baseUrl } = this.delivery.options;
    return apiKey ? { apiKey, baseUrl } : undefined;
  }

  /** Sends everything queued and resolves once it is delivered or given up. */
  async forceFlush(): Promise<void> {
    await this.delivery.queue?.forceFlush();
  }

  /** Flushes within `shutdownTimeoutMillis`, then refuses new work. */
  async shutdown(): Promise<void> {
    if (this.delivery.queue) clearFeedbackSink(this);
    await this.delivery.queue?.shutdown(this.delivery.options.shutdownTimeoutMillis);
  }
}
