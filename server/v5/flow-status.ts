/**
 * Flow log status rules (HUMANLOOP_V5.md, "Log status"), as pure functions:
 * a Flow log created without `log_status` is `complete`; completing (at
 * creation or by PATCH) needs the log's `inputs` (an object) and an
 * `output`, `output_message` or `error`; completing twice is a 409
 * `already_complete`; going back is a 409 `invalid_log_status_transition`.
 * Prompt and Tool logs carry no status (a `log_status` they send is ignored).
 */
import { isRecord } from "../checks.js";
import { v5Error, type V5Error } from "./errors.js";

/** A Flow log's status. */
export type LogStatus = "complete" | "incomplete";

/** The content that decides whether a Flow log may complete: the stored log merged with the request. */
export interface FlowContent {
  inputs?: unknown;
  output?: unknown;
  output_message?: unknown;
  error?: unknown;
}

/** The outcome of a status rule: the status to store, or the error to answer. */
export type StatusOutcome = { ok: true; status: LogStatus } | { ok: false; error: V5Error };

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function completionIssues(content: FlowContent, where: "body" | "log"): V5Error | undefined {
  const detail = [];
  if (!isRecord(content.inputs)) {
    detail.push({ loc: ["body", "inputs"], msg: `Completing a Flow log needs its inputs (an object) ${where === "log" ? "stored or " : ""}in the request`, type: "missing" });
  }
  if (!present(content.output) && !present(content.output_message) && !present(content.error)) {
    detail.push({ loc: ["body", "output"], msg: "Completing a Flow log needs an output, output_message or error", type: "missing" });
  }
  return detail.length > 0 ? { status: 422, body: { detail } } : undefined;
}

/** The status of a Flow log being created from `body` (`log_status` absent means `complete`). */
export function flowStatusOnCreate(body: FlowContent & { log_status?: unknown }): StatusOutcome {
  const status: LogStatus = body.log_status === "incomplete" ? "incomplete" : "complete";
  if (status === "complete") {
    const error = completionIssues(body, "body");
    if (error) return { ok: false, error };
  }
  return { ok: true, status };
}

/**
 * The status after a PATCH of a stored Flow log. A PATCH without
 * `log_status` keeps the current status (and may not touch a completed log:
 * 409 `already_complete`); `incomplete` -> `complete` checks the merged
 * content; `complete` -> anything is a 409.
 */
export function flowStatusOnUpdate(current: LogStatus, stored: FlowContent, patch: FlowContent & { log_status?: unknown }): StatusOutcome {
  const requested = patch.log_status === "complete" || patch.log_status === "incomplete" ? patch.log_status : undefined;
  if (current === "complete") {
    if (requested === "incomplete") {
      return { ok: false, error: v5Error(409, "invalid_log_status_transition", "A complete Flow log cannot go back to incomplete", ["body", "log_status"]) };
    }
    return { ok: false, error: v5Error(409, "already_complete", "The Flow log is already complete", ["body", "log_status"]) };
  }
  if (requested !== "complete") return { ok: true, status: "incomplete" };
  const merged: FlowContent = {
    inputs: patch.inputs ?? stored.inputs,
    output: patch.output ?? stored.output,
    output_message: patch.output_message ?? stored.output_message,
    error: patch.error ?? stored.error,
  };
  const error = completionIssues(merged, "log");
  return error ? { ok: false, error } : { ok: true, status: "complete" };
}
