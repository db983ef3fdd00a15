/**
 * The server's store on SQLite (`node:sqlite`): projects, sessions, logs,
 * their PATCH history and feedback, with the lookups the v4 rules need.
 * Every method is synchronous; a request's writes run in one
 * {@link HumanloopStore.transaction}. v5 files and versions live in
 * store-files.ts, the viewer's paged queries in store-queries.ts; both are
 * reachable from here.
 */
import { diag } from "@opentelemetry/api";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { newId } from "./ids.js";
import { FileStore } from "./store-files.js";
import { SessionQueries } from "./store-queries.js";
import { LOG_COLUMNS, LOG_SELECT, logToRow, rowToLog, rowToFeedback, rowToUpdate, type LogRow } from "./store-rows.js";
import { openDatabase, type OpenDatabaseOptions } from "./store-schema.js";
import { catchUpReferences, logsByReferences, REF_SEQS, REFERENCE_TAIL_LIMIT, referenceTailSize, type ReferencedLog } from "./store-refs.js";
import { catchUp } from "./store-text-search.js";
import type { LogUpdate, StoredFeedback, StoredLog, StoredSession } from "./types.js";

/** A project, made on first use of its name. */
export interface StoredProject {
  id: string;
  name: string;
}

export { newId };

/** A session's server id and reference, without its log ids. */
export type SessionHead = Omit<StoredSession, "log_ids">;

/** Options of {@link HumanloopStore.open}. */
export interface StoreOptions extends OpenDatabaseOptions {
  /** Database file (created with its folder when missing); default `":memory:"`. */
  path?: string;
}

/** Prepared statements, made once per SQL text. */
export type Sql = (text: string) => StatementSync;

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : (v as string));
const numberOr0 = (v: unknown): number => (typeof v === "number" ? v : 0);
const INSERT_LOG = `INSERT INTO logs (${LOG_COLUMNS.join(", ")}) VALUES (${LOG_COLUMNS.map(() => "?").join(", ")})`;
const UPDATE_LOG = `UPDATE logs SET ${LOG_COLUMNS.slice(1)
  .map((c) => `${c} = ?`)
  .join(", ")} WHERE id = ?`;
const REFRESH_SESSION = `UPDATE sessions SET (log_count, first_at, last_at, prompt_tokens, output_tokens, error_count) =
  (SELECT count(*), min(log_time), max(log_time), coalesce(sum(prompt_tokens), 0), coalesce(sum(output_tokens), 0), count(error)
   FROM logs WHERE session_id = ?1) WHERE id = ?1`;
const COUNT_LOGS_IN_SESSION = `UPDATE sessions SET log_count = log_count + ?2,
  first_at = min(coalesce(first_at, ?3), ?3), last_at = max(coalesce(last_at, ?4), ?4),
  prompt_tokens = prompt_tokens + ?5, output_tokens = output_tokens + ?6, error_count = error_count + ?7,
  project_id = coalesce(project_id, ?8), user = coalesce(user, ?9) WHERE id = ?1`;
const LOG_TIME_AT = LOG_COLUMNS.indexOf("log_time");

/** What a batch adds to one session's summary. */
interface SessionTally {
  count: number;
  first: number;
  last: number;
  promptTokens: number;
  outputTokens: number;
  errors: number;
  projectId: string | null;
  user: string | null;
}

/** The end user of a log: v5 `user`, else the v4 exporter's `metadata.user_id`. */
function userOf(log: StoredLog): string | undefined {
  if (typeof log.user === "string") return log.user;
  const metadata = log.metadata as Record<string, unknown> | undefined;
  return typeof metadata?.user_id === "string" ? metadata.user_id : undefined;
}

/** Everything the server has accepted, in one SQLite database. */
export class HumanloopStore {
  /** The open database (for tests and tools; write through the methods). */
  readonly db: DatabaseSync;
  /** v5 files and versions. */
  readonly files: FileStore;
  /** The viewer's paged, filtered queries. */
  readonly queries: SessionQueries;
  private readonly statements = new Map<string, StatementSync>();
  private readonly sql: Sql = (text) => {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  };

  private constructor(db: DatabaseSync) {
    this.db = db;
    this.files = new FileStore(this.sql);
    this.queries = new SessionQueries(this.sql, (rows) => this.withUpdates(rows), () => catchUp(this.db));
  }

