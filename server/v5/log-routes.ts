/**
 * The v5 log routes over the store (HUMANLOOP_V5.md, "Rules the server
 * enforces"), each run inside the request's transaction: create a Prompt,
 * Tool or Flow log, update one, log an evaluator judgment. The rules
 * themselves are the pure functions of `./rules.ts` and `./flow-status.ts`.
 */
import { isRecord } from "../checks.js";
import { prepared } from "../prepared.js";
import type { RouteAnswer } from "../routes.js";
import { newId, type HumanloopStore } from "../store.js";
import type { StoredFile, StoredVersion } from "../store-files.js";
import type { StoredLog } from "../types.js";
import type { UnknownFieldMode } from "./checks.js";
import type { V5Error } from "./errors.js";
import { v5Error } from "./errors.js";
import { flowStatusOnCreate, flowStatusOnUpdate, type FlowContent, type LogStatus } from "./flow-status.js";
import { canonicalKernel } from "./kernel.js";
import { fileOfLog, logIdTaken, v5LogAnswer } from "./read-routes.js";
import { createLogResponse } from "./responses.js";
import { duplicateLogIdError, judgedLogError, logNotFoundError, resolveFileTarget, traceParentError, validateV5Body, type FileLookup, type FileTarget, type V5Body } from "./rules.js";

/** The kinds of log made by `POST /v5/{prompts|tools|flows}/log`. */
export type LogKind = "prompt" | "tool" | "flow";

/** `version_id` and `environment`, which Humanloop's SDK sends as query parameters of every `*.log` call. */
export interface LogQuery {
  version_id?: string;
  environment?: string;
}

const fail = (error: V5Error): RouteAnswer => error;

/** The store's files, as the rules look them up. */
function lookup(store: HumanloopStore): FileLookup {
  return {
    byId: (id) => store.files.fileById(id),
    byPath: (path) => store.files.fileByPath(path),
    byVersionId: (id) => {
      const version = store.files.versionById(id);
      return version ? store.files.fileById(version.file_id) : undefined;
    },
  };
}

/** The body with the query's `version_id`/`environment` added (a body value wins). */
function withQuery(raw: unknown, query: LogQuery): unknown {
  if (!isRecord(raw)) return raw;
  const out = { ...raw };
  for (const key of ["version_id", "environment"] as const) if (query[key] !== undefined && (out[key] === undefined || out[key] === null)) out[key] = query[key];
  return out;
}

/** True when log `id` is, or is under, a completed Flow log. */
function inCompletedTrace(store: HumanloopStore, id: string): boolean {
  const seen = new Set<string>();
  for (let log = store.logById(id); log && !seen.has(log.id); log = typeof log.trace_parent_id === "string" ? store.logById(log.trace_parent_id) : undefined) {
    seen.add(log.id);
    if (log.log_status === "complete" && fileOfLog(store, log)?.file.kind === "flow") return true;
  }
  return false;
}

/** The file a creation goes to (made when new) and the version its kernel names (made when new). */
function fileAndVersion(store: HumanloopStore, kind: LogKind | "evaluator", body: V5Body, target: Extract<FileTarget, { ok: true }>, kernel: Record<string, unknown> | undefined): { file: StoredFile; version: StoredVersion } | V5Error {
  const file = target.file ? store.files.fileById(target.file.id)! : store.files.ensureFile(target.path, kind).file;
  const versionId = body.version_id as string | undefined;
  if (kernel === undefined && versionId !== undefined) {
    const version = store.files.versionById(versionId);
    if (!version) return v5Error(404, "not_found", `version_id ${versionId} not found`, ["body", "version_id"]);
    if (version.file_id !== file.id) return v5Error(422, "value_error", `version_id ${versionId} is not a version of ${file.path}`, ["body", "version_id"]);
    return { file, version };
  }
  const latest = kernel === undefined ? store.files.latestVersion(file.id) : undefined;
  if (latest) return { file, version: latest };
  const canonical = canonicalKernel(kind, kernel);
  if (!canonical) return v5Error(422, "missing", `${file.path} has no version yet: send a ${kind} kernel`, ["body", kind]);
  return { file, version: store.files.ensureVersion(file.id, canonical).version };
}

function ms(text: unknown): number | undefined {
  const value = typeof text === "string" ? Date.parse(text) : NaN;
  return Number.isNaN(value) ? undefined : value;
}

/** The earliest start and latest end of the logs under log `id` (any depth, by `trace_parent_id`). */
const SPAN_OF_CHILDREN = `WITH RECURSIVE tree(id) AS (SELECT ?1 UNION ALL SELECT c.id FROM logs c JOIN tree t ON c.trace_parent_id = t.id)
  SELECT min(start_time) AS start, max(end_time) AS end FROM logs WHERE id IN (SELECT id FROM tree) AND id != ?1`;

/** On completion: `end_time` set (now, unless the log has one), start and end widened to cover every log under it. */
function completionTimes(store: HumanloopStore, log: StoredLog): { start_time?: string; end_time: string } {
  const children = prepared(store, SPAN_OF_CHILDREN).get(log.id)!;
  const starts = [ms(log.start_time), ms(children.start)].filter((t): t is number => t !== undefined);
  const end = Math.max(ms(log.end_time) ?? Date.now(), ms(children.end) ?? 0);
  const out: { start_time?: string; end_time: string } = { end_time: new Date(end).toISOString() };
  if (starts.length > 0) out.start_time = new Date(Math.min(...starts)).toISOString();
  return out;
}

