import type { HttpResult, HumanloopClient } from "./client.js";
import { isRetryable } from "./client.js";
import type { CreateItem } from "./queue-items.js";
import type { DeliveryReport } from "./report.js";
import type { FeedbackBody, LogCompletion } from "./types.js";

const [OPEN_ARRAY, COMMA, CLOSE_ARRAY, EMPTY_ARRAY] = ["[", ",", "]", "[]"].map((text) => Buffer.from(text)) as [Buffer, Buffer, Buffer, Buffer];

/**
 * The three kinds of request the queue sends, and how each answer is read.
 * A `POST /logs` batch is all or nothing: a 422 names the logs at fault, the
 * others were not stored and go back to the queue. A `duplicate_reference_id`
 * means the log is already there (a retried request whose first attempt was
 * stored): its id is fetched with an empty `PATCH /logs?reference_id=`.
 */

/** What happened to the logs of one `POST /logs`. */
export interface BatchOutcome {
  confirmed: { index: number; id: string }[];
  failed: { index: number; reason: string }[];
  /** Not stored; to be sent again. */
  resend: number[];
  /** The 422 could not be attributed: resend each log on its own. */
  split: boolean;
  /** Logs found already stored (counted `duplicate_reference_id`s). */
  duplicates: number;
  /** v5: completions to queue for confirmed logs (a Flow created `incomplete` is completed once its children are in). */
  followUps?: { index: number; completion: LogCompletion }[];
  /** v5: logs stored without their parent link (the parent's trace was complete, or the parent is gone). */
  unlinked?: number;
}

/**
 * What the delivery queue asks of an API version: create logs, complete a
 * log sent early, find a stored log's id, send feedback. Each method
 * retries through the client and returns what became of the request.
 */
export interface LogRequests {
  /** The server id of an already stored log, by its reference, or undefined. */
  lookupId(ref: string, deadline: number, signal: AbortSignal): Promise<string | undefined>;
  /** Creates the logs of `items` (one request for v4's batch; v5 takes one item at a time). */
  createLogs(items: CreateItem[], deadline: number, signal: AbortSignal): Promise<BatchOutcome>;
  /** Completes the log `ref` sent early. Returns an error text, or undefined on success. */
  completeLog(ref: string, completion: LogCompletion, deadline: number, signal: AbortSignal): Promise<string | undefined>;
  /** Sends feedback on the stored log `dataId`. Returns an error text, or undefined on success. */
  sendFeedback(dataId: string, body: FeedbackBody, deadline: number, signal: AbortSignal): Promise<string | undefined>;
  /** Most logs in one `createLogs` call (v5: 1). */
  readonly maxBatchSize: number;
  /** v5: a log's completion waits until every child of the log is settled (a completed trace takes no more children). */
  readonly completionsWaitForChildren: boolean;
}

interface ValidationDetail {
  loc?: unknown[];
  msg?: string;
  type?: string;
}

function detailsOf(body: unknown): ValidationDetail[] {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  return Array.isArray(detail) ? (detail as ValidationDetail[]) : [];
}

/** A short description of a failed answer, with the server's detail. */
export function describeFailure(result: HttpResult): string {
  if (result.status === 0) return `no answer (${result.error ?? "connection failed"}) after ${result.attempts} attempt(s)`;
  let detail: string;
  try {
    detail = typeof result.body === "string" ? result.body : JSON.stringify(result.body ?? "");
  } catch {
    detail = String(result.body);
  }
  return `HTTP ${result.status}${isRetryable(result.status) ? ` after ${result.attempts} attempt(s)` : ""}: ${detail.slice(0, 500)}`;
}

function referencePath(ref: string): string {
  return `/logs?reference_id=${encodeURIComponent(ref)}`;
}

/** Sends v4 requests and interprets answers; owns no state but the report. */
export class HumanloopRequests implements LogRequests {
  readonly maxBatchSize = Infinity;
  readonly completionsWaitForChildren = false;

  constructor(
    private readonly client: HumanloopClient,
    private readonly report: DeliveryReport,
  ) {}

  /** The server id of an already stored log, by its reference (an empty PATCH returns the whole log). */
  async lookupId(ref: string, deadline: number, signal: AbortSignal): Promise<string | undefined> {
    const result = await this.client.request("PATCH", referencePath(ref), "{}", deadline, signal);
    const id = (result.body as { id?: unknown } | undefined)?.id;
    if (result.status === 200 && typeof id === "string") return id;
    if (result.status !== 404) this.report.once(`lookup-${result.status}`, `looking up log ${ref} failed: ${describeFailure(result)}`);
    return undefined;
  }

