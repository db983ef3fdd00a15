/**
 * v5 error answers: every 404, 409 and 422 in the FastAPI shape
 * `{ detail: [{ loc, msg, type }] }`, as v4's.
 */
import type { Loc, ValidationIssue } from "../types.js";

/** An error answer: its status and body. */
export interface V5Error {
  status: 404 | 409 | 422;
  body: { detail: ValidationIssue[] };
}

/** One error answer with one issue. */
export function v5Error(status: V5Error["status"], type: string, msg: string, loc: Loc = ["body"]): V5Error {
  return { status, body: { detail: [{ loc, msg, type }] } };
}
