/**
 * The bridge's durable spool: a `node:sqlite` file (one per replica) holding
 * every acknowledged request body (gunzipped, as received) until all its
 * spans are finished (logged and delivered, or not logged); then only what
 * late children need (each span's anchor: the reference they attach to, and
 * the log's server id) is kept, for `retentionMillis`, then pruned. A
 * restarted bridge replays the unfinished requests. One row per request, so
 * the cost is a few writes per request, not per span. WAL with
 * `synchronous=NORMAL`: a committed write survives the process being killed
 * (not a power cut of the machine).
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Anchor } from "../server/otlp/assembler.js";
import type { RawTraces } from "../server/otlp/receiver.js";

/** What a finished span records about its log. */
export type LogOutcome = "confirmed" | "failed";

/** A finished span, as a restarted bridge needs it. */
export interface DoneSpan {
  key: string;
  anchor: Anchor;
  /** For a logged span: its delivery outcome; the server id when confirmed. */
  outcome?: LogOutcome;
  logId?: string;
}

/** An unfinished request, to replay. */
export interface PendingRequest extends RawTraces {
  id: number;
}

/** The spool. All methods are synchronous (node:sqlite). */
export class Spool {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly finish: StatementSync;
  private readonly prune: StatementSync;
  private readonly countPending: StatementSync;
  private finishes: { id: number; spans: string }[] = [];

  /** @param path file path, or `":memory:"` for no durability (what was acknowledged may be lost on a restart) */
  /** The file (or `":memory:"`). */
  readonly path: string;
  private readonly retentionMillis: number;

  constructor(path: string, retentionMillis: number) {
    this.path = path;
    this.retentionMillis = retentionMillis;
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        format TEXT NOT NULL,
        body BLOB,
        spans TEXT,
        done_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS requests_done_at ON requests (done_at);
    `);
    this.insert = this.db.prepare("INSERT INTO requests (format, body) VALUES (?, ?)");
    this.finish = this.db.prepare("UPDATE requests SET body = NULL, spans = ?, done_at = ? WHERE id = ?");
    this.prune = this.db.prepare("DELETE FROM requests WHERE done_at IS NOT NULL AND done_at < ?");
    this.countPending = this.db.prepare("SELECT COUNT(*) AS n FROM requests WHERE done_at IS NULL");
  }

  /** Writes one request's body; returns its id once it is on disk (as far as a process crash goes). */
  append(raw: RawTraces): number {
    return Number(this.insert.run(raw.format, raw.bytes).lastInsertRowid);
  }

  /** Marks request `id` finished with its spans' anchors (buffered: written by the next {@link commit}). */
  markDone(id: number, spans: DoneSpan[]): void {
    this.finishes.push({ id, spans: JSON.stringify(spans) });
  }

  /** How many finishing updates wait for {@link commit}. */
  get buffered(): number {
    return this.finishes.length;
  }

  /** Writes the buffered finishing updates. A crash before it only means those requests are replayed (and their logs found already stored). */
  commit(): void {
    if (this.finishes.length === 0) return;
    const finishes = this.finishes;
    this.finishes = [];
    const now = Date.now();
    this.db.exec("BEGIN");
    try {
      for (const f of finishes) this.finish.run(f.spans, now, f.id);
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      this.finishes.unshift(...finishes);
      throw error;
    }
  }

  /** Forgets finished requests older than the retention. */
  pruneOld(): void {
    this.prune.run(Date.now() - this.retentionMillis);
  }

  /** Requests received and not finished. */
  get pendingCount(): number {
    return Number((this.countPending.get() as { n: number | bigint }).n);
  }

  /**
   * What a restarted bridge needs: the most recent finished spans (at most
   * about `maxDone`, for late children: the rest are not read, so a long
   * retention costs disk, not memory), and the unfinished requests in the
   * order received.
   */
  load(maxDone: number): { done: DoneSpan[]; pending: PendingRequest[] } {
    const batches: DoneSpan[][] = [];
    let count = 0;
    for (const row of this.db.prepare("SELECT spans FROM requests WHERE done_at IS NOT NULL ORDER BY id DESC").iterate() as Iterable<{ spans: string | null }>) {
      if (count >= maxDone) break;
      const spans = row.spans === null ? [] : (JSON.parse(row.spans) as DoneSpan[]);
      batches.push(spans);
      count += spans.length;
    }
    const rows = this.db.prepare("SELECT id, format, body FROM requests WHERE done_at IS NULL ORDER BY id").all() as Array<{ id: number | bigint; format: string; body: Uint8Array }>;
    const pending = rows.map((row): PendingRequest => ({ id: Number(row.id), format: row.format === "json" ? "json" : "protobuf", bytes: row.body }));
    return { done: batches.reverse().flat(), pending };
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    if (!this.db.isOpen) return;
    this.commit();
    this.db.close();
  }
}