  /**
   * Opens the store at `options.path` (default in memory), migrating its
   * schema; throws `StoreOpenError` (with what to do) for a file that is not
   * ours or is newer than this code.
   */
  static open(options: StoreOptions = {}): HumanloopStore {
    return new HumanloopStore(openDatabase(options.path ?? ":memory:", options));
  }

  /** Closes the database; the store is unusable afterwards. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /**
   * Runs `fn` in one transaction, committed (durably, before this returns)
   * when `keep(result)` is true (default: always), rolled back otherwise or
   * when `fn` throws. Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T, keep: (result: T) => boolean = () => true): T {
    if (this.db.isTransaction) return fn();
    this.db.exec("BEGIN IMMEDIATE");
    let result: T;
    try {
      result = fn();
      this.db.exec(keep(result) ? "COMMIT" : "ROLLBACK");
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
    this.maintainQuietly();
    return result;
  }

  /** {@link maintain}, its failure reported to the diag logger (what was committed stands; the next commit tries again). */
  maintainQuietly(): void {
    try {
      this.maintain();
    } catch (error) {
      diag.warn("humanloop-otel-server: could not index the recent logs' references; retried after the next commit", error);
    }
  }

  /**
   * Upkeep between write transactions: indexes the references of the logs
   * stored since the last catch-up once there are {@link REFERENCE_TAIL_LIMIT}
   * of them (see store-refs.ts). Does nothing inside a transaction.
   */
  maintain(): void {
    if (this.db.isOpen && !this.db.isTransaction && referenceTailSize(this.sql) >= REFERENCE_TAIL_LIMIT) catchUpReferences(this.db);
  }

  /** Forgets everything. */
  clear(): void {
    this.transaction(() => {
      for (const table of ["feedback", "updates", "log_refs", "temp.log_refs_tail", "logs", "versions", "files", "sessions", "projects", "otlp_pending_spans", "otlp_passed_spans"]) this.db.exec(`DELETE FROM ${table}`);
      // seq starts again at 1: nothing is indexed for text search (the delete trigger took the indexed logs out).
      this.db.exec("UPDATE logs_text_state SET indexed_to = 0; UPDATE log_refs_state SET indexed_to = 0");
    });
  }

  /** The project named `name`, or undefined. */
  projectByName(name: string): StoredProject | undefined {
    return this.sql("SELECT id, name FROM projects WHERE name = ?").get(name) as StoredProject | undefined;
  }

  /** The project with server id `id`, or undefined. */
  projectById(id: string): StoredProject | undefined {
    return this.sql("SELECT id, name FROM projects WHERE id = ?").get(id) as StoredProject | undefined;
  }

  /** The project named `name`, created when new. */
  ensureProject(name: string): StoredProject {
    const known = this.projectByName(name);
    if (known) return known;
    const project = { id: newId("pr"), name };
    this.sql("INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)").run(project.id, name, Date.now());
    return project;
  }

  /** Every project, oldest first. */
  allProjects(): StoredProject[] {
    return this.sql("SELECT id, name FROM projects ORDER BY rowid").all() as unknown as StoredProject[];
  }

  private sessionOf(row: Row | undefined): StoredSession | undefined {
    if (!row) return undefined;
    const ids = this.sql("SELECT id FROM logs WHERE session_id = ? ORDER BY seq").all(row.id as string);
    const session: StoredSession = { id: row.id as string, log_ids: ids.map((r) => r.id as string) };
    if (row.reference_id !== null) session.reference_id = row.reference_id as string;
    return session;
  }

  /** Session `id`'s server id and reference, without its log ids (cheap, for the v4 rules), or undefined. */
  sessionHead(id: string): SessionHead | undefined {
    return this.headOf(this.sql("SELECT id, reference_id FROM sessions WHERE id = ?").get(id));
  }

  /** The server id and reference of the session made for reference `ref`, without its log ids, or undefined. */
  sessionHeadByRef(ref: string): SessionHead | undefined {
    return this.headOf(this.sql("SELECT id, reference_id FROM sessions WHERE reference_id = ?").get(ref));
  }

  private headOf(row: Row | undefined): SessionHead | undefined {
    if (!row) return undefined;
    return row.reference_id === null ? { id: row.id as string } : { id: row.id as string, reference_id: row.reference_id as string };
  }

  /** The session with server id `id`, with its log ids, or undefined. */
  sessionById(id: string): StoredSession | undefined {
    return this.sessionOf(this.sql("SELECT id, reference_id FROM sessions WHERE id = ?").get(id));
  }

