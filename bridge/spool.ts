/**
 * The bridge's durable spool: a `node:sqlite` file (one per replica) holding
 * every received span until its log is delivered, so a 200 to the sender
 * means the spans survive a crash of the bridge. Rows: a span (JSON) while
 * pending; once resolved and delivered, only what late children need (the
 * anchor: the reference they attach to, and the log's server id), kept for
 * `retentionMillis`, then pruned. A restarted bridge replays what is
 * pending. WAL with `synchronous=NORMAL`: a committed write survives the
 * process being killed (not a power cut of the machine).
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Anchor } from "../server/otlp/assembler.js";
import { spanKey, type OtlpSpan } from "../server/otlp/otlp-span.js";

/** What a finished row records about a log. */
export type LogOutcome = "confirmed" | "failed";

/** A finished span, as a restarted bridge needs it. */
export interface DoneSpan {
  key: string;
  anchor: Anchor;
  /** For a logged span: its delivery outcome; the server id when confirmed. */
  outcome?: LogOutcome;
  logId?: string;
}

/** One finishing update, buffered until the next {@link Spool.commit}. */
interface Finish {
  key: string;
  anchor: string;
  outcome: LogOutcome | null;
  logId: string | null;
}

/** The spool. All methods are synchronous (node:sqlite). */
export class Spool {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly finish: StatementSync;
  private readonly prune: StatementSync;
  private readonly countPending: StatementSync;
  private finishes: Finish[] = [];

  /** @param path file path, or `":memory:"` for no durability (tests, or a bridge that may lose what it acknowledged) */
  constructor(
    readonly path: string,
    private readonly retentionMillis: number,
  ) {
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS spans (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        span TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        anchor TEXT,
        outcome TEXT,
        log_id TEXT,
        done_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS spans_done_at ON spans (done, done_at);
    `);
    this.insert = this.db.prepare("INSERT OR IGNORE INTO spans (key, span) VALUES (?, ?)");
    this.finish = this.db.prepare("UPDATE spans SET span = NULL, done = 1, anchor = ?, outcome = ?, log_id = ?, done_at = ? WHERE key = ?");
    this.prune = this.db.prepare("DELETE FROM spans WHERE done = 1 AND done_at < ?");
    this.countPending = this.db.prepare("SELECT COUNT(*) AS n FROM spans WHERE done = 0");
  }

  /** Writes the spans of one request in one transaction; returns once they are on disk (as far as a process crash goes). */
  append(spans: OtlpSpan[]): void {
    this.transaction(() => {
      for (const span of spans) this.insert.run(spanKey(span.traceId, span.spanId), JSON.stringify(span));
    });
  }

  /** Marks a span finished (buffered: written by the next {@link commit}). */
  markDone(key: string, anchor: Anchor, outcome?: LogOutcome, logId?: string): void {
    this.finishes.push({ key, anchor: JSON.stringify(anchor), outcome: outcome ?? null, logId: logId ?? null });
  }

  /** How many finishing updates wait for {@link commit}. */
  get buffered(): number {
    return this.finishes.length;
  }

  /** Writes the buffered finishing updates. A crash before it only means those spans are replayed (and found already stored). */
  commit(): void {
    if (this.finishes.length === 0) return;
    const finishes = this.finishes;
    this.finishes = [];
    const now = Date.now();
    this.transaction(() => {
      for (const f of finishes) this.finish.run(f.anchor, f.outcome, f.logId, now, f.key);
    });
  }

  /** Forgets finished spans older than the retention. */
  pruneOld(): void {
    this.prune.run(Date.now() - this.retentionMillis);
  }

  /** Spans received and not finished. */
  get pendingCount(): number {
    return Number((this.countPending.get() as { n: number | bigint }).n);
  }

  /** What a restarted bridge needs: finished spans (for late children), then the pending ones in the order received. */
  load(): { done: DoneSpan[]; pending: OtlpSpan[] } {
    const done: DoneSpan[] = [];
    const pending: OtlpSpan[] = [];
    const rows = this.db.prepare("SELECT key, span, done, anchor, outcome, log_id FROM spans ORDER BY seq").all() as Array<{
      key: string;
      span: string | null;
      done: number;
      anchor: string | null;
      outcome: string | null;
      log_id: string | null;
    }>;
    for (const row of rows) {
      if (row.done === 0 && row.span !== null) pending.push(JSON.parse(row.span) as OtlpSpan);
      else if (row.done === 1 && row.anchor !== null) {
        const entry: DoneSpan = { key: row.key, anchor: JSON.parse(row.anchor) as Anchor };
        if (row.outcome === "confirmed" || row.outcome === "failed") entry.outcome = row.outcome;
        if (row.log_id !== null) entry.logId = row.log_id;
        done.push(entry);
      }
    }
    return { done, pending };
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    if (!this.db.isOpen) return;
    this.commit();
    this.db.close();
  }

  private transaction(work: () => void): void {
    this.db.exec("BEGIN");
    try {
      work();
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }
}
