/**
 * The link between the public `feedback()` and the delivery engine that
 * sends this process's logs. The Humanloop span processor registers itself
 * here; `feedback()` finds it here. Kept on `globalThis` under a registered
 * symbol so the ESM and CommonJS builds of this package (or two installed
 * copies) share one sink.
 *
 * @packageDocumentation
 */

/** One `POST /feedback` item without `data_id` (the delivery engine fills it in once the log exists). */
export interface FeedbackItem {
  /** `rating`, `action`, `issue`, `correction`, `comment` or a custom name. */
  type: string;
  value?: unknown;
  user?: string;
  /** RFC 3339 timestamp. */
  created_at?: string;
  unset?: boolean;
}

/** Where the Humanloop API is, for requests `feedback()` makes itself (references from other processes). */
export interface HumanloopConnection {
  /** Base URL including `/v4`. */
  baseUrl: string;
  apiKey: string;
}

/**
 * What `feedback()` needs from the delivery engine. `HumanloopSpanProcessor`
 * implements it; anything with these methods works.
 */
export interface FeedbackSink {
  /**
   * The server's `data_...` id of the log with this `reference_id`, once the
   * log is confirmed. Rejects (with a message saying why) when the log was
   * dropped or refused, or when `timeoutMs` passes first.
   */
  logIdOf(referenceId: string, timeoutMs: number): Promise<string>;
  /**
   * Sends feedback for the log with this `reference_id` through the same
   * batched, retried, counted and flushed path as logs. Resolves once the
   * server has stored it; rejects with the server's detail on 4xx, or when the
   * log could not be delivered.
   */
  enqueueFeedback(referenceId: string, body: FeedbackItem): Promise<void>;
  /**
   * Optional: whether this engine made (or is making) the log with this
   * reference. When absent, `feedback()` treats references handed out by
   * `currentLogRef()` / `logRefOf()` / `logRefOfSpanContext()` in this process
   * as local.
   */
  hasLog?(referenceId: string): boolean;
  /** Optional: the API key and base URL, so references from other processes resolve with the same credentials. */
  connection?(): Partial<HumanloopConnection> | undefined;
}

const SINK_KEY = Symbol.for("humanloop-otel.feedback-sink");

type SinkHolder = { [SINK_KEY]?: FeedbackSink };

/**
 * Makes `sink` the process-wide destination of `feedback()`. Called by the
 * Humanloop span processor when it is created (one line:
 * `setFeedbackSink(this)`); pass `undefined` to clear it (e.g. on shutdown,
 * only when `sink` is still the registered one: see {@link clearFeedbackSink}).
 */
export function setFeedbackSink(sink: FeedbackSink | undefined): void {
  const g = globalThis as SinkHolder;
  if (sink === undefined) delete g[SINK_KEY];
  else g[SINK_KEY] = sink;
}

/** Clears the process-wide sink if it is `sink` (so shutting down an old processor never unregisters a newer one). */
export function clearFeedbackSink(sink: FeedbackSink): void {
  const g = globalThis as SinkHolder;
  if (g[SINK_KEY] === sink) delete g[SINK_KEY];
}

/** The registered sink, if any. */
export function getFeedbackSink(): FeedbackSink | undefined {
  return (globalThis as SinkHolder)[SINK_KEY];
}