/** `POST /v5/{prompts|tools|flows}/log`. */
export function createLog(store: HumanloopStore, kind: LogKind, raw: unknown, query: LogQuery, mode: UnknownFieldMode): RouteAnswer {
  const valid = validateV5Body(`${kind}_log`, withQuery(raw, query), mode);
  if (!valid.ok) return fail(valid.error);
  const body = valid.body;
  const target = resolveFileTarget(kind, body, lookup(store));
  if (!target.ok) return fail(target.error);
  const logId = (body.log_id as string | undefined) ?? newId("log");
  if (logIdTaken(store, logId)) return fail(duplicateLogIdError(logId));
  const parent = body.trace_parent_id as string | undefined;
  if (parent !== undefined) {
    const error = traceParentError(parent, { exists: store.logById(parent) !== undefined, inCompletedTrace: inCompletedTrace(store, parent) });
    if (error) return fail(error);
  }
  let status: LogStatus | undefined;
  if (kind === "flow") {
    const outcome = flowStatusOnCreate(body);
    if (!outcome.ok) return fail(outcome.error);
    status = outcome.status;
  }
  const owner = fileAndVersion(store, kind, body, target, body[kind] as Record<string, unknown> | undefined);
  if ("status" in owner) return fail(owner);
  const { log_id: _logId, id: _fileId, version_id: _versionId, log_status: _status, ...fields } = body;
  const log: StoredLog = {
    ...fields,
    id: logId,
    api_version: "v5",
    path: owner.file.path,
    [kind]: owner.version.kernel,
    file_id: owner.file.id,
    version_id: owner.version.id,
    updates: [],
    received_at: new Date().toISOString(),
  };
  if (status !== undefined) log.log_status = status;
  if (status === "complete") Object.assign(log, completionTimes(store, log));
  store.addLog(log);
  return { status: 200, body: createLogResponse(kind, logId, { id: owner.file.id, version_id: owner.version.id }, { log_status: status }) };
}

/** `PATCH /v5/prompts/{id}/log/{log_id}`, `PATCH /v5/tools/{id}/log/{log_id}` (with `fileId`) and `PATCH /v5/flows/logs/{log_id}`. */
export function updateLog(store: HumanloopStore, kind: LogKind, logId: string, fileId: string | undefined, raw: unknown, mode: UnknownFieldMode): RouteAnswer {
  const valid = validateV5Body(`${kind}_update`, raw, mode);
  if (!valid.ok) return fail(valid.error);
  const log = store.logById(logId);
  const owner = log ? fileOfLog(store, log) : undefined;
  if (!log || !owner || owner.file.kind !== kind || (fileId !== undefined && owner.file.id !== fileId)) return fail(logNotFoundError(logId, fileId));
  const { log_status: _status, ...fields }: Record<string, unknown> = valid.body;
  if (kind === "flow") {
    const outcome = flowStatusOnUpdate((log.log_status as LogStatus | undefined) ?? "complete", log as FlowContent, valid.body);
    if (!outcome.ok) return fail(outcome.error);
    if (outcome.status === "complete") Object.assign(fields, { log_status: "complete" }, completionTimes(store, log));
  }
  store.updateLog(log, fields);
  return { status: 200, body: v5LogAnswer(store, log) };
}

/**
 * `POST /v5/evaluators/log`: a judgment on log `parent_id`, kept as feedback
 * on it (id = the evaluator log's id, type = the evaluator's path, `unset`
 * for `judgment: null`), so the v4 readers see it; a new one replaces the
 * previous one of the same evaluator in `evaluator_logs`.
 */
export function logJudgment(store: HumanloopStore, raw: unknown, query: LogQuery, mode: UnknownFieldMode): RouteAnswer {
  const valid = validateV5Body("evaluator_log", withQuery(raw, query), mode);
  if (!valid.ok) return fail(valid.error);
  const body = valid.body;
  const parentId = body.parent_id as string;
  const judged = judgedLogError(parentId, store.logById(parentId) !== undefined);
  if (judged) return fail(judged);
  const target = resolveFileTarget("evaluator", body, lookup(store));
  if (!target.ok) return fail(target.error);
  const logId = (body.log_id as string | undefined) ?? newId("log");
  if (logIdTaken(store, logId)) return fail(duplicateLogIdError(logId));
  const owner = fileAndVersion(store, "evaluator", body, target, isRecord(body.spec) ? { spec: body.spec } : undefined);
  if ("status" in owner) return fail(owner);
  const judgment = (raw as Record<string, unknown>).judgment;
  const feedback = { id: logId, data_id: parentId, type: owner.file.path, ...(judgment === null ? { unset: true } : judgment === undefined ? {} : { value: judgment }) };
  if (typeof body.user === "string") Object.assign(feedback, { user: body.user });
  if (typeof body.created_at === "string") Object.assign(feedback, { created_at: body.created_at });
  store.addFeedback([feedback]);
  return { status: 200, body: createLogResponse("evaluator", logId, { id: owner.file.id, version_id: owner.version.id }, { parent_id: parentId }) };
}
