/**
 * The v5 request rules of HUMANLOOP_V5.md ("Rules the server enforces") as
 * pure functions: the caller (the route) looks up what they need in the
 * store and passes it in, and answers the returned error, if any.
 *
 * Issue types: `missing` (no file named; a new Prompt without kernel;
 * `parent_id`), `value_error` (`path` and `id` naming different files),
 * `not_found` (unknown file `id`, `trace_parent_id` or `parent_id`),
 * `path_conflict` (409: the path is a file of another kind),
 * `trace_complete` (409: the parent is in a completed Flow),
 * `duplicate_log_id` (409), plus the shape types of `../checks.ts` and
 * `extra_forbidden` in strict mode.
 */
import type { ValidationIssue } from "../types.js";
import { checkModeObject, knownFields, normalizeTimestamp, type UnknownFieldMode } from "./checks.js";
import { v5Error, type V5Error } from "./errors.js";
import { kindOfFileId, type FileKind } from "./kernel.js";
import { V5_SCHEMAS, type V5RequestKind } from "./schemas.js";

/** A validated body: known fields only, `null`s dropped, timestamps as UTC `…Z`. */
export type V5Body = Record<string, unknown>;

/** The outcome of {@link validateV5Body}. */
export type BodyOutcome = { ok: true; body: V5Body } | { ok: false; error: V5Error };

const TIMESTAMPS = ["start_time", "end_time", "created_at"];

/** The file kind a request kind logs to. */
export function fileKindOf(kind: V5RequestKind): FileKind {
  return kind.split("_", 1)[0] as FileKind;
}

/**
 * Checks a v5 body's shape in `mode` (`lenient`: unknown fields ignored and
 * dropped; `strict`: each is a 422 `extra_forbidden`), and, for a log
 * creation, that it names its file (`path`, `id` or `version_id`).
 */
export function validateV5Body(kind: V5RequestKind, body: unknown, mode: UnknownFieldMode = "lenient"): BodyOutcome {
  const schema = V5_SCHEMAS[kind];
  const issues: ValidationIssue[] = [];
  checkModeObject(body, ["body"], issues, schema, mode);
  if (issues.length > 0) return { ok: false, error: { status: 422, body: { detail: issues } } };
  const record = body as Record<string, unknown>;
  const clean: V5Body = {};
  for (const [key, value] of Object.entries(knownFields(record, schema))) {
    if (value === null || value === undefined) continue;
    clean[key] = TIMESTAMPS.includes(key) ? normalizeTimestamp(value as string) : value;
  }
  if (kind.endsWith("_log") && clean.path === undefined && clean.id === undefined && clean.version_id === undefined) {
    return { ok: false, error: v5Error(422, "missing", "Name the file: path (created on first log) or id", ["body", "path"]) };
  }
  return { ok: true, body: clean };
}

/** A stored file, as the rules need it. */
export interface FileRef {
  id: string;
  kind: FileKind;
  path: string;
}

/** How the rules find stored files. */
export interface FileLookup {
  byId(id: string): FileRef | undefined;
  byPath(path: string): FileRef | undefined;
  /** The file holding a version (for a log naming only `version_id`, in the body or the query). */
  byVersionId?(versionId: string): FileRef | undefined;
}

/** The file a log goes to: an existing one, or a new one at `path`. */
export type FileTarget = { ok: true; file: FileRef } | { ok: true; file: undefined; path: string } | { ok: false; error: V5Error };

/**
 * Resolves the file a log creation names: `id` must exist and be of `kind`
 * (404 otherwise), `path` and `id` must name the same file (422), a `path`
 * of another kind's file is a 409 `path_conflict`, an unknown `path` is a
 * new file. A new Prompt needs a `prompt` kernel (422 `missing`).
 */
export function resolveFileTarget(kind: FileKind, body: V5Body, files: FileLookup): FileTarget {
  const versionId = body.version_id as string | undefined;
  const viaVersion = versionId !== undefined && body.id === undefined ? files.byVersionId?.(versionId) : undefined;
  if (versionId !== undefined && body.id === undefined && body.path === undefined && !viaVersion) {
    return { ok: false, error: v5Error(404, "not_found", `version_id ${versionId} not found`, ["body", "version_id"]) };
  }
  const id = (body.id as string | undefined) ?? viaVersion?.id;
  const path = body.path as string | undefined;
  if (id !== undefined) {
    const byId = files.byId(id);
    if (!byId || byId.kind !== kind) {
      const named = kindOfFileId(id);
      const hint = named && named !== kind ? ` (an id starting "${id.split("_", 1)[0]}_" is a ${named})` : "";
      return { ok: false, error: v5Error(404, "not_found", `${capital(kind)} ${id} not found${hint}`, ["body", "id"]) };
    }
    if (path !== undefined && path !== byId.path) {
      return { ok: false, error: v5Error(422, "value_error", `path "${path}" and id ${id} name different files (${id} is at "${byId.path}")`, ["body", "path"]) };
    }
    return { ok: true, file: byId };
  }
  if (path === undefined) return { ok: false, error: v5Error(422, "missing", "Name the file: path (created on first log) or id", ["body", "path"]) };
  const byPath = files.byPath(path);
  if (byPath && byPath.kind !== kind) {
    return { ok: false, error: v5Error(409, "path_conflict", `path "${path}" is already a ${byPath.kind}, not a ${kind}`, ["body", "path"]) };
  }
  if (byPath) return { ok: true, file: byPath };
  if (kind === "prompt" && body.prompt === undefined) {
    return { ok: false, error: v5Error(422, "missing", `A new Prompt at "${path}" needs a prompt kernel with a model`, ["body", "prompt"]) };
  }
  return { ok: true, file: undefined, path };
}

/** A stored log named as a parent: does it exist, and is its trace completed? */
export interface ParentState {
  /** The stored log, when it exists. */
  exists: boolean;
  /** True when the log is, or is inside, a completed Flow log. */
  inCompletedTrace: boolean;
}

/** `trace_parent_id` must name a stored log (404) outside a completed Flow (409 `trace_complete`). */
export function traceParentError(traceParentId: string, parent: ParentState): V5Error | undefined {
  if (!parent.exists) return v5Error(404, "not_found", `trace_parent_id ${traceParentId}: no such log`, ["body", "trace_parent_id"]);
  if (parent.inCompletedTrace) {
    return v5Error(409, "trace_complete", `trace_parent_id ${traceParentId} is in a completed trace, which takes no more children`, ["body", "trace_parent_id"]);
  }
  return undefined;
}

/** An evaluator log's `parent_id` must name a stored log (404). */
export function judgedLogError(parentId: string, exists: boolean): V5Error | undefined {
  return exists ? undefined : v5Error(404, "not_found", `parent_id ${parentId}: no such log`, ["body", "parent_id"]);
}

/** A repeated `log_id`: 409 `duplicate_log_id` (a retried request can recognise its own stored first attempt). */
export function duplicateLogIdError(logId: string): V5Error {
  return v5Error(409, "duplicate_log_id", `log_id ${logId} is already used`, ["body", "log_id"]);
}

/** A PATCH naming a log that does not exist, or that is not in the named file. */
export function logNotFoundError(logId: string, fileId?: string): V5Error {
  return v5Error(404, "not_found", fileId ? `No log ${logId} in file ${fileId}` : `No log ${logId}`, ["path", "log_id"]);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
