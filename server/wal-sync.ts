/**
 * fsync of the database's WAL file, off the main thread.
 *
 * With `PRAGMA synchronous = FULL`, SQLite fsyncs the WAL inside COMMIT, and
 * the server (one thread, `node:sqlite` is synchronous) can do nothing else
 * meanwhile. The group commit (group-commit.ts) instead commits with
 * `synchronous = NORMAL` (the WAL is written, not synced) and, before it
 * answers any request of the group, waits for {@link WalSync.sync}: an
 * fsync of the WAL file on libuv's thread pool, started after the commit.
 * Once it completes, the group's frames are on disk, as FULL would have left
 * them, and the server has meanwhile read and stored the next requests.
 * (Checkpoints still sync the WAL before copying it into the database, and
 * the database after, in either mode.)
 */
import { open, type FileHandle } from "node:fs/promises";

/** How a file is synced (a parameter for tests); default `FileHandle.sync` (fsync). */
export type SyncFile = (handle: FileHandle) => Promise<void>;

/** An fsync failure: storage trouble, answered 503 (retryable). */
export class WalSyncError extends Error {
  override name = "WalSyncError";
}

/** Syncs one WAL file, coalescing concurrent requests (see the module comment). */
export class WalSync {
  private readonly path: string;
  private readonly syncFile: SyncFile;
  private handle: Promise<FileHandle | undefined> | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  /** `path`: the WAL file (`<database>-wal`). */
  constructor(path: string, syncFile: SyncFile = (handle) => handle.sync()) {
    this.path = path;
    this.syncFile = syncFile;
  }

  /**
   * Resolves once an fsync of the WAL that began after this call has
   * completed (so everything written before the call is on disk); rejects
   * with a {@link WalSyncError} when it fails. Calls made while an fsync runs
   * share the one that follows it.
   */
  sync(): Promise<void> {
    if (!this.running) return this.start();
    this.queued ??= this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.queued;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    const handle = await this.handle?.catch(() => undefined);
    this.handle = undefined;
    await handle?.close().catch(() => {});
  }

  private start(): Promise<void> {
    this.queued = undefined;
    const run = this.fsync().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async fsync(): Promise<void> {
    this.handle ??= open(this.path, "r").catch((error: NodeJS.ErrnoException) => {
      this.handle = undefined;
      // No WAL file yet: nothing was written through it, nothing to sync.
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    try {
      const handle = await this.handle;
      if (handle) await this.syncFile(handle);
    } catch (error) {
      throw new WalSyncError(`could not fsync ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
