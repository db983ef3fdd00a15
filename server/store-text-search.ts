/**
 * Schema step: full-text search over the log text the viewer's `text`
 * filter reads (name, reference, output, error, messages, inputs), as an
 * FTS5 table with the trigram tokenizer, so a substring search is an index
 * lookup instead of a scan of every log. `detail=none` (no positions: about
 * half the insert cost of a full index) finds the logs that hold every
 * trigram of the text; the caller confirms the substring with LIKE on those
 * rows only. The index is kept by triggers on
 * `logs` (insert, update of those columns, delete) and filled from the logs
 * already stored when the step runs. Self-contained: store-schema.ts appends
 * it to the migration list.
 */
import type { Migration } from "./store-schema.js";

/** The columns of `logs` the text filter searches, in the FTS table's column order. */
export const SEARCHED_COLUMNS = ["name", "reference_id", "output", "error", "messages", "inputs"] as const;

const cols = SEARCHED_COLUMNS.join(", ");
const values = (prefix: string) => SEARCHED_COLUMNS.map((c) => `${prefix}.${c}`).join(", ");

/** The migration that adds `logs_text` (external content over `logs`, rowid = `logs.seq`), its triggers and its backfill. */
export const TEXT_SEARCH_MIGRATION: Migration = {
  description: "logs_text: FTS5 trigram index over the searched log text, kept by triggers, backfilled",
  sql: `
CREATE VIRTUAL TABLE logs_text USING fts5(${cols}, content='logs', content_rowid='seq', tokenize='trigram', detail='none');
CREATE TRIGGER logs_text_insert AFTER INSERT ON logs BEGIN
  INSERT INTO logs_text (rowid, ${cols}) VALUES (new.seq, ${values("new")});
END;
CREATE TRIGGER logs_text_delete AFTER DELETE ON logs BEGIN
  INSERT INTO logs_text (logs_text, rowid, ${cols}) VALUES ('delete', old.seq, ${values("old")});
END;
CREATE TRIGGER logs_text_update AFTER UPDATE OF ${cols} ON logs BEGIN
  INSERT INTO logs_text (logs_text, rowid, ${cols}) VALUES ('delete', old.seq, ${values("old")});
  INSERT INTO logs_text (rowid, ${cols}) VALUES (new.seq, ${values("new")});
END;
INSERT INTO logs_text (logs_text, rank) VALUES ('automerge', 16);
INSERT INTO logs_text (logs_text) VALUES ('rebuild');
`,
};

/**
 * The FTS5 query for the logs that hold every trigram of `text` (folded to
 * lower case: a superset of the logs where `text` is a substring, which the
 * caller confirms with LIKE), or undefined when `text` is shorter than a
 * trigram (3 characters): the caller then scans with LIKE.
 */
export function trigramQuery(text: string): string | undefined {
  const chars = [...text];
  if (chars.length < 3) return undefined;
  const trigrams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i += 1) trigrams.add(chars.slice(i, i + 3).join(""));
  return [...trigrams].map((t) => `"${t.replaceAll('"', '""')}"`).join(" AND ");
}
