/**
 * The OTLP spans the server acknowledged that wait for their parent (table
 * `otlp_pending_spans`, schema migration 2). They are written in the same
 * transaction as the request's stored logs, so a 200 on `POST /v1/traces`
 * means every span of the request is either a stored log or a row here, and
 * a restarted server picks the waits up where they were. A row is deleted in
 * the transaction that stores the span's log (or passes it through).
 * Spans passed through (not logged: HTTP, database) are kept a while in
 * `otlp_passed_spans` with what their children attach to, so a child that
 * comes after a restart still finds its logged ancestor.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { OtlpSpan } from "./otlp/otlp-span.js";
import { REF_SEQS } from "./store-refs.js";

/** One waiting span as kept. */
export interface PendingSpan {
  /** `spanKey` of the span (trace id and span id). */
  key: string;
  /** When its wait began (epoch ms). */
  since: number;
  span: OtlpSpan;
}

/** What the children of a stored or passed-through span attach to (the assembler's `Anchor`). */
export interface StoredAnchor {
  ref?: string;
  session?: string;
  reason?: string;
}

/** Reads and writes `otlp_pending_spans`, and looks up the stored log of a span for late children. */
export class PendingSpanStore {
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  /** Keeps `span` as waiting since `since` (a span already kept is left as it is: a sender's retry). */
  add(key: string, since: number, span: OtlpSpan): void {
    this.sql("INSERT OR IGNORE INTO otlp_pending_spans (key, since, span) VALUES (?, ?, ?)").run(key, since, JSON.stringify(span));
  }

  /** Forgets the waiting span `key` (its log is stored, or it was passed through). */
  remove(key: string): void {
    this.sql("DELETE FROM otlp_pending_spans WHERE key = ?").run(key);
  }

  /** Every waiting span, in the order their waits began. */
  all(): PendingSpan[] {
    return this.sql("SELECT key, since, span FROM otlp_pending_spans ORDER BY since, rowid")
      .all()
      .map((row) => ({ key: row.key as string, since: Number(row.since), span: JSON.parse(row.span as string) as OtlpSpan }));
  }

  /** How many spans wait. */
  count(): number {
    return Number(this.sql("SELECT count(*) AS n FROM otlp_pending_spans").get()!.n);
  }

  /** Forgets every waiting and passed-through span. */
  clear(): void {
    this.db.exec("DELETE FROM otlp_pending_spans");
    this.db.exec("DELETE FROM otlp_passed_spans");
  }

  /** Keeps what the children of the passed-through span `key` attach to. */
  addPassed(key: string, anchor: StoredAnchor, at: number): void {
    this.sql("INSERT OR REPLACE INTO otlp_passed_spans (key, at, anchor) VALUES (?, ?, ?)").run(key, at, JSON.stringify(anchor));
  }

  /** Forgets the passed-through spans kept before `before` (epoch ms). */
  prunePassed(before: number): void {
    this.sql("DELETE FROM otlp_passed_spans WHERE at < ?").run(before);
  }

  /** What the children of span `key` attach to: its stored log, or its kept pass-through record; undefined when neither is there. */
  anchorOf(key: string): StoredAnchor | undefined {
    const passed = this.sql("SELECT anchor FROM otlp_passed_spans WHERE key = ?").get(key);
    return passed ? (JSON.parse(passed.anchor as string) as StoredAnchor) : this.storedAnchor(key);
  }

  /** The stored log whose reference is `ref` (a span key), as its children attach to it; undefined when none is stored. */
  storedAnchor(ref: string): StoredAnchor | undefined {
    const row = this.sql(
      `SELECT l.reference_id AS ref, s.reference_id AS session FROM logs l LEFT JOIN sessions s ON s.id = l.session_id WHERE l.seq IN (${REF_SEQS(false)}) ORDER BY l.seq LIMIT 1`,
    ).get(ref);
    if (!row) return undefined;
    return row.session === null || row.session === undefined ? { ref: row.ref as string } : { ref: row.ref as string, session: row.session as string };
  }
}
