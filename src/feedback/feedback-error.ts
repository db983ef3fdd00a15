/**
 * The error `feedback()` rejects with when Humanloop did not take the
 * feedback: the log is unknown or could not be delivered, the server refused
 * the feedback, or it could not be reached in time.
 */
export class HumanloopFeedbackError extends Error {
  override readonly name = "HumanloopFeedbackError";
  /** The log reference the feedback was for. */
  readonly reference: string;
  /** HTTP status of the server's answer (e.g. 404, 422); `undefined` when there was no answer (log not delivered, timeout, connection failures). */
  readonly status: number | undefined;
  /** The server's `detail` (FastAPI shape: a string or a list of `{ loc, msg, type }`), when it gave one. */
  readonly detail: unknown;

  constructor(message: string, info: { reference: string; status?: number; detail?: unknown; cause?: unknown }) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.reference = info.reference;
    this.status = info.status;
    this.detail = info.detail;
  }
}

/** The server's `detail` as one line of text, for messages and diag. */
export function describeDetail(detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const issue = d as { loc?: unknown; msg?: unknown };
        const loc = Array.isArray(issue.loc) ? issue.loc.join(".") : undefined;
        return typeof issue.msg === "string" ? (loc ? `${loc}: ${issue.msg}` : issue.msg) : JSON.stringify(d);
      })
      .join("; ");
  }
  try {
    return JSON.stringify(detail) ?? String(detail);
  } catch {
    return String(detail);
  }
}
