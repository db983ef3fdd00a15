/**
 * The v5 read side over the store: a file as the SDK's answers need it
 * (with log counts), the judgments on a log (`evaluator_logs`), and
 * `GET /v5/logs/{id}`. Evaluator logs are kept as feedback on the judged
 * log (the feedback id is the evaluator log's id, its `type` the
 * evaluator's path), so v4 feedback readers and the viewer see them too.
 */
import { prepared } from "../prepared.js";
import type { RouteAnswer } from "../routes.js";
import type { HumanloopStore } from "../store.js";
import type { StoredFile, StoredVersion } from "../store-files.js";
import type { StoredFeedback, StoredLog } from "../types.js";
import { logNotFoundError } from "./rules.js";
import { fileResponse, logResponse, type V5FileInfo } from "./responses.js";

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();

/** `file` at `version`, with the timestamps and log counts the SDK's file objects require. */
export function fileInfo(store: HumanloopStore, file: StoredFile, version: StoredVersion): V5FileInfo {
  const counts = prepared(store, "SELECT count(*) AS total, sum(version_id = ?) AS version, max(log_time) AS last FROM logs WHERE file_id = ?").get(version.id, file.id)!;
  const latest = store.files.latestVersion(file.id);
  return {
    id: file.id,
    kind: file.kind,
    path: file.path,
    version_id: version.id,
    kernel: version.kernel,
    created_at: iso(file.created_at),
    updated_at: iso(latest?.created_at ?? file.created_at),
    last_used_at: iso(counts.last ?? file.created_at),
    version_logs_count: Number(counts.version ?? 0),
    total_logs_count: Number(counts.total ?? 0),
  };
}

/** The stored file and version of a v5 log, or undefined for a v4 log. */
export function fileOfLog(store: HumanloopStore, log: StoredLog): { file: StoredFile; version: StoredVersion } | undefined {
  if (log.api_version !== "v5" || typeof log.file_id !== "string" || typeof log.version_id !== "string") return undefined;
  const file = store.files.fileById(log.file_id);
  const version = store.files.versionById(log.version_id);
  return file && version ? { file, version } : undefined;
}

/** The evaluator log a feedback item stands for (when its type is an evaluator's path), as the SDK reads it. */
function evaluatorLog(store: HumanloopStore, feedback: StoredFeedback): Record<string, unknown> | undefined {
  const file = store.files.fileByPath(feedback.type);
  const version = file?.kind === "evaluator" ? store.files.latestVersion(file.id) : undefined;
  if (!file || !version) return undefined;
  const info = fileInfo(store, file, version);
  const out: Record<string, unknown> = { id: feedback.id, parent_id: feedback.data_id, judgment: feedback.value ?? null, version_id: version.id, evaluator: fileResponse(info), evaluator_logs: [] };
  if (feedback.user !== undefined) out.user = feedback.user;
  if (feedback.created_at !== undefined) out.created_at = feedback.created_at;
  return out;
}

/** The current judgments on log `logId`: the latest per evaluator, those cleared (`judgment: null`) left out. */
export function evaluatorLogsOf(store: HumanloopStore, logId: string): Record<string, unknown>[] {
  const latest = new Map<string, StoredFeedback>();
  for (const item of store.feedbackFor(logId)) latest.set(item.type, item);
  return [...latest.values()]
    .filter((item) => item.unset !== true)
    .map((item) => evaluatorLog(store, item))
    .filter((item): item is Record<string, unknown> => item !== undefined);
}

/** The feedback item with id `id` (an evaluator log), or undefined. */
function feedbackById(store: HumanloopStore, id: string): StoredFeedback | undefined {
  const row = prepared(store, "SELECT data_id FROM feedback WHERE id = ?").get(id);
  return row ? store.feedbackFor(row.data_id as string).find((f) => f.id === id) : undefined;
}

/** True when `id` is taken by a log or an evaluator log. */
export function logIdTaken(store: HumanloopStore, id: string): boolean {
  return prepared(store, "SELECT 1 FROM logs WHERE id = ?1 UNION ALL SELECT 1 FROM feedback WHERE id = ?1 LIMIT 1").get(id) !== undefined;
}

/** A whole v5 log as the SDK's `LogResponse` parses it (its file under its kind, its judgments). */
export function v5LogAnswer(store: HumanloopStore, log: StoredLog): Record<string, unknown> {
  const owner = fileOfLog(store, log)!;
  const { updates: _updates, api_version: _version, ...fields } = log;
  return logResponse(fields, fileInfo(store, owner.file, owner.version), evaluatorLogsOf(store, log.id));
}

/** `GET /v5/logs/{id}`: a v5 log, or an evaluator log; 404 for anything else (a v4 log has no file to answer with). */
export function getLog(store: HumanloopStore, id: string): RouteAnswer {
  const log = store.logById(id);
  if (log && fileOfLog(store, log)) return { status: 200, body: v5LogAnswer(store, log) };
  if (log) return { status: 404, body: { detail: [{ loc: ["path", "id"], msg: `Log ${id} is a v4 log: read it with the v4 API`, type: "not_found" }] } };
  const judgment = feedbackById(store, id);
  const answer = judgment ? evaluatorLog(store, judgment) : undefined;
  return answer ? { status: 200, body: answer } : logNotFoundError(id);
}