  /** The session made for reference `ref`, or undefined. */
  sessionByRef(ref: string): StoredSession | undefined {
    return this.sessionOf(this.sql("SELECT id, reference_id FROM sessions WHERE reference_id = ?").get(ref));
  }

  /** A new session, with reference `ref` when given. */
  createSession(ref?: string): StoredSession {
    const session: StoredSession = { id: newId("sesh"), log_ids: [] };
    if (ref !== undefined) session.reference_id = ref;
    this.sql("INSERT INTO sessions (id, reference_id, created_at) VALUES (?, ?, ?)").run(session.id, ref ?? null, Date.now());
    return session;
  }

  /** Every session, oldest first, with the ids of its logs in the order stored. */
  allSessions(): StoredSession[] {
    const sessions = new Map<string, StoredSession>();
    for (const row of this.sql("SELECT id, reference_id FROM sessions ORDER BY rowid").all()) {
      const session: StoredSession = { id: row.id as string, log_ids: [] };
      if (row.reference_id !== null) session.reference_id = row.reference_id as string;
      sessions.set(session.id, session);
    }
    for (const row of this.sql("SELECT id, session_id FROM logs WHERE session_id IS NOT NULL ORDER BY seq").all()) {
      sessions.get(row.session_id as string)?.log_ids.push(row.id as string);
    }
    return [...sessions.values()];
  }

  /** Logs of `rows` with their PATCH history attached. */
  private withUpdates(rows: unknown[]): StoredLog[] {
    const logs = rows.map((row) => rowToLog(row as LogRow));
    // Most logs have no update: one indexed probe per log, the history read only where there is one.
    const probe = this.sql("SELECT 1 FROM updates WHERE log_id = ? LIMIT 1");
    for (const log of logs) if (probe.get(log.id)) log.updates = this.updatesOf(log.id);
    return logs;
  }

  /** The log with server id `id` (with its updates), or undefined. */
  logById(id: string): StoredLog | undefined {
    return this.withUpdates(this.sql(`${LOG_SELECT} WHERE l.id = ?`).all(id))[0];
  }

  /** The logs that used `ref` as their reference_id, one per project, oldest first. */
  logsByReference(ref: string): StoredLog[] {
    return this.withUpdates(this.sql(`${LOG_SELECT} WHERE l.seq IN (${REF_SEQS(false)}) ORDER BY l.seq`).all(ref));
  }

  /** The log with reference `ref` in project `projectId`, or undefined. */
  logByReferenceIn(ref: string, projectId: string): StoredLog | undefined {
    return this.withUpdates(this.sql(`${LOG_SELECT} WHERE l.seq IN (${REF_SEQS(true)})`).all(ref, projectId))[0];
  }

  /**
   * The logs that use each of `refs` as their reference_id (id and project,
   * oldest first), in one query: a request's duplicate and parent checks.
   * References no log uses are absent from the map.
   */
  logsByReferences(refs: Iterable<string>): Map<string, ReferencedLog[]> {
    return logsByReferences(this.sql, refs);
  }

  /** How many logs are stored. */
  get logCount(): number {
    return Number(this.sql("SELECT count(*) AS n FROM logs").get()!.n);
  }

  /** Every log, in the order stored, with its updates. */
  allLogs(): StoredLog[] {
    const logs = this.sql(`${LOG_SELECT} ORDER BY l.seq`)
      .all()
      .map((row) => rowToLog(row as LogRow));
    const byId = new Map(logs.map((log) => [log.id, log]));
    for (const row of this.sql("SELECT log_id, fields, applied_at FROM updates ORDER BY seq").all()) {
      byId.get(row.log_id as string)?.updates.push(rowToUpdate(row as { fields: string; applied_at: string }));
    }
    return logs;
  }

  /**
   * Stores an accepted log (its ids already resolved; `session_id` must name
   * a stored session) and counts it in its session's summary.
   */
  addLog(log: StoredLog): void {
    this.addLogs([log]);
  }

