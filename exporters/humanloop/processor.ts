import { diag, type Attributes, type Context } from "@opentelemetry/api";
import type { FeedbackItem, FeedbackSink, HumanloopConnection } from "../../src/core/feedback-sink.js";
import { clearFeedbackSink, setFeedbackSink } from "../../src/core/feedback-sink.js";
import type { ReadableSpan, SdkSpan, SpanProcessor } from "../../src/core/otel-sdk.js";
import { referenceIdOf } from "../../src/core/reference.js";
import { getSession, sessionAttributes } from "../../src/core/session-context.js";
import { GenAI, Humanloop, Semconv } from "../../src/core/attributes.js";
import { maskForeignContent } from "./content-mask.js";
import { connectionOf, createDelivery, feedbackVia, logIdVia, type Delivery } from "./delivery.js";
import type { DeliveryStats } from "./delivery-queue.js";
import { HeldLogs, type Holder } from "./held-logs.js";
import { toLogCompletion, toLogRequest, type MappingDefaults } from "./mapping/log-request.js";
import type { HumanloopExporterOptions } from "./options.js";
import { isGenAISpan, logKindOf, type LogKind } from "./span-filter.js";
import type { LogRequest } from "./types.js";

/** Most spans tracked while open; beyond it new spans are not indexed (their children attach higher up). */
const MAX_OPEN_SPANS = 100_000;

interface OpenSpan extends Holder {
  ref: string;
  span: SdkSpan | undefined;
  parent: OpenSpan | undefined;
  /** `reference_id` of the nearest logged ancestor. */
  ancestorRef: string | undefined;
  ended: boolean;
  openChildren: number;
  /** The log sent before the span ended (without output), when a child needed it. */
  early?: LogRequest;
  /** The span's attributes when it was logged early, to tell whether fields were set afterwards. */
  earlyAttributes?: Attributes;
  /**
   * A model span with a model span inside (a framework's call wrapping the
   * provider call, e.g. an AI SDK `embed` around its `embeddings` call, or an
   * OpenInference LLM span around ours): not logged, so one call is one log.
   */
  wrapper?: boolean;
}

/** The kind of log an open span becomes (undefined for a wrapper, see {@link OpenSpan.wrapper}). */
function kindOfNode(node: OpenSpan): LogKind | undefined {
  return node.span && !node.wrapper ? logKindOf(node.span.name, node.span.attributes) : undefined;
}

/** Attributes whose change after an early log still reaches Humanloop (through the completing `PATCH`). */
const COMPLETION_KEYS = new Set<string>([Humanloop.OUTPUT, "gen_ai.tool.call.result", Semconv.ERROR_TYPE]);

/**
 * The Humanloop span processor. It sees spans start, so it knows each
 * span's nearest logged ancestor. A span is logged once, at its end; the
 * logs of its descendants that ended first wait for it (at most
 * `earlyLogAfterMillis`, one sweep timer for all) and follow in a later
 * request. Only a parent still open after that bound, or when
 * `forceFlush()`/`shutdown()` asks for delivery, is logged early without
 * output and completed with `PATCH` at its end. Also stamps the `session()`
 * in context onto spans and masks other instrumentations' content.
 */
export class HumanloopSpanProcessor implements SpanProcessor, FeedbackSink {
  private readonly delivery: Delivery;
  private readonly defaults: MappingDefaults;
  private readonly open = new Map<string, OpenSpan>();
  private readonly held: HeldLogs<OpenSpan>;
  private readonly earlyLogAfterMillis: number;
  private readonly maxHeld: number;
  private untracked = 0;
  private lateFieldsReported = false;

  /** @param options see {@link HumanloopExporterOptions}; invalid options throw a `TypeError` saying how to fix them. */
  constructor(options?: HumanloopExporterOptions) {
    this.delivery = createDelivery(options);
    const { project, source, environment } = this.delivery.options;
    this.defaults = { project, source, environment };
    this.earlyLogAfterMillis = this.delivery.options.earlyLogAfterMillis;
    this.maxHeld = this.delivery.options.maxQueueSize;
    this.held = new HeldLogs<OpenSpan>(this.earlyLogAfterMillis, (node) => this.logEarly(node));
    if (this.delivery.queue) setFeedbackSink(this);
  }

  /** Counters of the delivery queue (undefined when disabled). */
  get stats(): DeliveryStats | undefined {
    return this.delivery.queue?.stats;
  }

  onStart(span: SdkSpan, parentContext: Context): void {
    try {
      const session = getSession(parentContext);
      if (session && span.attributes[Humanloop.SESSION_ID] === undefined) {
        span.setAttributes(sessionAttributes(session, span.attributes[GenAI.CONVERSATION_ID] === undefined && isGenAISpan(span.attributes)));
      }
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
        if (parent) {
          const parentKind = kindOfNode(parent);
          if (parentKind === "model" && !parent.early && logKindOf(span.name, span.attributes) === "model") parent.wrapper = true;
          ancestorRef = parentKind && !parent.wrapper ? parentRef : parent.ancestorRef;
        }
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
      const kind = node?.wrapper ? undefined : logKindOf(span.name, span.attributes);
      let held: LogRequest[] = [];
      if (node) {
        this.ended(node);
        held = this.held.take(node);
      }
      if (node?.wrapper) return this.unwrap(node, held);
      if (!kind) return this.deliver(held, node?.ancestorRef);
      if (node?.early) {
        this.complete(span, kind, node);
        for (const log of held) queue.enqueueLog(log);
        return;
      }
      const parentRef = node?.ancestorRef;
      if (queue.refusing && !queue.logIds.get(ref)) {
        // it would be dropped: count it without mapping it (cheap when the backend is down); remember it
        // for long only when a log may name it as parent (a child still open, or held ones going on now)
        queue.dropLog(ref, !node || node.openChildren > 0 || held.length > 0);
        return this.deliver(held, parentRef);
      }
      let log: LogRequest;
      try {
        log = toLogRequest(span, kind, parentRef ? { parentReferenceId: parentRef } : {}, this.defaults);
      } catch (err) {
        // The logs that waited for this one still go out (unlinked, with the reason), never stay pending.
        diag.error(`humanloop-otel: could not map span "${span.name}" to a Humanloop log`, err);
        queue.stats.failed++;
        queue.logIds.fail(ref, `the span could not be mapped (${String(err)})`);
        return this.deliver(held, parentRef);
      }
      if (held.length === 0) this.deliver([log], parentRef);
      else {
        held.unshift(log);
        this.deliver(held, parentRef);
      }
    } catch (err) {
      diag.error("humanloop-otel: span processor onEnd failed", err);
    }
  }

