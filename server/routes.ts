/**
 * The v4 routes other than `POST /logs` (see log-rules.ts), as pure
 * functions from a parsed request to an answer: PATCH a log, create a
 * session, post feedback.
 */
import { checkObject } from "./checks.js";
import { feedbackRequest, logUpdate } from "./schemas.js";
import { newId, type HumanloopStore } from "./store.js";
import type { Loc, StoredFeedback, StoredLog, ValidationIssue } from "./types.js";

/** An answer: status and JSON body. */
export interface RouteAnswer {
  status: number;
  body: unknown;
}

const notFound = (what: string): RouteAnswer => ({ status: 404, body: { detail: `${what} not found` } });

/** The public (copied) form of a stored log. */
export function publicLog(log: StoredLog): StoredLog {
  return structuredClone(log);
}

/**
 * `PATCH /v4/logs/{id}` (`id` given) or `PATCH /v4/logs?reference_id=...`
 * (`referenceId` given). 404 when no log matches; 422 for extra fields, a
 * missing reference, or a reference used in several projects.
 */
export function patchLog(store: HumanloopStore, target: { id?: string; referenceId?: string }, raw: unknown): RouteAnswer {
  const issues: ValidationIssue[] = [];
  const body = withoutRepeatedTarget(raw, target, issues);
  checkObject(body, ["body"], issues, logUpdate);
  if (target.id === undefined && target.referenceId === undefined) {
    issues.push({ loc: ["query", "reference_id"], msg: "Field required", type: "missing" });
  }
  if (issues.length > 0) return { status: 422, body: { detail: issues } };
  let log: StoredLog | undefined;
  if (target.id !== undefined) {
    log = store.logById(target.id);
  } else {
    const matches = store.logsByReference(target.referenceId!);
    if (matches.length > 1) {
      const detail = [{ loc: ["query", "reference_id"], msg: "reference_id is used in several projects", type: "ambiguous_reference" }];
      return { status: 422, body: { detail } };
    }
    log = matches[0];
  }
  if (!log) return notFound("Log");
  const update = body as Record<string, unknown>;
  const pick = <T>(key: string): T | undefined => (update[key] === null ? undefined : (update[key] as T | undefined));
  store.updateLog(log, { output: pick<string>("output"), error: pick<string>("error"), duration: pick<number>("duration") });
  return { status: 200, body: publicLog(log) };
}

/**
 * The body without the target it repeats: Humanloop's v4 SDK sends `id`
 * (in `PATCH /logs/{id}`) and `referenceId` (in `PATCH /logs?reference_id=`)
 * beside the update fields. Each must equal the URL's (422 otherwise).
 */
function withoutRepeatedTarget(body: unknown, target: { id?: string; referenceId?: string }, issues: ValidationIssue[]): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const out = { ...(body as Record<string, unknown>) };
  const repeated: Array<[string, string | undefined]> = target.id !== undefined ? [["id", target.id]] : [["referenceId", target.referenceId], ["reference_id", target.referenceId]];
  for (const [key, expected] of repeated) {
    if (!Object.hasOwn(out, key)) continue;
    if (out[key] !== expected) {
      const where = key === "id" ? "the log id in the URL" : "the reference_id query parameter";
      issues.push({ loc: ["body", key], msg: `${key} ${JSON.stringify(out[key])} does not match ${where} (${JSON.stringify(expected ?? null)}); leave it out or send the same value`, type: "value_error" });
    }
    delete out[key];
  }
  return out;
}

/** `POST /v4/sessions`: no body (or `{}`); answers `{ id: "sesh_..." }`. */
export function createSession(store: HumanloopStore, body: unknown): RouteAnswer {
  if (body !== undefined) {
    const issues: ValidationIssue[] = [];
    checkObject(body, ["body"], issues, { fields: {} });
    if (issues.length > 0) return { status: 422, body: { detail: issues } };
  }
  return { status: 200, body: { id: store.createSession().id } };
}

/**
 * `POST /v4/feedback`: one item or an array, all or nothing. 422 for a bad
 * shape, 404 when a `data_id` names no log; answers `{ id: "ann_...", ... }`
 * per item.
 */
export function postFeedback(store: HumanloopStore, body: unknown): RouteAnswer {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  const prefix = (i: number): Loc => (batch ? ["body", i] : ["body"]);
  const issues: ValidationIssue[] = [];
  items.forEach((item, i) => checkObject(item, prefix(i), issues, feedbackRequest));
  if (issues.length > 0) return { status: 422, body: { detail: issues } };
  const records = items as Array<Record<string, unknown>>;
  const missing = records
    .map((item, i) => ({ item, i }))
    .filter(({ item }) => !store.logById(item.data_id as string))
    .map(({ item, i }) => ({ loc: [...prefix(i), "data_id"], msg: `Log ${String(item.data_id)} not found`, type: "not_found" }));
  if (missing.length > 0) return { status: 404, body: { detail: missing } };
  const stored = records.map((item): StoredFeedback => {
    const fields = Object.fromEntries(Object.entries(item).filter(([, v]) => v !== null && v !== undefined));
    return { ...(fields as Omit<StoredFeedback, "id">), id: newId("ann") };
  });
  store.addFeedback(stored);
  const answer = stored.map((f) => ({ ...f }));
  return { status: 200, body: batch ? answer : answer[0] };
}
