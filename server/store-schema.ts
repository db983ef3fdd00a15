/**
 * The server's SQLite schema: the forward migrations, and opening a database
 * file safely (ours, not newer than this code, WAL, durable commits).
 *
 * A database is recognised as ours by `PRAGMA application_id`; its schema
 * version is `PRAGMA user_version`, the number of migrations applied.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { PARTIAL_INDEX_MIGRATION } from "./store-partial-indexes.js";
import { openReferenceTail, REFERENCE_INDEX_MIGRATION } from "./store-refs.js";
import { TEXT_SEARCH_MIGRATION } from "./store-text-search.js";

/** `PRAGMA application_id` of every database this server makes ("HLOT"). */
export const APPLICATION_ID = 0x484c4f54;

/** One forward migration: the SQL that takes the schema from version `n - 1` to `n` (its index + 1). */
export interface Migration {
  /** What the step does, for the record. */
  description: string;
  /** The statements, run in one transaction with the version bump. */
  sql: string;
}

/**
 * The migrations, oldest first. Never edit a released step: append a new one
 * (a database made by this version then opens in the next).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    description: "projects, sessions (with list summary), logs, updates, feedback, v5 files and versions",
    sql: `
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  reference_id TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  project_id TEXT,
  user TEXT,
  first_at INTEGER,
  last_at INTEGER,
  log_count INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  error_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_last ON sessions (last_at DESC);
CREATE INDEX sessions_by_project_last ON sessions (project_id, last_at DESC);
CREATE INDEX sessions_by_user_last ON sessions (user, last_at DESC);
CREATE TABLE files (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('prompt', 'tool', 'flow', 'evaluator')),
  path TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE versions (
  id TEXT PRIMARY KEY,
  file_id TEXT NOT NULL REFERENCES files (id),
  kernel TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (file_id, hash)
);
CREATE TABLE logs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  api_version TEXT NOT NULL DEFAULT 'v4' CHECK (api_version IN ('v4', 'v5')),
  project_id TEXT REFERENCES projects (id),
  session_id TEXT REFERENCES sessions (id),
  parent_id TEXT,
  parent_reference_id TEXT,
  reference_id TEXT,
  file_id TEXT REFERENCES files (id),
  version_id TEXT REFERENCES versions (id),
  trace_parent_id TEXT,
  log_status TEXT CHECK (log_status IN ('incomplete', 'complete')),
  kind TEXT,
  name TEXT,
  model TEXT,
  provider TEXT,
  user TEXT,
  source TEXT,
  environment TEXT,
  config TEXT,
  messages TEXT,
  output TEXT,
  output_message TEXT,
  inputs TEXT,
  metadata TEXT,
  feedback TEXT,
  error TEXT,
  prompt_tokens INTEGER,
  output_tokens INTEGER,
  prompt_cost REAL,
  output_cost REAL,
  duration REAL,
  created_at TEXT,
  start_time TEXT,
  end_time TEXT,
  log_time INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  extra TEXT
);
CREATE INDEX logs_by_session ON logs (session_id, seq);
CREATE INDEX logs_by_parent ON logs (parent_id);
CREATE INDEX logs_by_trace_parent ON logs (trace_parent_id);
CREATE INDEX logs_by_reference ON logs (reference_id, project_id) WHERE reference_id IS NOT NULL;
CREATE INDEX logs_by_file ON logs (file_id, seq);
CREATE INDEX logs_roots_by_time ON logs (log_time DESC) WHERE session_id IS NULL AND parent_id IS NULL AND trace_parent_id IS NULL;
CREATE TABLE updates (
  seq INTEGER PRIMARY KEY,
  log_id TEXT NOT NULL REFERENCES logs (id),
  fields TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE INDEX updates_by_log ON updates (log_id, seq);
CREATE TABLE feedback (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  data_id TEXT NOT NULL REFERENCES logs (id),
  type TEXT NOT NULL,
  value TEXT,
  user TEXT,
  created_at TEXT,
  unset INTEGER,
  received_at TEXT NOT NULL
);
CREATE INDEX feedback_by_log ON feedback (data_id, seq);
`,
  },
  {
    description: "OTLP spans waiting for their parent (acknowledged, not stored as logs yet), and recently passed-through spans, see server/store-pending.ts",
    sql: `
CREATE TABLE otlp_pending_spans (
  key TEXT PRIMARY KEY,
  since INTEGER NOT NULL,
  span TEXT NOT NULL
);
CREATE INDEX otlp_pending_by_since ON otlp_pending_spans (since);
CREATE TABLE otlp_passed_spans (
  key TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  anchor TEXT NOT NULL
);
CREATE INDEX otlp_passed_by_at ON otlp_passed_spans (at);
`,
  },
  TEXT_SEARCH_MIGRATION,
  PARTIAL_INDEX_MIGRATION,
  REFERENCE_INDEX_MIGRATION,
];

/** A database that cannot be used, with a message that says what to do. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /**
   * `PRAGMA synchronous` for a file database; default `"full"`: every commit
   * is fsynced before the server answers, so an acknowledged request survives
   * a power loss, not only a `kill -9` of the server (which `"normal"` in WAL
   * mode also survives: the WAL is written before the answer, and the OS keeps it).
   */
  synchronous?: "full" | "normal";
  /** The migrations to apply; default {@link MIGRATIONS} (tests pass a longer list to play a newer version). */
  migrations?: readonly Migration[];
}

