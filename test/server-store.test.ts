import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HumanloopStore, newId } from "../server/store.js";
import { canonicalJson } from "../server/store-files.js";
import { APPLICATION_ID, MIGRATIONS, openDatabase, StoreOpenError } from "../server/store-schema.js";
import type { StoredLog } from "../server/types.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hl-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function log(store: HumanloopStore, fields: Partial<StoredLog> & { project?: string }): StoredLog {
  const project = store.ensureProject(fields.project ?? "p");
  const stored: StoredLog = { id: newId("data"), project: project.name, project_id: project.id, updates: [], received_at: new Date().toISOString(), ...fields };
  store.addLog(stored);
  return stored;
}

describe("opening a database", () => {
  it("makes a new file (and its folder) with our application id and the latest schema version, in WAL mode", () => {
    const path = join(dir, "deep", "hl.db");
    const store = HumanloopStore.open({ path });
    store.close();
    const raw = new DatabaseSync(path);
    expect(raw.prepare("PRAGMA application_id").get()).toEqual({ application_id: APPLICATION_ID });
    expect(raw.prepare("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
    expect(raw.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    raw.close();
    // Per connection: the store's own.
    expect(store.db.isOpen).toBe(false);
    const reopened = HumanloopStore.open({ path });
    expect(reopened.db.prepare("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: 10_000 });
    expect(reopened.db.prepare("PRAGMA journal_size_limit").get()).toEqual({ journal_size_limit: 64 * 2 ** 20 });
    expect(reopened.db.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 2 }); // FULL
    reopened.close();
  });

  it("refuses a text file, another program's SQLite database, and a newer schema, saying what to do", () => {
    const text = join(dir, "notes.db");
    writeFileSync(text, "these are my notes, not a database at all, but long enough to look like a header");
    expect(() => HumanloopStore.open({ path: text })).toThrow(StoreOpenError);
    expect(() => HumanloopStore.open({ path: text })).toThrow(/is not a humanloop-otel database .*Point --db \(or HUMANLOOP_SERVER_DB\) at a new file/);

    const foreign = join(dir, "other.db");
    const other = new DatabaseSync(foreign);
    other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada')");
    other.close();
    expect(() => HumanloopStore.open({ path: foreign })).toThrow(/is not a humanloop-otel database \(it holds tables this server did not make\)/);
    const untouched = new DatabaseSync(foreign);
    expect(untouched.prepare("SELECT name FROM customers").all()).toEqual([{ name: "Ada" }]);
    untouched.close();

    const newer = join(dir, "newer.db");
    HumanloopStore.open({ path: newer }).close();
    const bump = new DatabaseSync(newer);
    bump.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    bump.close();
    expect(() => HumanloopStore.open({ path: newer })).toThrow(
      new RegExp(`made by a newer humanloop-otel \\(schema version ${MIGRATIONS.length + 1}; this one knows up to ${MIGRATIONS.length}\\)\\. Upgrade humanloop-otel`),
    );
  });

  it("opens a database made by this version in the next one: the new migration runs, the data stays", () => {
    const path = join(dir, "hl.db");
    const store = HumanloopStore.open({ path });
    const kept = log(store, { reference_id: "r1", config: { type: "tool", name: "t" } });
    store.close();
    const next = [...MIGRATIONS, { description: "a column the next version adds", sql: "ALTER TABLE logs ADD COLUMN rating TEXT" }];
    const db = openDatabase(path, { migrations: next });
    expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: next.length });
    expect(db.prepare("SELECT id, rating FROM logs").all()).toEqual([{ id: kept.id, rating: null }]);
    db.close();
    // ... and this version now refuses it, as newer.
    expect(() => HumanloopStore.open({ path })).toThrow(/newer humanloop-otel/);
  });
});

describe("text search (FTS5 trigram index, migration 3)", () => {
  it("finds text that is in most logs (read from the logs, one session at a time) with the other filters and the total", () => {
    const store = HumanloopStore.open({ path: join(dir, "hl.db") });
    const sessions = Array.from({ length: 30 }, (_, i) => store.createSession(i === 29 ? "order_desk" : `conv-${i}`));
    sessions.forEach((session, i) => {
      for (let k = 0; k < 4; k += 1) {
        const output = i < 25 ? `your order ${i}-${k} shipped` : `no news ${k}`;
        log(store, { project: i % 2 === 0 ? "even" : "odd", session_id: session.id, output, created_at: new Date(Date.UTC(2026, 0, 1, 0, i, k)).toISOString() });
      }
    });
    const search = (filter: Parameters<typeof store.queries.listSessions>[0]) => store.queries.listSessions(filter);
    // "order" is in 100 of 120 logs (and in one session's reference): not the index.
    const all = search({ text: "ORDER", limit: 10 });
    expect(all.total).toBe(26);
    expect(all.sessions.map((s) => s.reference_id)).toEqual(["order_desk", ...Array.from({ length: 9 }, (_, i) => `conv-${24 - i}`)]);
    expect(search({ text: "order", project: "odd" }).total).toBe(13); // 12 with it in their logs, and order_desk by its reference
    expect(search({ text: "order_", limit: 50 }).sessions.map((s) => s.reference_id)).toEqual(["order_desk"]);
    expect(search({ text: "or" }).total).toBe(26);
    expect(search({ text: "news" }).sessions.map((s) => s.reference_id)).toEqual(["order_desk", "conv-28", "conv-27", "conv-26", "conv-25"]);
    store.close();
  });

  it("migrates a database made before the index: its logs are indexed on the first search and found, new ones and updates too", () => {
    const path = join(dir, "hl.db");
    const old = HumanloopStore.open({ path, migrations: MIGRATIONS.slice(0, 1) });
    const s1 = old.createSession("first");
    const before = log(old, { session_id: s1.id, output: "Your REFUND of 100% is on its way", messages: [{ role: "user", content: 'say "hi" <b>' }] });
    old.close();
    const raw = new DatabaseSync(path);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'logs_text'").get()).toEqual({ n: 0 });
    raw.close();

    const store = HumanloopStore.open({ path });
    expect(store.db.prepare("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
    // Filler logs, so that the searched text is in few logs and the index (not the LIKE scan for text in most logs) answers.
    const filler = store.createSession("filler");
    for (let i = 0; i < 20; i += 1) log(store, { session_id: filler.id, output: `nothing ${i}` });
    expect(store.logById(before.id)?.output).toBe("Your REFUND of 100% is on its way");
    const ids = (text: string) => store.queries.listSessions({ text }).sessions.map((s) => s.id);
    expect(ids("refund of")).toEqual([s1.id]);
    expect(ids("100%")).toEqual([s1.id]);
    expect(ids('"hi')).toEqual([s1.id]); // a quote in the text (messages are searched as their JSON)
    expect(ids("<b>")).toEqual([s1.id]);
    expect(ids("refund off")).toEqual([]);
    expect(ids("Yo")).toEqual([s1.id]); // shorter than a trigram: the LIKE scan

    const s2 = store.createSession("second");
    const after = log(store, { session_id: s2.id, config: { type: "tool", name: "lookup_order" }, inputs: { order: "A-77" } });
    expect(ids("lookup_ord")).toEqual([s2.id]);
    expect(ids("a-77")).toEqual([s2.id]);
    store.updateLog(store.logById(after.id)!, { error: "gateway timeout" });
    expect(ids("gateway")).toEqual([s2.id]);
    store.updateLog(store.logById(before.id)!, { output: "cancelled" });
    expect(ids("refund")).toEqual([]);
    expect(ids("cancelled")).toEqual([s1.id]);
    const plan = store.db.prepare("EXPLAIN QUERY PLAN SELECT rowid FROM logs_text WHERE logs_text MATCH ?").all('"gateway"');
    expect(plan.map((row) => row.detail).join(" ")).toMatch(/VIRTUAL TABLE INDEX/);
    store.clear();
    expect(ids("cancelled")).toEqual([]);
    // After a clear seq starts again; logs stored and updated before the next search are indexed as they are then.
    const s3 = store.createSession("third");
    const fresh = log(store, { session_id: s3.id, output: "fresh words" });
    const again = store.createSession("filler again");
    for (let i = 0; i < 20; i += 1) log(store, { session_id: again.id, output: `nothing ${i}` });
    store.updateLog(store.logById(fresh.id)!, { output: "second words" });
    expect(ids("fresh")).toEqual([]);
    expect(ids("second wo")).toEqual([s3.id]);
    expect(store.db.prepare("SELECT indexed_to FROM logs_text_state").get()).toEqual({ indexed_to: 21 });
    store.updateLog(store.logById(fresh.id)!, { output: "third words" });
    expect(ids("second wo")).toEqual([]);
    expect(ids("third wo")).toEqual([s3.id]);
    expect(() => store.db.exec("INSERT INTO logs_text (logs_text, rank) VALUES ('integrity-check', 1)")).not.toThrow();
    store.close();
  });
});

describe("partial log indexes (migration 4)", () => {
  it("rebuilds the parent, trace-parent, file and session indexes of an older database as partial ones the queries still use", () => {
    const path = join(dir, "hl.db");
    const old = HumanloopStore.open({ path, migrations: MIGRATIONS.slice(0, 1) });
    const session = old.createSession("conv");
    const root = log(old, { session_id: session.id, reference_id: "root" });
    const child = log(old, { session_id: session.id, parent_id: root.id });
    old.close();
    const store = HumanloopStore.open({ path });
    const indexes = store.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ('logs_by_parent', 'logs_by_trace_parent', 'logs_by_file', 'logs_by_session')").all();
    expect(indexes).toHaveLength(4);
    for (const index of indexes) expect(index.sql).toMatch(/WHERE \w+ IS NOT NULL$/);
    const plan = (sql: string) => store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((row) => row.detail).join(" | ");
    expect(plan("SELECT id FROM logs WHERE parent_id = ?")).toMatch(/USING INDEX logs_by_parent/);
    expect(plan("SELECT id FROM logs WHERE trace_parent_id = ?")).toMatch(/USING INDEX logs_by_trace_parent/);
    expect(plan("SELECT id FROM logs WHERE file_id = ? ORDER BY seq")).toMatch(/USING INDEX logs_by_file/);
    expect(plan("SELECT id FROM logs WHERE session_id = ? ORDER BY seq")).toMatch(/USING INDEX logs_by_session/);
    expect(store.queries.children(root.id).map((c) => c.id)).toEqual([child.id]);
    expect(store.queries.sessionLogs(session.id).map((l) => l.id)).toEqual([root.id, child.id]);
    store.close();
  });
});

describe("logs, sessions, updates and feedback", () => {
  it("reads back what it stored, across a reopen, with unknown fields kept", () => {
    const path = join(dir, "hl.db");
    let store = HumanloopStore.open({ path });
    const session = store.createSession("conv");
    const root = log(store, {
      session_id: session.id,
      reference_id: "root",
      config: { type: "model", model: "gpt-4o", provider: "openai" },
      messages: [{ role: "user", content: "hi <b>there</b>" }],
      prompt_tokens: 3,
      output_tokens: 4,
      metadata: { a: [1, { b: null }] },
      some_future_field: { x: 1 },
      user: "ada",
    });
    store.updateLog(root, { output: "hello", duration: 1.5 });
    store.addFeedback([{ id: newId("ann"), data_id: root.id, type: "rating", value: "good", unset: false }]);
    store.close();
    store = HumanloopStore.open({ path });
    const back = store.logById(root.id)!;
    expect(back).toEqual({ ...root, session_reference_id: "conv" });
    expect(back.updates).toEqual([{ output: "hello", duration: 1.5, applied_at: expect.any(String) }]);
    expect(store.allSessions()).toEqual([{ id: session.id, reference_id: "conv", log_ids: [root.id] }]);
    expect(store.feedbackFor(root.id)).toEqual([{ id: expect.stringMatching(/^ann_/), data_id: root.id, type: "rating", value: "good", unset: false }]);
    expect(store.logByReferenceIn("root", root.project_id!)?.id).toBe(root.id);
    store.close();
  });

  it("rolls a transaction back when the answer is not kept, or when it throws", () => {
    const store = HumanloopStore.open();
    store.transaction(() => log(store, { reference_id: "a" }), () => false);
    expect(() => store.transaction(() => [log(store, { reference_id: "b" }), store.ensureProject(undefined as unknown as string)])).toThrow();
    expect(store.logCount).toBe(0);
    expect(store.allProjects()).toEqual([]);
    store.close();
  });
});

describe("the viewer's queries", () => {
  function fill(store: HumanloopStore) {
    const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 12, min)).toISOString();
    const s1 = store.createSession("first");
    const a = log(store, { project: "bot", session_id: s1.id, created_at: at(0), prompt_tokens: 10, output_tokens: 5, user: "ada", config: { type: "tool", name: "agent" } });
    log(store, { project: "bot", session_id: s1.id, created_at: at(1), parent_id: a.id, output: "refund approved", config: { type: "model", model: "m" } });
    const s2 = store.createSession("second");
    const b = log(store, { project: "ops", session_id: s2.id, created_at: at(5), config: { type: "tool", name: "cron" }, metadata: { user_id: "u-7" } });
    store.createSession("empty");
    return { s1, s2, a, b };
  }

  it("lists sessions newest first with their summary, filtered and paged", () => {
    const store = HumanloopStore.open();
    const { s1, s2, a, b } = fill(store);
    const page = store.queries.listSessions();
    expect(page.total).toBe(2);
    expect(page.sessions.map((s) => s.reference_id)).toEqual(["second", "first"]);
    expect(page.sessions[1]).toEqual({
      id: s1.id,
      reference_id: "first",
      project: "bot",
      project_id: a.project_id,
      user: "ada",
      first_at: "2026-01-01T12:00:00.000Z",
      last_at: "2026-01-01T12:01:00.000Z",
      log_count: 2,
      prompt_tokens: 10,
      output_tokens: 5,
      error_count: 0,
    });
    expect(store.queries.listSessions({ project: "bot" }).sessions.map((s) => s.id)).toEqual([s1.id]);
    expect(store.queries.listSessions({ project: b.project_id }).sessions.map((s) => s.id)).toEqual([s2.id]);
    expect(store.queries.listSessions({ user: "ada" }).sessions.map((s) => s.id)).toEqual([s1.id]);
    expect(store.queries.listSessions({ user: "u-7" }).sessions.map((s) => s.id)).toEqual([s2.id]);
    expect(store.queries.listSessions({ text: "REFUND" }).sessions.map((s) => s.id)).toEqual([s1.id]);
    expect(store.queries.listSessions({ text: "100%" }).total).toBe(0);
    expect(store.queries.listSessions({ errorsOnly: true }).total).toBe(0);
    expect(store.queries.listSessions({ limit: 1, offset: 1 })).toMatchObject({ total: 2, limit: 1, offset: 1, sessions: [{ id: s1.id }] });

    store.updateLog(store.logById(b.id)!, { error: "boom", duration: 2 });
    expect(store.queries.listSessions({ errorsOnly: true }).sessions).toEqual([expect.objectContaining({ id: s2.id, error_count: 1 })]);
    store.close();
  });

  it("gives a session's logs and one log with its parent, children, updates and feedback", () => {
    const store = HumanloopStore.open();
    const { s1, a } = fill(store);
    const logs = store.queries.sessionLogs(s1.id);
    expect(logs.map((l) => l.parent_id ?? null)).toEqual([null, a.id]);
    const child = logs[1]!;
    store.addFeedback([{ id: newId("ann"), data_id: child.id, type: "comment", value: "ok" }]);
    const detail = store.queries.logDetail(child.id)!;
    expect(detail.log.id).toBe(child.id);
    expect(detail.parent).toMatchObject({ id: a.id, kind: "tool", name: "agent", prompt_tokens: 10 });
    expect(detail.children).toEqual([]);
    expect(detail.feedback).toEqual([expect.objectContaining({ type: "comment", value: "ok" })]);
    expect(store.queries.logDetail(a.id)!.children).toEqual([expect.objectContaining({ id: child.id, kind: "model", model: "m", output_tokens: null })]);
    expect(store.queries.logDetail("nope")).toBeUndefined();
    store.close();
  });
});

describe("v5 files and versions", () => {
  it("makes a file per path with its kind's prefix, and reports a path used by another kind", () => {
    const store = HumanloopStore.open();
    const made = store.files.ensureFile("support/answer", "prompt");
    expect(made).toMatchObject({ created: true, conflict: false, file: { id: expect.stringMatching(/^pr_/), kind: "prompt", path: "support/answer" } });
    expect(store.files.ensureFile("support/answer", "prompt")).toEqual({ file: made.file, created: false, conflict: false });
    expect(store.files.ensureFile("support/answer", "tool")).toEqual({ file: made.file, created: false, conflict: true });
    expect(store.files.ensureFile("support/lookup", "tool").file.id).toMatch(/^tl_/);
    expect(store.files.ensureFile("flows/agent", "flow").file.id).toMatch(/^fl_/);
    expect(store.files.ensureFile("rating", "evaluator").file.id).toMatch(/^ev_/);
    expect(store.files.fileByPath("support/answer")).toEqual(made.file);
    expect(store.files.fileById(made.file.id)).toEqual(made.file);
    expect(store.files.allFiles().map((f) => f.kind)).toEqual(["prompt", "tool", "flow", "evaluator"]);
    store.close();
  });

  it("gives the same version for the same kernel (whatever its key order) and a new one for a new kernel", () => {
    const store = HumanloopStore.open();
    const { file } = store.files.ensureFile("support/answer", "prompt");
    const v1 = store.files.ensureVersion(file.id, { model: "gpt-4o", temperature: 0.2, tools: [{ name: "a", parameters: { b: 1, a: 2 } }] });
    expect(v1).toMatchObject({ created: true, version: { id: expect.stringMatching(/^prv_/), file_id: file.id } });
    const again = store.files.ensureVersion(file.id, { tools: [{ parameters: { a: 2, b: 1 }, name: "a" }], temperature: 0.2, model: "gpt-4o" });
    expect(again).toEqual({ version: v1.version, created: false });
    const v2 = store.files.ensureVersion(file.id, { model: "gpt-4o-mini" });
    expect(v2.created).toBe(true);
    expect(v2.version.id).not.toBe(v1.version.id);
    expect(store.files.latestVersion(file.id)).toEqual(v2.version);
    expect(store.files.versionsOf(file.id).map((v) => v.id)).toEqual([v1.version.id, v2.version.id]);
    expect(store.files.versionById(v1.version.id)?.kernel).toEqual({ model: "gpt-4o", temperature: 0.2, tools: [{ name: "a", parameters: { a: 2, b: 1 } }] });
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: undefined }] })).toBe('{"a":[{"d":1}],"b":1}');
    store.close();
  });

  it("keeps a v5 log's file, version, status, trace parent and times, and lists it under its trace parent", () => {
    const store = HumanloopStore.open();
    const { file } = store.files.ensureFile("agent", "flow");
    const { version } = store.files.ensureVersion(file.id, { attributes: {} });
    const flow: StoredLog = {
      id: "my-flow-log",
      api_version: "v5",
      file_id: file.id,
      version_id: version.id,
      log_status: "incomplete",
      start_time: "2026-01-01T00:00:00Z",
      inputs: { q: "hi" },
      user: "ada",
      updates: [],
      received_at: new Date().toISOString(),
    } as unknown as StoredLog;
    store.addLog(flow);
    const tool = { id: newId("log"), api_version: "v5", trace_parent_id: flow.id, updates: [], received_at: new Date().toISOString() } as unknown as StoredLog;
    store.addLog(tool);
    store.updateLog(store.logById(flow.id)!, { log_status: "complete", output: "done", end_time: "2026-01-01T00:00:02Z" });
    expect(store.logById(flow.id)).toMatchObject({ api_version: "v5", file_id: file.id, version_id: version.id, log_status: "complete", output: "done", user: "ada" });
    const detail = store.queries.logDetail(flow.id)!;
    expect(detail.log).not.toHaveProperty("project");
    expect(detail.children.map((c) => c.id)).toEqual([tool.id]);
    expect(store.queries.summary(flow.id)).toMatchObject({ kind: "flow", name: "agent", log_status: "complete", time: "2026-01-01T00:00:00.000Z" });
    expect(store.queries.logDetail(tool.id)!.parent?.id).toBe(flow.id);
    const grandchild = { id: newId("log"), api_version: "v5", trace_parent_id: tool.id, updates: [], received_at: new Date().toISOString() } as unknown as StoredLog;
    store.addLog(grandchild);
    const loose = log(store, { config: { type: "tool", name: "cron" } });
    expect(store.queries.traceLogs(flow.id).map((l) => l.id)).toEqual([flow.id, tool.id, grandchild.id]);
    expect(store.queries.traceLogs(flow.id)[0]!.updates).toHaveLength(1);
    const roots = store.queries.rootLogs();
    expect(roots.total).toBe(2);
    expect(roots.logs.map((l) => l.id).sort()).toEqual([flow.id, loose.id].sort());
    expect(store.queries.rootLogs({ limit: 1, offset: 1 }).logs).toHaveLength(1);
    store.close();
  });
});
