/**
 * The v4 read routes Humanloop's v4 SDK (0.5.36) calls, over the store:
 * `GET /v4/logs` (`logs.list`), `GET /v4/sessions/{id}` (`sessions.get`),
 * `GET /v4/sessions` (`sessions.list`). Pages are 1-based and answer
 * `{ records, page, size, total }` (the SDK's `hasNext()` is
 * `page * size < total`).
 */
import { prepared } from "./prepared.js";
import { publicLog, type RouteAnswer } from "./routes.js";
import type { HumanloopStore } from "./store.js";
import type { StoredLog, ValidationIssue } from "./types.js";

/** Largest page `size`. */
const MAX_SIZE = 500;
/** `size` when the request names none. */
const DEFAULT_SIZE = 10;

function invalid(issues: ValidationIssue[]): RouteAnswer {
  return { status: 422, body: { detail: issues } };
}

function paging(query: URLSearchParams, issues: ValidationIssue[]): { page: number; size: number } {
  const read = (key: string, fallback: number, max: number): number => {
    const text = query.get(key);
    if (text === null || text === "") return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      issues.push({ loc: ["query", key], msg: `Input should be a whole number from 1 to ${max}`, type: "int_range" });
    }
    return value;
  };
  return { page: read("page", 1, Number.MAX_SAFE_INTEGER), size: read("size", DEFAULT_SIZE, MAX_SIZE) };
}

function projectParam(query: URLSearchParams, issues: ValidationIssue[]): string {
  const project = query.get("project_id");
  if (!project) issues.push({ loc: ["query", "project_id"], msg: "Field required", type: "missing" });
  return project ?? "";
}

/** Milliseconds of a `start_date`/`end_date` (a date `YYYY-MM-DD`, whole day, or an ISO datetime), or an issue. */
function dateParam(query: URLSearchParams, key: "start_date" | "end_date", issues: ValidationIssue[]): number | undefined {
  const text = query.get(key);
  if (text === null || text === "") return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) {
    issues.push({ loc: ["query", key], msg: "Input should be a date (2025-05-01) or an ISO 8601 datetime", type: "date_parsing" });
    return undefined;
  }
  return dateOnly && key === "end_date" ? ms + 86_400_000 : ms + (key === "end_date" ? 1 : 0);
}

const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A stored v4 log as the SDK's `LogResponse`: with its feedback, `updated_at` and the fields the type requires. */
export function v4LogAnswer(store: HumanloopStore, log: StoredLog): Record<string, unknown> {
  const feedback = store.feedbackFor(log.id);
  const out: Record<string, unknown> = { ...publicLog(log), evaluation_results: [], observability_status: "completed" };
  out.updated_at = log.updates.at(-1)?.applied_at ?? log.received_at;
  if (feedback.length > 0) out.feedback = feedback;
  return out;
}

/** `GET /v4/logs?project_id=&search=&metadata_search=&start_date=&end_date=&size=&page=`: the project's logs, newest first. */
export function listLogs(store: HumanloopStore, query: URLSearchParams): RouteAnswer {
  const issues: ValidationIssue[] = [];
  const project = projectParam(query, issues);
  const { page, size } = paging(query, issues);
  const [start, end] = [dateParam(query, "start_date", issues), dateParam(query, "end_date", issues)];
  if (issues.length > 0) return invalid(issues);
  const where = ["project_id = coalesce((SELECT id FROM projects WHERE name = ?), ?)"];
  const params: Array<string | number> = [project, project];
  const search = query.get("search");
  if (search) {
    where.push(`(${["output", "error", "messages", "inputs", "reference_id", "name"].map((c) => `${c} LIKE ? ESCAPE '\\'`).join(" OR ")})`);
    params.push(...Array<string>(6).fill(like(search)));
  }
  const metadata = query.get("metadata_search");
  if (metadata) {
    where.push("metadata LIKE ? ESCAPE '\\'");
    params.push(like(metadata));
  }
  if (start !== undefined) {
    where.push("log_time >= ?");
    params.push(start);
  }
  if (end !== undefined) {
    where.push("log_time < ?");
    params.push(end);
  }
  const clause = where.join(" AND ");
  const total = Number(prepared(store, `SELECT count(*) AS n FROM logs WHERE ${clause}`).get(...params)!.n);
  const ids = prepared(store, `SELECT id FROM logs WHERE ${clause} ORDER BY log_time DESC, seq DESC LIMIT ? OFFSET ?`).all(...params, size, (page - 1) * size);
  const records = ids.map((row) => v4LogAnswer(store, store.logById(row.id as string)!));
  return { status: 200, body: { records, page, size, total } };
}

const iso = (ms: unknown) => (ms === null || ms === undefined ? undefined : new Date(Number(ms)).toISOString());

/** A session as the SDK's `SessionResponse`, from its summary columns. */
function sessionAnswer(store: HumanloopStore, id: string): Record<string, unknown> | undefined {
  const row = prepared(store, "SELECT s.*, p.name AS project FROM sessions s LEFT JOIN projects p ON p.id = s.project_id WHERE s.id = ?").get(id);
  if (!row) return undefined;
  const first = prepared(store, "SELECT inputs FROM logs WHERE session_id = ? AND inputs IS NOT NULL ORDER BY seq LIMIT 1").get(id);
  const last = prepared(store, "SELECT output FROM logs WHERE session_id = ? AND output IS NOT NULL ORDER BY seq DESC LIMIT 1").get(id);
  const projects = prepared(store, "SELECT DISTINCT p.id, p.name FROM logs l JOIN projects p ON p.id = l.project_id WHERE l.session_id = ? ORDER BY l.seq").all(id);
  const out: Record<string, unknown> = {
    id,
    projects: projects.map((p) => ({ id: p.id, name: p.name })),
    datapoints_count: Number(row.log_count),
    created_at: iso(row.created_at),
    updated_at: iso(row.last_at) ?? iso(row.created_at),
  };
  if (row.reference_id !== null) out.reference_id = row.reference_id;
  if (row.project !== null) Object.assign(out, { project: { id: row.project_id, name: row.project } });
  if (first) out.first_inputs = JSON.parse(first.inputs as string);
  if (last) out.last_output = last.output;
  return out;
}

/** `GET /v4/sessions/{id}` (a server id, or the reference a session was made for): the session with its logs, in the order stored. */
export function getSession(store: HumanloopStore, idOrRef: string): RouteAnswer {
  const session = store.sessionHead(idOrRef) ?? store.sessionHeadByRef(idOrRef);
  const answer = session ? sessionAnswer(store, session.id) : undefined;
  if (!session || !answer) return { status: 404, body: { detail: [{ loc: ["path", "id"], msg: `Session ${idOrRef} not found`, type: "not_found" }] } };
  answer.logs = store.queries.sessionLogs(session.id).map((log) => v4LogAnswer(store, log));
  return { status: 200, body: answer };
}

/** `GET /v4/sessions?project_id=&page=&size=`: the project's sessions with logs, latest activity first. */
export function listSessions(store: HumanloopStore, query: URLSearchParams): RouteAnswer {
  const issues: ValidationIssue[] = [];
  const project = projectParam(query, issues);
  const { page, size } = paging(query, issues);
  if (issues.length > 0) return invalid(issues);
  const found = store.queries.listSessions({ project, limit: size, offset: (page - 1) * size });
  const records = found.sessions.map((s) => sessionAnswer(store, s.id)!);
  return { status: 200, body: { records, page, size, total: found.total } };
}
