import type { HttpResult, HumanloopClient } from "../client.js";
import { isRetryable } from "../client.js";
import { UNLINKED_REASON_KEY } from "../mapping/log-request.js";
import type { CreateItem } from "../queue-items.js";
import type { DeliveryReport } from "../report.js";
import { describeFailure, type BatchOutcome, type LogRequests } from "../requests.js";
import type { FeedbackBody, LogCompletion, LogRequest } from "../types.js";
import { toEvaluatorLog, toV5Create, v5Completion } from "../mapping/v5-log.js";
import type { V5Create, V5LogKind } from "./types.js";

/**
 * The v5 request layer beside v4's `HumanloopRequests`, for the same
 * delivery queue. v5 has no batch endpoint: one log per request
 * (`maxConcurrentRequests` at once). Our reference is the `log_id`, so a
 * log's id is known before the answer; the answer's file id is kept, as a
 * Prompt or Tool PATCH needs it (`GET /logs/{id}` finds it when it is not
 * known, e.g. after a reset). A `409 duplicate_log_id` means an earlier
 * attempt was stored: delivered. A parent whose trace is complete (409
 * `trace_complete`) or that is gone (404) sends the log again without the
 * link, the reason in its metadata.
 */

interface Known {
  kind: V5LogKind;
  fileId?: string;
  startTime?: string;
}

const PATHS: Record<V5LogKind, string> = { prompt: "/prompts/log", tool: "/tools/log", flow: "/flows/log" };
const FILE_ID_KEYS: Record<V5LogKind, string> = { prompt: "prompt_id", tool: "tool_id", flow: "flow_id" };

function detailType(result: HttpResult): { type?: string; loc?: unknown[] } {
  const detail = (result.body as { detail?: unknown } | undefined)?.detail;
  const first = Array.isArray(detail) ? (detail[0] as { type?: string; loc?: unknown[] } | undefined) : undefined;
  return first ?? {};
}

/** The output and error an ended span's log was created with (what completes its Flow log). */
function completionOf(log: LogRequest): LogCompletion {
  const out: LogCompletion = {};
  if (log.output !== undefined) out.output = log.output;
  if (log.error !== undefined) out.error = log.error;
  return out;
}

