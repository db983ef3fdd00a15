/**
 * The viewer's reads: sessions newest first (from the summary columns the
 * store keeps on each session, so a page costs an index walk), one
 * session's logs, one log with its neighbours. Reach it as `store.queries`.
 */
import type { Sql } from "./store.js";
import { LOG_SELECT, rowToFeedback } from "./store-rows.js";
import { SEARCHED_COLUMNS, trigramQuery } from "./store-text-search.js";
import type { LogUpdate, StoredFeedback, StoredLog } from "./types.js";

/** Filters and paging of {@link SessionQueries.listSessions}. */
export interface SessionFilter {
  /** Only sessions whose first log is in this project (name or `pr_` id). */
  project?: string;
  /** Only sessions whose first log with a user (v5 `user`, v4 `metadata.user_id`) names this user. */
  user?: string;
  /** Only sessions whose reference, or a log's name, reference, output, error, messages or inputs, contain this text (case-insensitive for ASCII). */
  text?: string;
  /** Only sessions with at least one log with an error. */
  errorsOnly?: boolean;
  /** Page size, 1 to 500; default 50. */
  limit?: number;
  /** Sessions to skip; default 0. */
  offset?: number;
}

/** One line of the session list. */
export interface SessionSummary {
  id: string;
  reference_id: string | null;
  /** The project of the session's first log. */
  project: string | null;
  project_id: string | null;
  /** The first user seen on the session's logs (v5 `user`, v4 `metadata.user_id`). */
  user: string | null;
  /** Time of the earliest and latest log (their `start_time`/`created_at`, else when received), RFC 3339. */
  first_at: string;
  last_at: string;
  log_count: number;
  prompt_tokens: number;
  output_tokens: number;
  /** Logs with an `error`. */
  error_count: number;
}

/** A page of sessions. */
export interface SessionPage {
  sessions: SessionSummary[];
  /** Sessions matching the filter, over all pages. */
  total: number;
  limit: number;
  offset: number;
}

/** A log as a line in a list: what the viewer shows before opening it. */
export interface LogSummary {
  id: string;
  kind: string | null;
  name: string | null;
  model: string | null;
  provider: string | null;
  reference_id: string | null;
  session_id: string | null;
  parent_id: string | null;
  log_status: string | null;
  /** Log time (its `start_time`/`created_at`, else when received), RFC 3339. */
  time: string;
  duration: number | null;
  prompt_tokens: number | null;
  output_tokens: number | null;
  error: string | null;
}

/** One log with everything around it. */
export interface LogDetail {
  log: StoredLog;
  parent?: LogSummary;
  /** Logs naming this one as `parent_id` or `trace_parent_id`, in the order stored. */
  children: LogSummary[];
  updates: LogUpdate[];
  feedback: StoredFeedback[];
}

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();
const SUMMARY_SELECT = `SELECT id, kind, name, model, provider, reference_id, session_id, coalesce(parent_id, trace_parent_id) AS parent_id,
  log_status, log_time, duration, prompt_tokens, output_tokens, error FROM logs`;

function summaryOf(row: Record<string, unknown>): LogSummary {
  const { log_time, ...rest } = row;
  return { ...(rest as Omit<LogSummary, "time">), time: iso(log_time) };
}

/** The paged and filtered reads (see the module comment). */
export class SessionQueries {
  private readonly sql: Sql;
  private readonly withUpdates: (rows: unknown[]) => StoredLog[];

  private readonly catchUpText: () => void;

  /** `catchUpText` brings the text index (logs_text) up to date with the logs stored. */
  constructor(sql: Sql, withUpdates: (rows: unknown[]) => StoredLog[], catchUpText: () => void) {
    this.sql = sql;
    this.withUpdates = withUpdates;
    this.catchUpText = catchUpText;
  }