function notOurs(path: string, why: string): StoreOpenError {
  return new StoreOpenError(
    `${path} is not a humanloop-otel database (${why}). Point --db (or HUMANLOOP_SERVER_DB) at a new file, or move that file away.`,
  );
}

/** Applies the migrations the database does not have yet, each in its own transaction. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
  for (let version = current + 1; version <= migrations.length; version += 1) {
    db.exec("BEGIN IMMEDIATE");
    try {
      if (version === 1) db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.exec(migrations[version - 1]!.sql);
      db.exec(`PRAGMA user_version = ${version}`);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}

/**
 * Opens (creating when missing, with its folder) the database at `path`, or
 * an in-memory one for `":memory:"`, and brings its schema up to date.
 * Throws {@link StoreOpenError} for a file that is not ours (another SQLite
 * database, a text file) or was made by a newer version of this code.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const migrations = options.migrations ?? MIGRATIONS;
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  try {
    let appId: number;
    try {
      appId = Number((db.prepare("PRAGMA application_id").get() as { application_id: number }).application_id);
    } catch (error) {
      throw notOurs(path, (error as Error).message);
    }
    const version = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
    const tables = Number((db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n);
    if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0 || version > 0)) {
      throw notOurs(path, appId === 0 ? "it holds tables this server did not make" : `its application_id is ${appId}`);
    }
    if (version > migrations.length) {
      throw new StoreOpenError(
        `${path} was made by a newer humanloop-otel (schema version ${version}; this one knows up to ${migrations.length}). ` +
          "Upgrade humanloop-otel, or point --db (or HUMANLOOP_SERVER_DB) at another file.",
      );
    }
    db.exec("PRAGMA busy_timeout = 5000");
    if (path !== ":memory:") {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(`PRAGMA synchronous = ${(options.synchronous ?? "full").toUpperCase()}`);
      // Checkpoint every 10,000 WAL pages (about 40 MB) rather than SQLite's 1,000: a page changed by many
      // commits (an index's, the table's last) is copied into the database once per checkpoint, and the
      // database file is fsynced less often. Over 1,000,000 logs this took ingest from 13,700 to 19,200 logs/s.
      // The WAL file is cut back to 64 MB after a checkpoint.
      db.exec("PRAGMA wal_autocheckpoint = 10000");
      db.exec("PRAGMA journal_size_limit = 67108864");
    }
    db.exec("PRAGMA foreign_keys = OFF");
    // Temporary tables (the reference tail, see store-refs.ts) live in memory, never in a file.
    db.exec("PRAGMA temp_store = MEMORY");
    migrate(db, migrations);
    if (migrations.includes(REFERENCE_INDEX_MIGRATION)) openReferenceTail(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
