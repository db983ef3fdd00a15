// Durable acknowledgements without blocking the server: the group commit
// commits without syncing and answers only once the WAL's fsync, run off the
// main thread, has completed.
import { mkdtempSync, rmSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupCommit } from "../server/group-commit.js";
import { HumanloopStore } from "../server/store.js";
import { isStorageError } from "../server/v4-handler.js";
import { WalSync, WalSyncError } from "../server/wal-sync.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hl-wal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A sync function whose fsyncs finish when the test says. */
function controlledSync() {
  const calls: Array<{ finish: (error?: Error) => void }> = [];
  const syncFile = (_handle: FileHandle) =>
    new Promise<void>((resolve, reject) => calls.push({ finish: (error) => (error ? reject(error) : resolve()) }));
  return { calls, syncFile };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("WalSync", () => {
  it("starts an fsync at once when none runs; calls made while one runs share the next, which starts after it", async () => {
    const store = HumanloopStore.open({ path: join(dir, "hl.db") });
    store.ensureProject("p"); // the WAL file exists
    const { calls, syncFile } = controlledSync();
    const wal = new WalSync(join(dir, "hl.db-wal"), syncFile);
    const done: string[] = [];
    const first = wal.sync().then(() => done.push("first"));
    await tick();
    expect(calls).toHaveLength(1);
    const second = wal.sync().then(() => done.push("second"));
    const third = wal.sync().then(() => done.push("third"));
    await tick();
    expect(calls).toHaveLength(1); // the second and third wait for an fsync that starts after the running one
    calls[0]!.finish();
    await first;
    await tick();
    expect(done).toEqual(["first"]);
    expect(calls).toHaveLength(2);
    calls[1]!.finish();
    await Promise.all([second, third]);
    expect(done).toEqual(["first", "second", "third"]);
    await wal.close();
    store.close();
  });

  it("reports a failed fsync as storage trouble (503), and has nothing to sync before the WAL exists", async () => {
    const failing = new WalSync(join(dir, "x.db-wal"), async () => {
      throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
    });
    await expect(failing.sync()).resolves.toBeUndefined(); // no file: nothing written through it
    const store = HumanloopStore.open({ path: join(dir, "x.db") });
    store.ensureProject("p");
    const error = await failing.sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WalSyncError);
    expect((error as Error).message).toMatch(/could not fsync .*x\.db-wal: EIO/);
    expect(isStorageError(error)).toBe(true);
    await failing.close();
    store.close();
  });

  it("syncs a real file", async () => {
    const store = HumanloopStore.open({ path: join(dir, "real.db") });
    store.ensureProject("p");
    const wal = new WalSync(join(dir, "real.db-wal"));
    await expect(wal.sync()).resolves.toBeUndefined();
    await wal.close();
    store.close();
  });
});

describe("the group commit with a WalSync", () => {
  it("answers a group only after the fsync that followed its commit, and leaves the connection synchronous=FULL", async () => {
    const store = HumanloopStore.open({ path: join(dir, "hl.db") });
    const { calls, syncFile } = controlledSync();
    const wal = new WalSync(join(dir, "hl.db-wal"), syncFile);
    const commits = new GroupCommit(store.db, () => {}, wal);
    let answered = false;
    const pending = commits.run(() => store.ensureProject("kept")).then((p) => ((answered = true), p));
    const refused = commits.run(() => store.ensureProject("refused"), () => false);
    await tick();
    // Committed (another reader would see it) but not acknowledged: the fsync has not finished.
    expect(store.allProjects().map((p) => p.name)).toEqual(["kept"]);
    expect(calls).toHaveLength(1);
    expect(answered).toBe(false);
    expect(store.db.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    calls[0]!.finish();
    expect((await pending).name).toBe("kept");
    expect((await refused).name).toBe("refused"); // its answer (kept nothing) also waits
    await wal.close();
    store.close();
  });

  it("fails the group's requests when the fsync fails: nothing is acknowledged that may not be on disk", async () => {
    const store = HumanloopStore.open({ path: join(dir, "hl.db") });
    const { calls, syncFile } = controlledSync();
    const commits = new GroupCommit(store.db, () => {}, new WalSync(join(dir, "hl.db-wal"), syncFile));
    const pending = commits.run(() => store.ensureProject("maybe"));
    await tick();
    calls[0]!.finish(new Error("EIO"));
    await expect(pending).rejects.toThrow(WalSyncError);
    store.close();
  });
});