  /**
   * Sends `logs` (parents before children) on, or lets them wait for their
   * open ancestor `ancestorRef` to end (bounded in time and number; beyond
   * either the ancestor is logged early).
   */
  private deliver(logs: LogRequest[], ancestorRef: string | undefined): void {
    if (logs.length === 0) return;
    const queue = this.delivery.queue!;
    const ancestor = ancestorRef === undefined ? undefined : this.open.get(ancestorRef);
    if (ancestor?.span && !ancestor.early) {
      if (this.earlyLogAfterMillis > 0 && this.held.count + logs.length <= this.maxHeld) {
        for (const log of logs) queue.logIds.markPending(log.reference_id);
        return this.held.hold(ancestor, logs);
      }
      this.logEarly(ancestor);
    }
    for (const log of logs) queue.enqueueLog(log);
  }

  /** Logs the open span `node` (and its open logged ancestors first, top-down) without output, then what waits for it. */
  private logEarly(node: OpenSpan): void {
    const queue = this.delivery.queue!;
    if (node.span && !node.early) {
      const kind = kindOfNode(node);
      if (kind) {
        const ancestor = node.ancestorRef === undefined ? undefined : this.open.get(node.ancestorRef);
        if (ancestor) this.logEarly(ancestor);
        node.early = toLogRequest(node.span, kind, node.ancestorRef ? { parentReferenceId: node.ancestorRef } : {}, this.defaults, false);
        node.earlyAttributes = { ...node.span.attributes };
        queue.enqueueLog(node.early, true);
      }
    }
    for (const log of this.held.take(node)) queue.enqueueLog(log);
  }

  /** A wrapper ended: what its descendants logged before it was found to be one goes to its nearest logged ancestor. */
  private unwrap(node: OpenSpan, held: LogRequest[]): void {
    for (const log of held) {
      if (log.parent_reference_id !== node.ref) continue;
      if (node.ancestorRef) log.parent_reference_id = node.ancestorRef;
      else delete log.parent_reference_id;
    }
    this.delivery.queue!.redirect(node.ref, node.ancestorRef);
    this.deliver(held, node.ancestorRef);
  }

  /** Logs every open span that ended spans wait for (a flush asks for delivery now). */
  private releaseHeld(): void {
    for (const node of this.held.drain()) this.logEarly(node);
  }

  private complete(span: ReadableSpan, kind: LogKind, node: OpenSpan): void {
    this.delivery.queue!.enqueueCompletion(node.early!.reference_id, toLogCompletion(span, kind));
    const before = node.earlyAttributes;
    node.earlyAttributes = undefined;
    if (this.lateFieldsReported || !before) return;
    if (kind === "model" && span.attributes[GenAI.OUTPUT_MESSAGES] !== undefined) return this.reportLateFields(span.name);
    for (const key in span.attributes) {
      if (span.attributes[key] !== before[key] && !COMPLETION_KEYS.has(key)) return this.reportLateFields(span.name);
    }
  }

  private reportLateFields(name: string): void {
    this.lateFieldsReported = true;
    diag.warn(
      `humanloop-otel: span "${name}" was logged early (a child went out first); fields set on it afterwards ` +
        "(metadata, inputs, messages, output_message) cannot follow: the v4 PATCH carries only output, error and duration",
    );
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
    return logIdVia(this.delivery, referenceId, timeoutMs);
  }

  /** Feedback for the log with this reference, sent once the log exists (see {@link FeedbackSink.enqueueFeedback}). */
  enqueueFeedback(referenceId: string, body: FeedbackItem): Promise<void> {
    return feedbackVia(this.delivery, referenceId, body);
  }

  /** Whether this processor made or is making the log `referenceId`. */
  hasLog(referenceId: string): boolean {
    return this.open.has(referenceId) || this.delivery.queue?.logIds.get(referenceId) !== undefined;
  }

  /** The API key and base URL in use. */
  connection(): Partial<HumanloopConnection> | undefined {
    return connectionOf(this.delivery);
  }

  /** Sends everything queued and resolves once it is delivered or given up. */
  async forceFlush(): Promise<void> {
    if (!this.delivery.queue) return;
    this.releaseHeld();
    await this.delivery.queue.forceFlush();
  }

  /** Flushes within `shutdownTimeoutMillis`, then refuses new work. */
  async shutdown(): Promise<void> {
    if (!this.delivery.queue) return;
    clearFeedbackSink(this);
    this.releaseHeld();
    await this.delivery.queue.shutdown(this.delivery.options.shutdownTimeoutMillis);
  }
}
