/**
 * Group commit: the requests that arrive while the event loop is busy are
 * written in one SQLite transaction, each inside its own savepoint (so each
 * keeps its all-or-nothing answer), and committed with one fsync; only then
 * is each answered. Acknowledgement still follows the durable commit, but
 * concurrent clients share the commit's cost instead of paying one fsync
 * per request. With a {@link WalSync}, the group commits without syncing and
 * its answers wait for the WAL's fsync off the main thread (see wal-sync.ts),
 * so the server goes on with the next requests while the disk works.
 */
import type { DatabaseSync } from "node:sqlite";
import type { WalSync } from "./wal-sync.js";

interface Pending {
  fn: () => unknown;
  keep: (result: unknown) => boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Runs write requests in shared transactions (see the module comment). */
export class GroupCommit {
  private readonly db: DatabaseSync;
  private readonly afterCommit: () => void;
  private readonly walSync: WalSync | undefined;
  private queue: Pending[] = [];
  private scheduled = false;

  /**
   * `afterCommit` runs after each group is committed (upkeep that needs its
   * own transaction); its errors are ignored. `walSync`: for a database with
   * `synchronous = FULL`, the WAL's fsync, then run after the commit instead
   * of inside it.
   */
  constructor(db: DatabaseSync, afterCommit: () => void = () => {}, walSync?: WalSync) {
    this.db = db;
    this.afterCommit = afterCommit;
    this.walSync = walSync;
  }

  /**
   * Runs `fn` in the next group's transaction, in its own savepoint: kept
   * when `keep(result)` is true, rolled back otherwise or when `fn` throws.
   * Resolves with the result once the group is committed (durably); rejects
   * with `fn`'s error, or with the commit's error (then nothing of the group
   * was stored).
   */
  run<T>(fn: () => T, keep: (result: T) => boolean = () => true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, keep: keep as (result: unknown) => boolean, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Closes the WAL file the fsyncs go through (after the database is closed). */
  close(): Promise<void> {
    return this.walSync?.close() ?? Promise.resolve();
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    const db = this.db;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    // The WAL is synced after the commit, off this thread (the connection is FULL again for any other transaction).
    if (this.walSync) db.exec("PRAGMA synchronous = NORMAL");
    try {
      db.exec("BEGIN IMMEDIATE");
      for (const item of group) {
        db.exec("SAVEPOINT request");
        try {
          const value = item.fn();
          db.exec(item.keep(value) ? "RELEASE request" : "ROLLBACK TO request; RELEASE request");
          outcomes.push({ ok: true, value });
        } catch (error) {
          // SQLite may have rolled the whole transaction back (a full disk can): then the group fails as one.
          if (!db.isTransaction) throw error;
          db.exec("ROLLBACK TO request; RELEASE request");
          outcomes.push({ ok: false, error });
        }
      }
      db.exec("COMMIT");
    } catch (error) {
      // (The database may have been closed meanwhile, by a server that stopped: then there is nothing to roll back.)
      if (db.isOpen && db.isTransaction) db.exec("ROLLBACK");
      for (const item of group) item.reject(error);
      return;
    } finally {
      if (this.walSync && db.isOpen) db.exec("PRAGMA synchronous = FULL");
    }
    // With `syncFailed`, the kept requests fail with the fsync's error (503: retry); the others keep their own outcome.
    const answer = (syncFailed?: { error: unknown }) =>
      group.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (!outcome.ok) item.reject(outcome.error);
        else if (syncFailed) item.reject(syncFailed.error);
        else item.resolve(outcome.value);
      });
    // Nothing is acknowledged before its frames are on disk.
    if (!this.walSync) answer();
    else this.walSync.sync().then(() => answer(), (error: unknown) => answer({ error }));
    try {
      this.afterCommit();
    } catch {
      // Upkeep is retried after the next group; what was committed is not touched by its failure.
    }
  }
}
