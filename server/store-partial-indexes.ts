/**
 * Schema step: the `logs` indexes on columns most logs leave empty (parent,
 * trace parent, file, session) become partial (`WHERE col IS NOT NULL`), so
 * an insert of a v4 log without a parent writes no entry into the parent,
 * trace-parent and file indexes. Every query on them compares the column
 * with a value (`col = ?`), which SQLite knows implies `col IS NOT NULL`, so
 * the same indexes serve the same queries. Self-contained: store-schema.ts
 * appends it to the migration list.
 */
import type { Migration } from "./store-schema.js";

/** The migration that rebuilds the four indexes as partial ones. */
export const PARTIAL_INDEX_MIGRATION: Migration = {
  description: "logs_by_parent, logs_by_trace_parent, logs_by_file, logs_by_session: partial (only logs that have the column)",
  sql: `
DROP INDEX logs_by_parent;
DROP INDEX logs_by_trace_parent;
DROP INDEX logs_by_file;
DROP INDEX logs_by_session;
CREATE INDEX logs_by_parent ON logs (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX logs_by_trace_parent ON logs (trace_parent_id) WHERE trace_parent_id IS NOT NULL;
CREATE INDEX logs_by_file ON logs (file_id, seq) WHERE file_id IS NOT NULL;
CREATE INDEX logs_by_session ON logs (session_id, seq) WHERE session_id IS NOT NULL;
`,
};
