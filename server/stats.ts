/**
 * Request statistics for the local server: what arrived, how it was
 * answered, and the faults injected.
 */
import type { RejectedRequest, ServerStats, ValidationIssue } from "./types.js";

/** How many 422 bodies are kept. */
const MAX_REJECTED = 1000;

/** Counts requests as the server handles them. */
export class StatsRecorder {
  private stats: ServerStats = StatsRecorder.empty();
  private inFlight = 0;

  private static empty(): ServerStats {
    return { requests: {}, total: 0, rejected: [], conflicts: {}, duplicates: 0, resetsInjected: 0, faultsInjected: {}, maxBatchSize: 0, maxConcurrent: 0 };
  }

  /** Forgets everything except requests still in progress. */
  clear(): void {
    this.stats = StatsRecorder.empty();
    this.stats.maxConcurrent = this.inFlight;
  }

  /** A request arrived; returns the function to call once it is done. */
  begin(): () => void {
    this.stats.total += 1;
    this.inFlight += 1;
    this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.inFlight);
    let done = false;
    return () => {
      if (!done) this.inFlight -= 1;
      done = true;
    };
  }

  /** `route` was answered with `status` (or `"reset"`). */
  answered(route: string, status: number | "reset"): void {
    const byStatus = (this.stats.requests[route] ??= {});
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
    if (status === "reset") this.stats.resetsInjected += 1;
  }

  /** A status was injected instead of an answer. */
  injected(status: number): void {
    this.stats.faultsInjected[String(status)] = (this.stats.faultsInjected[String(status)] ?? 0) + 1;
  }

  /** A 422 was sent for `body`. */
  rejected(route: string, body: unknown, detail: ValidationIssue[]): void {
    const entry: RejectedRequest = { route, body, detail };
    this.stats.rejected.push(entry);
    if (this.stats.rejected.length > MAX_REJECTED) this.stats.rejected.shift();
  }

  /** A 409 was sent; counts it by the `type` of its first issue (`duplicate_log_id`, `trace_complete`, ...). */
  conflict(detail: ValidationIssue[] | undefined): void {
    const type = Array.isArray(detail) && typeof detail[0]?.type === "string" ? detail[0].type : "conflict";
    this.stats.conflicts[type] = (this.stats.conflicts[type] ?? 0) + 1;
  }

  /** A batch of `size` logs and `duplicates` refused references arrived. */
  logBatch(size: number, duplicates: number): void {
    this.stats.maxBatchSize = Math.max(this.stats.maxBatchSize, size);
    this.stats.duplicates += duplicates;
  }

  /** A copy of the current statistics. */
  snapshot(): ServerStats {
    return structuredClone(this.stats);
  }
}
