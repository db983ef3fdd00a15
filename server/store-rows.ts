/**
 * A stored log as a row of the `logs` table and back: the known fields get
 * their own columns (JSON text for objects), anything else goes to `extra`,
 * and a few derived columns (kind, name, model, provider, log time) serve
 * the viewer's lists. Pure functions.
 */
import type { LogUpdate, StoredFeedback, StoredLog } from "./types.js";

type ColumnKind = "text" | "num" | "json";

/** Log fields with a column of their own, and how the value is kept. */
const FIELD_COLUMNS: ReadonlyArray<readonly [string, ColumnKind]> = [
  ["api_version", "text"],
  ["project_id", "text"],
  ["session_id", "text"],
  ["parent_id", "text"],
  ["parent_reference_id", "text"],
  ["reference_id", "text"],
  ["file_id", "text"],
  ["version_id", "text"],
  ["trace_parent_id", "text"],
  ["log_status", "text"],
  ["user", "text"],
  ["source", "text"],
  ["environment", "text"],
  ["config", "json"],
  ["messages", "json"],
  ["output", "text"],
  ["output_message", "json"],
  ["inputs", "json"],
  ["metadata", "json"],
  ["feedback", "json"],
  ["error", "text"],
  ["prompt_tokens", "num"],
  ["output_tokens", "num"],
  ["prompt_cost", "num"],
  ["output_cost", "num"],
  ["duration", "num"],
  ["created_at", "text"],
  ["start_time", "text"],
  ["end_time", "text"],
  ["received_at", "text"],
];

const FIELD_KIND = new Map(FIELD_COLUMNS);

/** Fields filled from joins on read, never kept in `extra`. */
const JOINED = new Set(["id", "project", "session_reference_id", "updates"]);

/** Columns computed from the log for lists and ordering. */
const DERIVED = ["kind", "name", "model", "provider", "log_time"] as const;

/** Every column written for a log, in a fixed order (for prepared statements). */
export const LOG_COLUMNS: readonly string[] = ["id", ...FIELD_COLUMNS.map(([f]) => f), ...DERIVED, "extra"];

type SqlValue = string | number | null;

function fits(kind: ColumnKind, value: unknown): boolean {
  if (kind === "text") return typeof value === "string";
  if (kind === "num") return typeof value === "number" && Number.isFinite(value);
  return true;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Milliseconds since the epoch of an RFC 3339 string (no offset read as UTC), or undefined. */
export function timeOf(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(text) || !text.includes("T") ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

/** What a list shows for a log: v4 config type or v5 file kind, a name, model and provider. */
function derived(log: StoredLog): Record<(typeof DERIVED)[number], SqlValue> {
  const kernel = (["prompt", "tool", "flow", "evaluator"] as const).find((k) => record(log[k]) !== undefined);
  const config = record(log.config) ?? (kernel ? record(log[kernel]) : undefined) ?? {};
  const fn = record(config.function);
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const path = str(log.path);
  return {
    kind: str(config.type) ?? kernel ?? null,
    name: str(config.name) ?? str(fn?.name) ?? (path ? path.split("/").pop()! : null) ?? str(config.model),
    model: str(config.model),
    provider: str(config.provider),
    log_time: timeOf(log.start_time) ?? timeOf(log.created_at) ?? timeOf(log.received_at) ?? Date.now(),
  };
}

const COLUMN_AT = new Map(LOG_COLUMNS.map((column, i) => [column, i]));
const [ID_AT, API_VERSION_AT, EXTRA_AT] = ["id", "api_version", "extra"].map((column) => COLUMN_AT.get(column)!) as [number, number, number];
const DERIVED_AT = DERIVED.map((column) => [column, COLUMN_AT.get(column)!] as const);

/** The column values of `log`, in {@link LOG_COLUMNS} order. */
export function logToRow(log: StoredLog): SqlValue[] {
  const row: SqlValue[] = new Array<SqlValue>(LOG_COLUMNS.length).fill(null);
  row[ID_AT] = log.id;
  row[API_VERSION_AT] = "v4";
  const made = derived(log);
  for (const [column, at] of DERIVED_AT) row[at] = made[column];
  let extra: Record<string, unknown> | undefined;
  for (const key in log) {
    const value = log[key];
    if (value === undefined || value === null || JOINED.has(key)) continue;
    const kind = FIELD_KIND.get(key);
    if (kind !== undefined && fits(kind, value)) {
      row[COLUMN_AT.get(key)!] = kind === "json" ? JSON.stringify(value) : (value as string | number);
    } else (extra ??= {})[key] = value;
  }
  row[EXTRA_AT] = extra === undefined ? null : JSON.stringify(extra);
  return row;
}

/** A `logs` row joined with its project name and session reference (see {@link LOG_SELECT}). */
export type LogRow = Record<string, SqlValue>;

/** The SELECT list and joins that {@link rowToLog} reads. */
export const LOG_SELECT = `SELECT l.*, p.name AS project_name, s.reference_id AS session_ref
  FROM logs l LEFT JOIN projects p ON p.id = l.project_id LEFT JOIN sessions s ON s.id = l.session_id`;

/** The stored log of a row (without its updates, which {@link attachUpdates} adds). */
export function rowToLog(row: LogRow): StoredLog {
  const log: Record<string, unknown> = { id: row.id };
  if (row.project_name !== null) log.project = row.project_name;
  for (const [field, kind] of FIELD_COLUMNS) {
    const value = row[field];
    if (value === null || value === undefined) continue;
    if (field === "api_version" && value === "v4") continue;
    log[field] = kind === "json" ? JSON.parse(value as string) : value;
  }
  if (row.session_ref !== null && row.session_ref !== undefined) log.session_reference_id = row.session_ref;
  if (typeof row.extra === "string") Object.assign(log, JSON.parse(row.extra));
  log.updates = [];
  return log as StoredLog;
}

/** An `updates` row as the {@link LogUpdate} it records. */
export function rowToUpdate(row: { fields: string; applied_at: string }): LogUpdate {
  return { ...(JSON.parse(row.fields) as Omit<LogUpdate, "applied_at">), applied_at: row.applied_at };
}

/** A `feedback` row as the {@link StoredFeedback} it records. */
export function rowToFeedback(row: Record<string, unknown>): StoredFeedback {
  const f: StoredFeedback = { id: row.id as string, data_id: row.data_id as string, type: row.type as string };
  if (row.value !== null) f.value = JSON.parse(row.value as string);
  if (row.user !== null) f.user = row.user as string;
  if (row.created_at !== null) f.created_at = row.created_at as string;
  if (row.unset !== null) f.unset = row.unset === 1;
  return f;
}
