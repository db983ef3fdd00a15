/**
 * Schema step and upkeep: finding logs by `reference_id` without a random
 * index on the ingest path.
 *
 * References are the exporter's `<trace id>-<span id>`, random hex. Kept in
 * an index on `logs`, every log inserted dirtied a page of that index at a
 * random place, and every commit wrote each such page (4 KB) to the WAL and
 * fsynced it: with durable acknowledgements, about half of an ingest's cost.
 *
 * Instead, `log_refs` (reference, project, seq) is the index of the logs up to
 * `log_refs_state.indexed_to`, written in bulk and in key order
 * ({@link catchUpReferences}), so each of its pages is written once per
 * catch-up instead of once per commit. The logs stored since are found in
 * `temp.log_refs_tail`, an in-memory table filled by a temporary trigger:
 * part of the same transactions (a rolled-back request takes its entries
 * with it), never written to disk, and rebuilt from `logs` when the database
 * is opened ({@link openReferenceTail}). Lookups read both
 * ({@link REF_SEQS}). Self-contained: store-schema.ts appends the migration,
 * store.ts calls the upkeep.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Migration } from "./store-schema.js";

/** The migration that moves the reference index from `logs` to `log_refs`. */
export const REFERENCE_INDEX_MIGRATION: Migration = {
  description: "log_refs: the reference index kept apart, caught up in bulk (logs since in an in-memory tail); logs_by_reference dropped",
  sql: `
CREATE TABLE log_refs (
  reference_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (reference_id, project_id, seq)
) WITHOUT ROWID;
INSERT INTO log_refs SELECT reference_id, coalesce(project_id, ''), seq FROM logs WHERE reference_id IS NOT NULL ORDER BY 1, 2, 3;
CREATE TABLE log_refs_state (indexed_to INTEGER NOT NULL);
INSERT INTO log_refs_state SELECT coalesce(max(seq), 0) FROM logs;
DROP INDEX logs_by_reference;
`,
};

/** A stored log found by its reference: its server id and project. */
export interface ReferencedLog {
  id: string;
  project_id: string | null;
}

const REFS_LOOKUP = `WITH wanted (ref) AS (SELECT value FROM json_each(?1)),
  hits (ref, seq) AS (
    SELECT t.reference_id, t.seq FROM temp.log_refs_tail t JOIN wanted w ON t.reference_id = w.ref
    UNION ALL SELECT m.reference_id, m.seq FROM main.log_refs m JOIN wanted w ON m.reference_id = w.ref)
  SELECT h.ref AS ref, l.id AS id, l.project_id AS project_id FROM hits h JOIN logs l ON l.seq = h.seq ORDER BY l.seq`;

/**
 * The logs that use each of `refs` as their reference_id (oldest first), in
 * one query over the index and the tail; references no log uses are absent.
 */
export function logsByReferences(sql: (text: string) => StatementSync, refs: Iterable<string>): Map<string, ReferencedLog[]> {
  const found = new Map<string, ReferencedLog[]>();
  const wanted = [...new Set(refs)];
  if (wanted.length === 0) return found;
  for (const row of sql(REFS_LOOKUP).all(JSON.stringify(wanted))) {
    const ref = row.ref as string;
    let logs = found.get(ref);
    if (!logs) found.set(ref, (logs = []));
    logs.push({ id: row.id as string, project_id: row.project_id as string | null });
  }
  return found;
}

/** How many logs may wait in the in-memory tail before they are indexed (about 100 bytes each). */
export const REFERENCE_TAIL_LIMIT = 20_000;

/**
 * The `seq` of the logs with reference `?1` (and project `?2` when
 * `inProject`), indexed or in the tail: a subquery for `seq IN (...)`.
 */
export function REF_SEQS(inProject: boolean): string {
  const where = inProject ? "reference_id = ?1 AND project_id = ?2" : "reference_id = ?1";
  return `SELECT seq FROM temp.log_refs_tail WHERE ${where} UNION ALL SELECT seq FROM main.log_refs WHERE ${where}`;
}

/**
 * Makes the in-memory tail and the temporary triggers that keep it (and
 * `log_refs`) right as logs are inserted, re-referenced or deleted, and
 * fills it with the logs not indexed yet. Call once per connection, after
 * the migrations.
 */
export function openReferenceTail(db: DatabaseSync): void {
  db.exec(`
CREATE TEMP TABLE log_refs_tail (
  reference_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (reference_id, project_id, seq)
) WITHOUT ROWID;
CREATE TEMP TRIGGER log_refs_on_insert AFTER INSERT ON main.logs WHEN new.reference_id IS NOT NULL BEGIN
  INSERT INTO temp.log_refs_tail VALUES (new.reference_id, coalesce(new.project_id, ''), new.seq);
END;
CREATE TEMP TRIGGER log_refs_on_change AFTER UPDATE OF reference_id, project_id ON main.logs
  WHEN old.reference_id IS NOT new.reference_id OR old.project_id IS NOT new.project_id BEGIN
  DELETE FROM temp.log_refs_tail WHERE reference_id = old.reference_id AND project_id = coalesce(old.project_id, '') AND seq = old.seq;
  DELETE FROM main.log_refs WHERE reference_id = old.reference_id AND project_id = coalesce(old.project_id, '') AND seq = old.seq;
  INSERT INTO temp.log_refs_tail SELECT new.reference_id, coalesce(new.project_id, ''), new.seq WHERE new.reference_id IS NOT NULL;
END;
CREATE TEMP TRIGGER log_refs_on_delete AFTER DELETE ON main.logs WHEN old.reference_id IS NOT NULL BEGIN
  DELETE FROM temp.log_refs_tail WHERE reference_id = old.reference_id AND project_id = coalesce(old.project_id, '') AND seq = old.seq;
  DELETE FROM main.log_refs WHERE reference_id = old.reference_id AND project_id = coalesce(old.project_id, '') AND seq = old.seq;
END;
INSERT INTO temp.log_refs_tail
  SELECT reference_id, coalesce(project_id, ''), seq FROM main.logs
  WHERE seq > (SELECT indexed_to FROM main.log_refs_state) AND reference_id IS NOT NULL;
`);
}

/**
 * How many logs were stored since the last catch-up (an upper bound of the
 * tail's size, read from the rowids: no scan). Asked after every commit, so
 * through the caller's cached statements.
 */
export function referenceTailSize(sql: (text: string) => StatementSync): number {
  const row = sql("SELECT coalesce((SELECT max(seq) FROM main.logs), 0) - indexed_to AS n FROM main.log_refs_state").get()!;
  return Number(row.n);
}

/**
 * Moves the tail into `log_refs` (in key order) in one transaction, joining
 * the caller's when there is one. After a clear (`seq` went back) the state
 * is only reset.
 */
export function catchUpReferences(db: DatabaseSync): void {
  const own = !db.isTransaction;
  if (own) db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(`
INSERT INTO main.log_refs SELECT reference_id, project_id, seq FROM temp.log_refs_tail ORDER BY 1, 2, 3;
DELETE FROM temp.log_refs_tail;
UPDATE main.log_refs_state SET indexed_to = coalesce((SELECT max(seq) FROM main.logs), 0);
`);
    if (own) db.exec("COMMIT");
  } catch (error) {
    if (own && db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