  /**
   * Stores accepted logs, as {@link addLog} does, counting them in their
   * sessions' summaries once per session (a session's row and its list
   * indexes change once, not once per log).
   */
  addLogs(logs: readonly StoredLog[]): void {
    const tallies = new Map<string, SessionTally>();
    const insert = this.sql(INSERT_LOG);
    for (const log of logs) {
      const row = this.rowOf(log);
      insert.run(...row);
      for (const update of log.updates) this.recordUpdate(log.id, update, update.applied_at);
      const sessionId = str(log.session_id);
      if (sessionId === undefined) continue;
      const time = row[LOG_TIME_AT] as number;
      let tally = tallies.get(sessionId);
      if (!tally) tallies.set(sessionId, (tally = { count: 0, first: time, last: time, promptTokens: 0, outputTokens: 0, errors: 0, projectId: null, user: null }));
      tally.count += 1;
      tally.first = Math.min(tally.first, time);
      tally.last = Math.max(tally.last, time);
      tally.promptTokens += numberOr0(log.prompt_tokens);
      tally.outputTokens += numberOr0(log.output_tokens);
      tally.errors += typeof log.error === "string" ? 1 : 0;
      tally.projectId ??= str(log.project_id) ?? null;
      tally.user ??= userOf(log) ?? null;
    }
    const count = this.sql(COUNT_LOGS_IN_SESSION);
    for (const [id, t] of tallies) count.run(id, t.count, t.first, t.last, t.promptTokens, t.outputTokens, t.errors, t.projectId, t.user);
  }

  /** The row of `log`; a v5 log's kind and name come from its file when the log does not say. */
  private rowOf(log: StoredLog): Array<string | number | null> {
    const row = logToRow(log);
    const [kindAt, nameAt] = [LOG_COLUMNS.indexOf("kind"), LOG_COLUMNS.indexOf("name")];
    if ((row[kindAt] === null || row[nameAt] === null) && typeof log.file_id === "string") {
      const file = this.files.fileById(log.file_id);
      row[kindAt] ??= file?.kind ?? null;
      row[nameAt] ??= file?.path.split("/").pop() ?? null;
    }
    return row;
  }

  private recordUpdate(logId: string, fields: object, appliedAt: string): void {
    const kept = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== undefined && k !== "applied_at"));
    this.sql("INSERT INTO updates (log_id, fields, applied_at) VALUES (?, ?, ?)").run(logId, JSON.stringify(kept), appliedAt);
  }

  /**
   * Applies an update to `log` (the fields given replace the stored ones;
   * `undefined` ones are left alone), stores it, and keeps the update in the
   * log's history. v4 PATCH sends `output`, `error`, `duration`; v5 may send
   * any log field (`log_status`, `messages`, `inputs`, `end_time`, ...).
   */
  updateLog(log: StoredLog, update: Omit<LogUpdate, "applied_at"> | Record<string, unknown>): void {
    const appliedAt = new Date().toISOString();
    for (const [key, value] of Object.entries(update)) if (value !== undefined) log[key] = value;
    const row = this.rowOf(log);
    this.sql(UPDATE_LOG).run(...row.slice(1), log.id);
    this.recordUpdate(log.id, update, appliedAt);
    log.updates.push({ ...(Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)) as object), applied_at: appliedAt });
    const sessionId = str(log.session_id);
    if (sessionId !== undefined) this.sql(REFRESH_SESSION).run(sessionId);
  }

  /** The PATCH history of log `logId`, oldest first. */
  updatesOf(logId: string): LogUpdate[] {
    return this.sql("SELECT fields, applied_at FROM updates WHERE log_id = ? ORDER BY seq")
      .all(logId)
      .map((u) => rowToUpdate(u as { fields: string; applied_at: string }));
  }

  /** Stores accepted feedback (each `data_id` must name a stored log). */
  addFeedback(items: StoredFeedback[]): void {
    const insert = this.sql("INSERT INTO feedback (id, data_id, type, value, user, created_at, unset, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const now = new Date().toISOString();
    for (const f of items) {
      const unset = f.unset === undefined ? null : f.unset ? 1 : 0;
      insert.run(f.id, f.data_id, f.type, f.value === undefined ? null : JSON.stringify(f.value), f.user ?? null, f.created_at ?? null, unset, now);
    }
  }

  /** Every feedback item, in the order stored. */
  allFeedback(): StoredFeedback[] {
    return this.sql("SELECT * FROM feedback ORDER BY seq").all().map(rowToFeedback);
  }

  /** The feedback on log `logId`, in the order stored. */
  feedbackFor(logId: string): StoredFeedback[] {
    return this.sql("SELECT * FROM feedback WHERE data_id = ? ORDER BY seq").all(logId).map(rowToFeedback);
  }
}
