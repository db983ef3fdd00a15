import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acceptLogs } from "../server/log-rules.js";
import { GroupCommit } from "../server/group-commit.js";
import { HumanloopStore } from "../server/store.js";
import { REFERENCE_TAIL_LIMIT } from "../server/store-refs.js";
import { MIGRATIONS } from "../server/store-schema.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hl-refs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A reference like the exporter's: `<trace id>-<span id>`, random hex. */
const ref = (n: number, run = "a") => {
  const h = (x: number) => (Math.imul(x ^ run.charCodeAt(0), 0x9e3779b1) >>> 0).toString(16).padStart(8, "0");
  return `${h(n).repeat(4)}-${h(n + 7_000_000).repeat(2)}`;
};
const logItem = (n: number, extra: Record<string, unknown> = {}) => ({
  project: "p",
  config: { type: "model", model: "m", provider: "openai" },
  messages: [{ role: "user", content: `question ${n} ${"x".repeat(300)}` }],
  output: `answer ${n}`,
  reference_id: ref(n),
  ...extra,
});

function post(store: HumanloopStore, items: unknown[]) {
  return store.transaction(
    () => acceptLogs(store, items),
    (outcome) => outcome.status === 200,
  );
}

describe("finding logs by reference (log_refs, caught up in bulk; migration 5)", () => {
  it("finds parents and refuses duplicates whether the reference is in the in-memory tail, indexed, or the database was reopened", () => {
    const path = join(dir, "hl.db");
    let store = HumanloopStore.open({ path });
    expect(post(store, [logItem(1), logItem(2)]).status).toBe(200);
    // In the tail: a child finds its parent, a second log with the same reference is refused.
    expect(post(store, [logItem(3, { parent_reference_id: ref(1) })]).status).toBe(200);
    expect(post(store, [logItem(2)])).toMatchObject({ status: 422, duplicates: 1 });
    store.close();

    // Reopened: the tail is rebuilt from the logs.
    store = HumanloopStore.open({ path });
    expect(store.logsByReference(ref(3))[0]!.parent_id).toBe(store.logsByReference(ref(1))[0]!.id);
    expect(post(store, [logItem(1)])).toMatchObject({ status: 422, duplicates: 1 });

    // Caught up: moved into log_refs, still found.
    for (let b = 0; b * 1000 < REFERENCE_TAIL_LIMIT; b += 1) {
      expect(post(store, Array.from({ length: 1000 }, (_, i) => logItem(100 + b * 1000 + i))).status).toBe(200);
    }
    // Caught up by the commit that reached the limit (every write path commits through transaction() or the group commit).
    expect(Number(store.db.prepare("SELECT count(*) AS n FROM temp.log_refs_tail").get()!.n)).toBe(0);
    expect(Number(store.db.prepare("SELECT count(*) AS n FROM log_refs").get()!.n)).toBe(3 + 1000 * Math.ceil(REFERENCE_TAIL_LIMIT / 1000));
    expect(post(store, [logItem(4, { parent_reference_id: ref(2) }), logItem(5, { parent_reference_id: ref(150) })]).status).toBe(200);
    expect(post(store, [logItem(3)])).toMatchObject({ status: 422, duplicates: 1 });
    expect(store.logsByReference(ref(5))[0]!.parent_id).toBe(store.logsByReference(ref(150))[0]!.id);
    store.close();
    store = HumanloopStore.open({ path });
    expect(store.logsByReference(ref(4))[0]!.parent_id).toBe(store.logsByReference(ref(2))[0]!.id);
    store.close();
  });

  it("forgets the references of a request that was rolled back (no phantom parent)", async () => {
    const store = HumanloopStore.open({ path: join(dir, "hl.db") });
    const commits = new GroupCommit(store.db, () => store.maintain());
    await expect(
      commits.run(() => {
        acceptLogs(store, [logItem(1)]);
        throw new Error("the request failed after storing");
      }),
    ).rejects.toThrow(/failed after storing/);
    expect(store.logsByReference(ref(1))).toEqual([]);
    const child = await commits.run(() => acceptLogs(store, [logItem(2, { parent_reference_id: ref(1) })]));
    expect(child).toMatchObject({ status: 422, body: { detail: [{ type: "parent_not_found" }] } });
    // A log with the reference can be stored after all.
    expect((await commits.run(() => acceptLogs(store, [logItem(1)]))).status).toBe(200);
    store.close();
  });

  it("migrates a database made with the reference index on logs: its references are found", () => {
    const path = join(dir, "hl.db");
    const old = HumanloopStore.open({ path, migrations: MIGRATIONS.slice(0, 4) });
    const project = old.ensureProject("p");
    old.addLog({ id: "data_old", project: "p", project_id: project.id, reference_id: ref(1), config: { type: "model" }, updates: [], received_at: new Date().toISOString() });
    old.close();
    const store = HumanloopStore.open({ path });
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'logs_by_reference'").get()).toBeUndefined();
    expect(store.logsByReference(ref(1)).map((l) => l.id)).toEqual(["data_old"]);
    expect(post(store, [logItem(2, { parent_reference_id: ref(1) })]).status).toBe(200);
    expect(store.logsByReference(ref(2))[0]!.parent_id).toBe("data_old");
    store.close();
  });

  it("keeps a durable commit of 100 logs with random references small: the WAL gets about the logs' own pages, not a page per reference", () => {
    const store = HumanloopStore.open({ path: join(dir, "hl.db") });
    store.db.exec("PRAGMA wal_autocheckpoint = 0");
    for (let b = 0; b < 15; b += 1) post(store, Array.from({ length: 1000 }, (_, i) => logItem(b * 1000 + i)));
    store.maintain();
    store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    expect(post(store, Array.from({ length: 100 }, (_, i) => logItem(50_000 + i))).status).toBe(200);
    const frames = Number((store.db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as { log: number }).log);
    // 100 logs of about 500 bytes fill about 15 table pages; an index on the random references (15,000 entries) would dirty close to one page per log.
    expect(frames).toBeLessThan(50);
    store.close();
  });
});