/** Sends v5 requests and interprets answers; keeps each recent log's kind and file id. */
export class HumanloopV5Requests implements LogRequests {
  readonly maxBatchSize = 1;
  readonly completionsWaitForChildren = true;
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly client: HumanloopClient,
    private readonly report: DeliveryReport,
    private readonly maxRemembered: number,
  ) {}

  private remember(ref: string, entry: Known): void {
    this.known.delete(ref);
    this.known.set(ref, entry);
    if (this.known.size > this.maxRemembered) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }

  /** The stored log's kind and file id, from memory or `GET /logs/{id}`. */
  private async lookup(ref: string, deadline: number, signal: AbortSignal): Promise<Known | undefined> {
    const cached = this.known.get(ref);
    if (cached?.fileId !== undefined || cached?.kind === "flow") return cached;
    const result = await this.client.request("GET", `/logs/${encodeURIComponent(ref)}`, undefined, deadline, signal);
    if (result.status !== 200) {
      if (result.status !== 404) this.report.once(`v5-lookup-${result.status}`, `looking up log ${ref} failed: ${describeFailure(result)}`);
      return undefined;
    }
    const body = result.body as Record<string, { id?: unknown } | undefined>;
    for (const kind of ["prompt", "tool", "flow"] as const) {
      const id = body[kind]?.id;
      if (typeof id === "string") {
        const entry: Known = { ...cached, kind, fileId: id };
        this.remember(ref, entry);
        return entry;
      }
    }
    return undefined;
  }

  /** `GET /logs/{id}`: the log's id when it is stored (our reference is its id). */
  async lookupId(ref: string, deadline: number, signal: AbortSignal): Promise<string | undefined> {
    if (this.known.has(ref)) return ref;
    return (await this.lookup(ref, deadline, signal)) ? ref : undefined;
  }

  /** `POST /{prompts|tools|flows}/log` for the one item. */
  async createLogs(items: CreateItem[], deadline: number, signal: AbortSignal): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { confirmed: [], failed: [], resend: [], split: false, duplicates: 0, followUps: [], unlinked: 0 };
    await Promise.all(items.map((item, index) => this.createOne(item, index, outcome, deadline, signal)));
    return outcome;
  }

  private async createOne(item: CreateItem, index: number, outcome: BatchOutcome, deadline: number, signal: AbortSignal): Promise<void> {
    const log = JSON.parse(item.utf8.toString()) as LogRequest;
    const create = toV5Create(log);
    let result = await this.post(create, deadline, signal);
    const problem = detailType(result);
    const parentGone = (result.status === 409 && problem.type === "trace_complete") || (result.status === 404 && problem.loc?.includes("trace_parent_id"));
    if (parentGone && create.body.trace_parent_id !== undefined) {
      const reason = `parent log ${create.body.trace_parent_id} not usable: ${problem.type ?? result.status}`;
      delete create.body.trace_parent_id;
      create.body.metadata = { ...create.body.metadata, [UNLINKED_REASON_KEY]: reason };
      this.report.once(`v5-unlinked-${problem.type}`, `a log was sent without its parent link: ${reason}`, "warn");
      outcome.unlinked!++;
      result = await this.post(create, deadline, signal);
    }
    const type = detailType(result).type;
    if (result.status === 200 || (result.status === 409 && type === "duplicate_log_id")) {
      if (result.status === 409) {
        outcome.duplicates++;
        if (result.attempts === 1) this.report.once("v5-duplicate-first", "a log_id was already stored on Humanloop (was the span exported twice?); the stored log is kept", "warn");
      }
      const fileId = (result.body as Record<string, unknown> | undefined)?.[FILE_ID_KEYS[create.kind]];
      const entry: Known = { kind: create.kind };
      if (typeof fileId === "string" && result.status === 200) entry.fileId = fileId;
      if (create.body.start_time !== undefined) entry.startTime = create.body.start_time;
      this.remember(item.ref, entry);
      outcome.confirmed.push({ index, id: item.ref });
      if (create.kind === "flow" && !item.open) outcome.followUps!.push({ index, completion: completionOf(log) });
      for (const feedback of log.feedback ?? []) {
        const error = await this.sendFeedback(item.ref, { type: feedback.type, value: feedback.value }, deadline, signal);
        if (error) this.report.once("v5-inline-feedback", `feedback on a log was not delivered: ${error}`);
      }
      return;
    }
    const reason = describeFailure(result);
    if (!isRetryable(result.status)) this.report.once(`v5-${create.kind}-${result.status}-${type ?? ""}`, `a ${create.kind} log was refused (not retried): ${reason}`);
    outcome.failed.push({ index, reason });
  }

  private post(create: V5Create, deadline: number, signal: AbortSignal): Promise<HttpResult> {
    return this.client.request("POST", PATHS[create.kind], JSON.stringify(create.body), deadline, signal);
  }

  /** The completing PATCH of the log `ref`; a `409 already_complete` (a retried PATCH that was applied) counts as done. */
  async completeLog(ref: string, completion: LogCompletion, deadline: number, signal: AbortSignal): Promise<string | undefined> {
    const known = await this.lookup(ref, deadline, signal);
    if (!known) return `no log ${ref} on Humanloop to complete`;
    const body = JSON.stringify(v5Completion(known.kind, completion, known.startTime));
    const path =
      known.kind === "flow"
        ? `/flows/logs/${encodeURIComponent(ref)}`
        : `/${known.kind}s/${encodeURIComponent(known.fileId!)}/log/${encodeURIComponent(ref)}`;
    const result = await this.client.request("PATCH", path, body, deadline, signal);
    if (result.status === 200 || (result.status === 409 && detailType(result).type === "already_complete" && result.attempts > 1)) return undefined;
    const reason = describeFailure(result);
    if (!isRetryable(result.status)) this.report.once(`v5-patch-${result.status}`, `completing log ${ref} was refused (not retried): ${reason}`);
    return reason;
  }

  /** `POST /evaluators/log`: the feedback as a judgment on the log `dataId`. */
  async sendFeedback(dataId: string, body: FeedbackBody, deadline: number, signal: AbortSignal): Promise<string | undefined> {
    const result = await this.client.request("POST", "/evaluators/log", JSON.stringify(toEvaluatorLog(dataId, body)), deadline, signal);
    if (result.status >= 200 && result.status < 300) return undefined;
    const reason = describeFailure(result);
    if (!isRetryable(result.status)) this.report.once(`v5-feedback-${result.status}`, `feedback was refused (not retried): ${reason}`);
    return reason;
  }
}