  /** Sessions with logs, newest last log first, filtered and paged. */
  listSessions(filter: SessionFilter = {}): SessionPage {
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 500);
    const offset = Math.max(Math.trunc(filter.offset ?? 0), 0);
    const where = ["s.log_count > 0"];
    const params: Array<string | number> = [];
    if (filter.project !== undefined) {
      where.push("s.project_id = coalesce((SELECT id FROM projects WHERE name = ?), ?)");
      params.push(filter.project, filter.project);
    }
    if (filter.user !== undefined) {
      where.push("s.user = ?");
      params.push(filter.user);
    }
    if (filter.errorsOnly) where.push("s.error_count > 0");
    if (filter.text !== undefined && filter.text !== "") {
      const text = this.textFilter(filter.text);
      where.push(text.clause);
      params.push(...text.params);
    }
    const clause = where.join(" AND ");
    const rows = this.sql(
      `SELECT s.*, p.name AS project FROM sessions s LEFT JOIN projects p ON p.id = s.project_id
       WHERE ${clause} ORDER BY s.last_at DESC, s.rowid DESC LIMIT ? OFFSET ?`,
    ).all(...params, limit, offset);
    const total = Number(this.sql(`SELECT count(*) AS n FROM sessions s WHERE ${clause}`).get(...params)!.n);
    const sessions = rows.map(
      (row): SessionSummary => ({
        id: row.id as string,
        reference_id: row.reference_id as string | null,
        project: row.project as string | null,
        project_id: row.project_id as string | null,
        user: row.user as string | null,
        first_at: iso(row.first_at),
        last_at: iso(row.last_at),
        log_count: Number(row.log_count),
        prompt_tokens: Number(row.prompt_tokens),
        output_tokens: Number(row.output_tokens),
        error_count: Number(row.error_count),
      }),
    );
    return { sessions, total, limit, offset };
  }

  /**
   * The condition (on sessions `s`) for sessions whose reference, or one of
   * whose logs' searched columns, contains `text` (case-insensitive).
   *
   * Three characters or more, in few logs: the FTS5 trigram index (logs_text,
   * first brought up to date) finds the candidate logs, LIKE confirms them,
   * and their sessions are found once (not once for the page and again for
   * the total) and passed as a JSON array. Shorter text has no trigram, and
   * text in most logs is cheaper to find by reading logs: then each session
   * is asked whether one of its logs contains the text, which stops at the
   * first log that does (for text in every log, one log per session).
   */
  private textFilter(text: string): { clause: string; params: string[] } {
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const match = trigramQuery(text);
    if (match !== undefined) this.catchUpText();
    const contains = SEARCHED_COLUMNS.map((c) => `l.${c} LIKE ? ESCAPE '\\'`).join(" OR ");
    if (match === undefined || this.inMostLogs(text)) {
      return {
        clause: `(s.reference_id LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM logs l WHERE l.session_id = s.id AND (${contains})))`,
        params: Array<string>(SEARCHED_COLUMNS.length + 1).fill(like),
      };
    }
    const logs = `SELECT l.session_id AS id FROM logs l WHERE l.seq IN (SELECT rowid FROM logs_text WHERE logs_text MATCH ?2) AND (${contains.replaceAll("?", "?1")})`;
    const ids = this.sql(
      `SELECT json_group_array(id) AS ids FROM (${logs} UNION SELECT id FROM sessions WHERE reference_id LIKE ?1 ESCAPE '\\') WHERE id IS NOT NULL`,
    ).get(like, match);
    return { clause: "s.id IN (SELECT value FROM json_each(?))", params: [ids!.ids as string] };
  }

  /**
   * Whether every trigram of `text` is in more than a fifth of the logs (from
   * the FTS5 vocabulary): then walking the index costs more than the LIKE scan.
   */
  private inMostLogs(text: string): boolean {
    this.sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.logs_text_vocab USING fts5vocab(main, logs_text, row)").run();
    const chars = [...text.toLowerCase()];
    const docs = this.sql("SELECT coalesce(max(doc), 0) AS n FROM temp.logs_text_vocab WHERE term = ?");
    const logs = Number(this.sql("SELECT coalesce(max(seq), 0) AS n FROM logs").get()!.n);
    for (let i = 0; i + 3 <= chars.length; i += 1) {
      if (Number(docs.get(chars.slice(i, i + 3).join(""))!.n) <= logs / 5) return false;
    }
    return true;
  }

  /**
   * Logs outside any session that have no parent (v4 loose logs, v5 trace
   * roots), newest first, paged like {@link listSessions}; open one with
   * {@link traceLogs}.
   */
  rootLogs(page: { limit?: number; offset?: number } = {}): { logs: LogSummary[]; total: number; limit: number; offset: number } {
    const limit = Math.min(Math.max(Math.trunc(page.limit ?? 50), 1), 500);
    const offset = Math.max(Math.trunc(page.offset ?? 0), 0);
    const roots = "session_id IS NULL AND parent_id IS NULL AND trace_parent_id IS NULL";
    // The partial index holds exactly the roots; INDEXED BY keeps the planner on it.
    const logs = this.sql(`${SUMMARY_SELECT} INDEXED BY logs_roots_by_time WHERE ${roots} ORDER BY log_time DESC, seq DESC LIMIT ? OFFSET ?`)
      .all(limit, offset)
      .map(summaryOf);
    const total = Number(this.sql(`SELECT count(*) AS n FROM logs INDEXED BY logs_roots_by_time WHERE ${roots}`).get()!.n);
    return { logs, total, limit, offset };
  }

  /** Log `rootId` and every log under it (by `parent_id` or `trace_parent_id`, any depth), with updates, in the order stored. */
  traceLogs(rootId: string): StoredLog[] {
    const rows = this.sql(
      `WITH RECURSIVE tree(id) AS (SELECT ?1 UNION SELECT c.id FROM logs c JOIN tree t ON c.parent_id = t.id OR c.trace_parent_id = t.id)
       ${LOG_SELECT} WHERE l.id IN (SELECT id FROM tree) ORDER BY l.seq`,
    ).all(rootId);
    return this.withUpdates(rows);
  }

  /** The logs of session `sessionId` (with updates), in the order stored; build the tree with `parent_id`. */
  sessionLogs(sessionId: string): StoredLog[] {
    return this.withUpdates(this.sql(`${LOG_SELECT} WHERE l.session_id = ? ORDER BY l.seq`).all(sessionId));
  }

  /** The direct children of log `logId` (by `parent_id` or v5 `trace_parent_id`), in the order stored. */
  children(logId: string): LogSummary[] {
    const rows = this.sql(`${SUMMARY_SELECT} WHERE parent_id = ?1 UNION ALL ${SUMMARY_SELECT} WHERE trace_parent_id = ?1 AND parent_id IS NULL`).all(logId);
    return rows.map(summaryOf).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  /** A one-line summary of log `logId`, or undefined. */
  summary(logId: string): LogSummary | undefined {
    const row = this.sql(`${SUMMARY_SELECT} WHERE id = ?`).get(logId);
    return row ? summaryOf(row) : undefined;
  }

  /** Log `logId` with its parent, children, updates and feedback, or undefined. */
  logDetail(logId: string): LogDetail | undefined {
    const log = this.withUpdates(this.sql(`${LOG_SELECT} WHERE l.id = ?`).all(logId))[0];
    if (!log) return undefined;
    const parentId = typeof log.parent_id === "string" ? log.parent_id : typeof log.trace_parent_id === "string" ? log.trace_parent_id : undefined;
    const parent = parentId !== undefined ? this.summary(parentId) : undefined;
    const feedback = this.sql("SELECT * FROM feedback WHERE data_id = ? ORDER BY seq").all(logId).map(rowToFeedback);
    const detail: LogDetail = { log, children: this.children(logId), updates: log.updates, feedback };
    if (parent) detail.parent = parent;
    return detail;
  }
}
