/**
 * The v5 answer bodies Humanloop's SDK (0.8.20) parses, as pure functions.
 * Its `LogResponse` (PATCH answers, `GET /logs/{id}`) is an undiscriminated
 * union that matches a variant only with all its required keys, so every
 * log answer carries `evaluator_logs` and its file with the keys listed in
 * docs/humanloop-sdks.md; less throws `ParseError` in the caller.
 */
import type { FileKind } from "./kernel.js";

/** A file as the answers need it. */
export interface V5FileInfo {
  id: string;
  kind: FileKind;
  path: string;
  /** The version the log was made with. */
  version_id: string;
  /** That version's canonical kernel (a Prompt's has `model`, a Flow's `attributes`, an Evaluator's `spec`). */
  kernel: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  last_used_at: string;
  version_logs_count: number;
  total_logs_count: number;
}

/** The answer of `POST /{prompts|tools|flows|evaluators}/log`. */
export function createLogResponse(kind: FileKind, logId: string, file: { id: string; version_id: string }, extra: { log_status?: string; parent_id?: string } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { id: logId, [`${kind}_id`]: file.id, version_id: file.version_id };
  if (kind === "flow") out.log_status = extra.log_status ?? "complete";
  else out.session_id = null;
  if (kind === "evaluator") out.parent_id = extra.parent_id;
  return out;
}

/** A file object inside a log answer, with the keys the SDK requires. */
export function fileResponse(file: V5FileInfo): Record<string, unknown> {
  const name = file.path.slice(file.path.lastIndexOf("/") + 1);
  const out: Record<string, unknown> = {
    ...file.kernel,
    id: file.id,
    path: file.path,
    name,
    type: file.kind,
    version_id: file.version_id,
    created_at: file.created_at,
    updated_at: file.updated_at,
    last_used_at: file.last_used_at,
    version_logs_count: file.version_logs_count,
    total_logs_count: file.total_logs_count,
    inputs: [],
  };
  if (file.kind === "flow" && out.attributes === undefined) out.attributes = {};
  if (file.kind === "evaluator" && out.spec === undefined) out.spec = { arguments_type: "target_required", return_type: "text", evaluator_type: "human" };
  return out;
}

/**
 * A whole log (`GET /logs/{id}`, PATCH answers): its stored fields, its id,
 * its file under the kind's key, and the judgments on it (`evaluator_logs`).
 */
export function logResponse(log: Record<string, unknown> & { id: string }, file: V5FileInfo, evaluatorLogs: Record<string, unknown>[] = []): Record<string, unknown> {
  return { ...log, id: log.id, version_id: file.version_id, [file.kind]: fileResponse(file), evaluator_logs: evaluatorLogs };
}
