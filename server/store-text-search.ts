/**
 * Schema step: full-text search over the log text the viewer's `text`
 * filter reads (name, reference, output, error, messages, inputs), as an
 * FTS5 table with the trigram tokenizer, so a substring search is an index
 * lookup instead of a scan of every log. `detail=none` (no positions: about
 * half the insert cost of a full index) finds the logs that hold every
 * trigram of the text; the caller confirms the substring with LIKE on those
 * rows only.
 *
 * The index is brought up to date when a search needs it ({@link catchUp}),
 * not on every insert: indexing costs about as much CPU as the insert itself,
 * and ingest (durable acknowledgements) is the server's hot path.
 * `logs_text_state.indexed_to` is the last `logs.seq` indexed; triggers keep
 * the rows already indexed right when they are updated or deleted. Adding
 * the step indexes nothing: the first search does. Self-contained:
 * store-schema.ts appends it to the migration list.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Migration } from "./store-schema.js";

/** The columns of `logs` the text filter searches, in the FTS table's column order. */
export const SEARCHED_COLUMNS = ["name", "reference_id", "output", "error", "messages", "inputs"] as const;

const cols = SEARCHED_COLUMNS.join(", ");
const values = (prefix: string) => SEARCHED_COLUMNS.map((c) => `${prefix}.${c}`).join(", ");
const INDEXED = "old.seq <= (SELECT indexed_to FROM logs_text_state)";

/** The migration that adds `logs_text` (external content over `logs`, rowid = `logs.seq`), its state and triggers. */
export const TEXT_SEARCH_MIGRATION: Migration = {
  description: "logs_text: FTS5 trigram index over the searched log text, caught up on search, kept right by triggers",
  sql: `
CREATE VIRTUAL TABLE logs_text USING fts5(${cols}, content='logs', content_rowid='seq', tokenize='trigram', detail='none');
INSERT INTO logs_text (logs_text, rank) VALUES ('automerge', 16);
CREATE TABLE logs_text_state (indexed_to INTEGER NOT NULL);
INSERT INTO logs_text_state (indexed_to) VALUES (0);
CREATE TRIGGER logs_text_delete AFTER DELETE ON logs WHEN ${INDEXED} BEGIN
  INSERT INTO logs_text (logs_text, rowid, ${cols}) VALUES ('delete', old.seq, ${values("old")});
END;
CREATE TRIGGER logs_text_update AFTER UPDATE OF ${cols} ON logs WHEN ${INDEXED} BEGIN
  INSERT INTO logs_text (logs_text, rowid, ${cols}) VALUES ('delete', old.seq, ${values("old")});
  INSERT INTO logs_text (rowid, ${cols}) VALUES (new.seq, ${values("new")});
END;
`,
};

/**
 * Indexes the logs stored since the last call (in one transaction, joining
 * the caller's when there is one). Call before reading `logs_text`.
 */
export function catchUp(db: DatabaseSync): void {
  const state = db.prepare("SELECT indexed_to AS at, (SELECT coalesce(max(seq), 0) FROM logs) AS last FROM logs_text_state").get()!;
  if (Number(state.last) === Number(state.at)) return;
  const own = !db.isTransaction;
  if (own) db.exec("BEGIN IMMEDIATE");
  try {
    if (Number(state.last) < Number(state.at)) {
      // Logs were deleted (the store was cleared) and seq went back: index again from scratch.
      db.exec("INSERT INTO logs_text (logs_text) VALUES ('delete-all'); UPDATE logs_text_state SET indexed_to = 0");
    }
    db.exec(`INSERT INTO logs_text (rowid, ${cols}) SELECT seq, ${cols} FROM logs WHERE seq > (SELECT indexed_to FROM logs_text_state) ORDER BY seq`);
    db.exec("UPDATE logs_text_state SET indexed_to = (SELECT coalesce(max(seq), 0) FROM logs)");
    if (own) db.exec("COMMIT");
  } catch (error) {
    if (own && db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

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
