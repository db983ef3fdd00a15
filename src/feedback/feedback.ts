import { diag } from "@opentelemetry/api";
import { sendFeedbackDirect, resolveConnection } from "./feedback-direct.js";
import { HumanloopFeedbackError } from "./feedback-error.js";
import { checkLogRef, toFeedbackItem, type FeedbackOptions } from "./feedback-options.js";
import { getFeedbackSink, type FeedbackItem, type FeedbackSink } from "../core/feedback-sink.js";
import { isLocalLogRef } from "./log-ref.js";

/**
 * `feedback()`: judgement on a log (a user's rating, an action, a
 * correction…) sent to Humanloop's `POST /feedback`.
 *
 * @packageDocumentation
 */

/** Default of how long feedback for another process's log may take (lookup, retries), in ms. */
export const DEFAULT_FEEDBACK_TIMEOUT_MS = 30_000;

/** `HUMANLOOP_FEEDBACK_TIMEOUT_MS` when it is a positive number, else {@link DEFAULT_FEEDBACK_TIMEOUT_MS}. */
export function feedbackTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.HUMANLOOP_FEEDBACK_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_FEEDBACK_TIMEOUT_MS;
}

const WHERE = "humanloop-otel feedback(ref, options)";

/**
 * Attaches feedback to the log named by `ref` (from `currentLogRef()`,
 * `logRefOf()` or `logRefOfSpanContext()`, now or stored earlier).
 *
 * - A log made by this process goes through the Humanloop span processor's
 *   delivery queue (batched, retried, counted, flushed by `forceFlush()` and
 *   `shutdown()`). Feedback given before the log is delivered (even while
 *   its span is still open) waits for it, up to the processor's
 *   `parentWaitMillis` (default 30,000 ms), then goes out.
 * - A log from another process (or one this process no longer remembers) is
 *   looked up at once with `PATCH /logs?reference_id=` and an empty body,
 *   using the processor's API key and base URL, else `HUMANLOOP_API_KEY` and
 *   `HUMANLOOP_BASE_URL` (default `https://api.humanloop.com/v4`), with the
 *   same retry policy, within `HUMANLOOP_FEEDBACK_TIMEOUT_MS` (default
 *   30,000 ms). This request is not part of the processor's queue: await
 *   the returned promise before the process exits.
 *
 * @example
 * ```ts
 * const ref = logRefOf(completion);          // store it with the chat turn
 * await feedback(ref, { type: "rating", value: "good", user: "u-42" });
 * ```
 *
 * @returns A promise that resolves once Humanloop has stored the feedback,
 * and rejects with a {@link HumanloopFeedbackError} when it could not: the
 * log could not be delivered, the server refused the feedback (404, 422:
 * `status` and the server's `detail` are on the error, and it is reported
 * once through the OTel diag logger), or the time ran out. A rejection you
 * do not handle never crashes the process; it is reported through `diag`.
 * @throws TypeError (synchronously) when `ref` names no log made by this
 * library, or the options are wrong: an unknown option, a missing or
 * mistyped `value`, a `createdAt` that is neither a Date nor RFC 3339.
 */
export function feedback(ref: string, options: FeedbackOptions): Promise<void> {
  const reference = checkLogRef(ref, WHERE);
  const item = toFeedbackItem(options, WHERE);
  const delivered = deliver(reference, item);
  // Failures are reported through diag; an app that fires and forgets must not crash on them.
  delivered.catch(() => undefined);
  return delivered;
}

function isLocal(sink: FeedbackSink, reference: string): boolean {
  return isLocalLogRef(reference) || sink.hasLog?.(reference) === true;
}

async function deliver(reference: string, item: FeedbackItem): Promise<void> {
  const sink = getFeedbackSink();
  if (sink !== undefined && isLocal(sink, reference)) return deliverLocal(sink, reference, item);
  const connection = resolveConnection(sink?.connection?.());
  if (connection === undefined) {
    const err = new HumanloopFeedbackError(
      `feedback(): cannot send feedback for log ${reference}: no Humanloop API key (call register(), or set HUMANLOOP_API_KEY)`,
      { reference },
    );
    diag.warn(`humanloop-otel: ${err.message}`);
    throw err;
  }
  return sendFeedbackDirect(connection, reference, item, feedbackTimeoutMs());
}

async function deliverLocal(sink: FeedbackSink, reference: string, item: FeedbackItem): Promise<void> {
  try {
    // The queue waits (bounded by the processor's parentWaitMillis) for a log not yet confirmed, and
    // settles with the reason when the log failed or the server refused the feedback.
    await sink.enqueueFeedback(reference, item);
  } catch (cause) {
    // The delivery engine has reported the failure through diag already.
    if (cause instanceof HumanloopFeedbackError) throw cause;
    throw new HumanloopFeedbackError(`feedback(): Humanloop did not take feedback for log ${reference}: ${message(cause)}`, {
      reference,
      ...serverAnswerIn(message(cause)),
      cause,
    });
  }
}

/** The status and `detail` of a server answer quoted in the delivery engine's reason (`HTTP 404: {"detail": ...}`). */
function serverAnswerIn(reason: string): { status?: number; detail?: unknown } {
  const m = /HTTP (\d{3})[^:]*: (.*)$/s.exec(reason);
  if (!m) return {};
  try {
    const body = JSON.parse(m[2]!) as { detail?: unknown };
    return { status: Number(m[1]), detail: body?.detail ?? body };
  } catch {
    return { status: Number(m[1]), detail: m[2] };
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