  /** `POST /logs` with the logs' JSON bytes, as one array. */
  async createLogs(items: CreateItem[], deadline: number, signal: AbortSignal): Promise<BatchOutcome> {
    const refs = items.map((i) => i.ref);
    const parts: Buffer[] = [];
    for (const item of items) parts.push(parts.length === 0 ? OPEN_ARRAY : COMMA, item.utf8);
    parts.push(parts.length === 0 ? EMPTY_ARRAY : CLOSE_ARRAY);
    const outcome: BatchOutcome = { confirmed: [], failed: [], resend: [], split: false, duplicates: 0 };
    const result = await this.client.request("POST", "/logs", Buffer.concat(parts), deadline, signal);
    if (result.status >= 200 && result.status < 300 && Array.isArray(result.body)) {
      result.body.forEach((entry, index) => {
        const id = (entry as { id?: unknown }).id;
        if (typeof id === "string") outcome.confirmed.push({ index, id });
        else outcome.failed.push({ index, reason: "the server answered without an id" });
      });
      return outcome;
    }
    if (result.status === 422) return this.readValidation(result, refs, deadline, signal, outcome);
    const reason = describeFailure(result);
    if (!isRetryable(result.status)) this.report.once(`logs-${result.status}`, `POST /logs was refused (not retried): ${reason}`);
    refs.forEach((_, index) => outcome.failed.push({ index, reason }));
    return outcome;
  }

  private async readValidation(result: HttpResult, refs: string[], deadline: number, signal: AbortSignal, outcome: BatchOutcome): Promise<BatchOutcome> {
    const details = detailsOf(result.body);
    const duplicate = new Set<number>();
    const bad = new Map<number, string>();
    let unattributed = details.length === 0;
    for (const d of details) {
      const index = Array.isArray(d.loc) && typeof d.loc[1] === "number" ? d.loc[1] : undefined;
      if (index === undefined || index < 0 || index >= refs.length) unattributed = true;
      else if (d.type === "duplicate_reference_id") duplicate.add(index);
      else bad.set(index, `${d.type ?? "invalid"} at ${(d.loc ?? []).join(".")}: ${d.msg ?? ""}`);
    }
    // A retried batch that meets a duplicate was stored whole by an earlier attempt (all or nothing).
    if (result.attempts > 1 && duplicate.size > 0 && bad.size === 0) refs.forEach((_, i) => duplicate.add(i));
    if (unattributed && duplicate.size === 0 && bad.size === 0) {
      if (refs.length > 1) outcome.split = true;
      else {
        const reason = describeFailure(result);
        this.report.once(`logs-422-${reason.slice(0, 80)}`, `POST /logs was refused (not retried): ${reason}`);
        outcome.failed.push({ index: 0, reason });
      }
      return outcome;
    }
    for (const [index, reason] of bad) {
      this.report.once(`logs-422-${reason.split(" at ")[0]}`, `a log was refused by Humanloop (not retried): ${reason}`);
      outcome.failed.push({ index, reason: `HTTP 422: ${reason}` });
    }
    const lookups = [...duplicate].map(async (index) => {
      const ref = refs[index]!;
      const id = await this.lookupId(ref, deadline, signal);
      if (id) {
        outcome.duplicates++;
        outcome.confirmed.push({ index, id });
      } else outcome.resend.push(index);
    });
    await Promise.all(lookups);
    if (result.attempts === 1 && duplicate.size > 0) {
      this.report.once("duplicate-first", "a log's reference_id was already stored on Humanloop (was the span exported twice?); the stored log is kept", "warn");
    }
    refs.forEach((_, index) => {
      if (!duplicate.has(index) && !bad.has(index)) outcome.resend.push(index);
    });
    return outcome;
  }

  /** `PATCH /logs?reference_id=`: output, error and duration of a log sent early. Returns an error text, or undefined on success. */
  async completeLog(ref: string, completion: LogCompletion, deadline: number, signal: AbortSignal): Promise<string | undefined> {
    const result = await this.client.request("PATCH", referencePath(ref), JSON.stringify(completion), deadline, signal);
    if (result.status === 200) return undefined;
    const reason = describeFailure(result);
    if (!isRetryable(result.status)) this.report.once(`patch-${result.status}`, `completing log ${ref} was refused (not retried): ${reason}`);
    return reason;
  }

  /** `POST /feedback` for the log `dataId`. Returns an error text, or undefined on success. */
  async sendFeedback(dataId: string, body: FeedbackBody, deadline: number, signal: AbortSignal): Promise<string | undefined> {
    const result = await this.client.request("POST", "/feedback", JSON.stringify({ ...body, data_id: dataId }), deadline, signal);
    if (result.status >= 200 && result.status < 300) return undefined;
    const reason = describeFailure(result);
    if (!isRetryable(result.status)) this.report.once(`feedback-${result.status}`, `feedback was refused (not retried): ${reason}`);
    return reason;
  }
}
