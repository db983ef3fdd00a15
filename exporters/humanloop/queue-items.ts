import type { FeedbackBody, LogCompletion } from "./types.js";

/** What every queued item carries. */
interface Common {
  /** The flush epoch the item was queued in (see {@link FlushTracker}). */
  epoch: number;
  /** Epoch ms after which a parked item stops waiting for a log never seen. */
  waitUntil?: number;
  /** Epoch ms after which the item is given up (set when it first becomes sendable). */
  deadline?: number;
  /** Set once the item is delivered or given up: later outcomes are ignored. */
  settled?: boolean;
}

/**
 * A log creation, batched into `POST /logs` (`open`: logged before its span
 * ended, a completion follows). `utf8` is its body, serialized and
 * encoded once when it is queued: a full queue, parked logs included, holds
 * bytes outside the JavaScript heap (Buffer memory), not object graphs or
 * strings, so that a queue filling while the backend is down does not make
 * V8 grow its young generation (strings that live on are copied by every
 * young collection they survive); requests send those bytes as they are.
 * `bytes` is its size (set when it becomes ready); `parent` is its
 * `parent_reference_id`, kept beside the bytes so waiting for the parent
 * needs no parsing.
 */
export type CreateItem = { kind: "create"; ref: string; parent?: string; utf8: Buffer; bytes?: number; solo?: boolean; open?: boolean } & Common;
/**
 * Output/error/duration of a log sent early: `PATCH /logs?reference_id=`
 * (v4), or the completing PATCH of a v5 log. `parent` is the log's parent
 * (v5: the parent's own completion waits for this one).
 */
export type CompleteItem = { kind: "complete"; ref: string; body: LogCompletion; parent?: string } & Common;
/** Feedback for a log: `POST /feedback`, settling the caller's promise. */
export type FeedbackItem = { kind: "feedback"; ref: string; body: FeedbackBody; id?: string; settle: (error?: Error) => void } & Common;

/** One item of the delivery queue. */
export type Item = CreateItem | CompleteItem | FeedbackItem;

/** The log an item waits for: a creation waits for its parent, the others for their own log. */
export function dependencyOf(item: Item): string | undefined {
  return item.kind === "create" ? item.parent : item.ref;
}

/** Counters of what the queue did, for tests and diagnostics. */
export interface DeliveryStats {
  /** Logs the server stored. */
  confirmed: number;
  /** Early logs completed with `PATCH`. */
  completed: number;
  /** Feedback items stored. */
  feedback: number;
  /** Items given up (refused, retry deadline, shutdown). */
  failed: number;
  /** Items refused at the door (queue full, after shutdown). */
  dropped: number;
  /** Logs sent without their parent link. */
  unlinked: number;
  /** Logs found already stored (`duplicate_reference_id` after a retry). */
  duplicates: number;
  /** Requests started. */
  requests: number;
}
