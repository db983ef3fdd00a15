import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UNLINKED_REASON_KEY } from "../exporters/humanloop/index.js";
import { MIGRATIONS, openDatabase } from "../server/store-schema.js";
import { HumanloopTestServer, type ServerStats, type StoredLog } from "../testing/index.js";
import { captureDiag } from "./exporter-helpers.js";
import { startCliProcess, type CliProcess } from "./fixtures/cli-process.js";
import { otlpJson, postOtlp, tool, type SpanSpec } from "./otlp-helpers.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hl-otlp-durable-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = "5bf92f3577b34da6a3ce929d0e0e4736";
const ref = (spanId: string) => `${T}-${spanId}`;
/** root R (tool) <- H (HTTP, not logged) <- M (model); root R <- S (tool) */
const R = tool(T, "a000000000000001", "root");
const H: SpanSpec = { traceId: T, spanId: "a000000000000002", parentSpanId: R.spanId, name: "GET /x", attributes: { "http.request.method": "GET" } };
const M: SpanSpec = { traceId: T, spanId: "a000000000000003", parentSpanId: H.spanId, name: "chat m", attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" } };
const S = tool(T, "a000000000000004", "step", R.spanId);

const origin = (url: string) => url.replace(/\/v4$/, "");
const send = (url: string, key: string, spans: SpanSpec[]) => postOtlp(`${origin(url)}/v1/traces`, JSON.stringify(otlpJson(spans)), { key });
const read = async <T>(url: string, what: string): Promise<T> => (await fetch(`${origin(url)}/__test/${what}`)).json() as Promise<T>;
const reasonOf = (log: StoredLog) => (log.metadata as Record<string, unknown> | undefined)?.[UNLINKED_REASON_KEY];

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function killed(server: CliProcess): Promise<void> {
  server.child.kill("SIGKILL");
  expect(await server.exited).toBe("SIGKILL");
}

describe("POST /v1/traces on the server: waiting spans are durable", () => {
  it("children acknowledged before a kill -9 wait on in the database and follow their parent after the restart, each stored once", { timeout: 60_000 }, async () => {
    const args = ["--db", join(dir, "hl.db"), "--api-key", "k", "--port", "0"];
    const first = await startCliProcess(args);
    try {
      for (const batch of [[M, S], [H]]) expect((await send(first.url, "k", batch)).status).toBe(200);
      expect((await read<ServerStats>(first.url, "stats")).otlp).toMatchObject({ received: 3, waiting: 3, stored: 0 });
    } finally {
      await killed(first);
    }

    const second = await startCliProcess(args);
    try {
      expect((await read<ServerStats>(second.url, "stats")).otlp).toMatchObject({ received: 0, restored: 3, waiting: 3, stored: 0 });
      expect(await read<StoredLog[]>(second.url, "logs")).toEqual([]);
      expect((await send(second.url, "k", [R])).status).toBe(200);
      // a sender's retries of spans already stored or passed through
      expect((await send(second.url, "k", [S, R, H])).status).toBe(200);
      const logs = await read<StoredLog[]>(second.url, "logs");
      expect(logs.map((l) => [l.reference_id, l.parent_reference_id]).sort()).toEqual([
        [ref(R.spanId), undefined],
        [ref(M.spanId), ref(R.spanId)],
        [ref(S.spanId), ref(R.spanId)],
      ]);
      expect(logs.every((l) => reasonOf(l) === undefined)).toBe(true);
      const stats = await read<ServerStats>(second.url, "stats");
      expect(stats.otlp).toMatchObject({ waiting: 0, stored: 3, unlinkedTimeout: 0, dropped: 0 });
      expect(stats.otlp!.duplicates).toBeGreaterThanOrEqual(2); // S and R again (H passes through again: not a log)
      expect(stats.rejected).toEqual([]);
    } finally {
      await killed(second);
    }

    const third = await startCliProcess(args);
    try {
      expect((await read<ServerStats>(third.url, "stats")).otlp).toMatchObject({ restored: 0, waiting: 0 });
      // late children of spans resolved by an earlier process link to them (looked up in the database): a stored
      // log, and an HTTP span passed through (its child goes under the nearest logged ancestor, R)
      const late = tool(T, "a000000000000005", "late", S.spanId);
      const underHttp = tool(T, "a000000000000006", "late under http", H.spanId);
      expect((await send(third.url, "k", [late, underHttp])).status).toBe(200);
      const logs = await read<StoredLog[]>(third.url, "logs");
      expect(logs.find((l) => l.reference_id === ref(late.spanId))?.parent_reference_id).toBe(ref(S.spanId));
      expect(logs.find((l) => l.reference_id === ref(underHttp.spanId))?.parent_reference_id).toBe(ref(R.spanId));
      expect(logs).toHaveLength(5);
      expect((await read<ServerStats>(third.url, "stats")).otlp).toMatchObject({ waiting: 0, stored: 2 });
    } finally {
      await killed(third);
    }
  });

  it("a root that never arrives: after a restart the children are stored unlinked once the limit passes, the reason in metadata", { timeout: 60_000 }, async () => {
    const db = join(dir, "orphans.db");
    const first = await startCliProcess(["--db", db, "--api-key", "k", "--otlp-max-wait-ms", "600000"]);
    const child = tool(T, "b000000000000001", "orphan", "bfffffffffffffff");
    const grandchild = tool(T, "b000000000000002", "under-orphan", child.spanId);
    try {
      expect((await send(first.url, "k", [grandchild, child])).status).toBe(200);
    } finally {
      await killed(first);
    }
    const second = await startCliProcess(["--db", db, "--api-key", "k", "--otlp-max-wait-ms", "300"]);
    try {
      await until(async () => (await read<StoredLog[]>(second.url, "logs")).length === 2);
      const logs = await read<StoredLog[]>(second.url, "logs");
      const orphan = logs.find((l) => l.reference_id === ref(child.spanId))!;
      expect(orphan.parent_reference_id).toBeUndefined();
      expect(reasonOf(orphan)).toMatch(/parent span bfffffffffffffff not received within 300 ms/);
      expect(logs.find((l) => l.reference_id === ref(grandchild.spanId))!.parent_reference_id).toBe(ref(child.spanId));
      expect((await read<ServerStats>(second.url, "stats")).otlp).toMatchObject({ restored: 2, waiting: 0, unlinkedTimeout: 1, stored: 2 });
      // the parent arriving now is stored on its own; nothing is stored twice
      expect((await send(second.url, "k", [tool(T, "bfffffffffffffff", "too late")])).status).toBe(200);
      expect(await read<StoredLog[]>(second.url, "logs")).toHaveLength(3);
    } finally {
      await killed(second);
    }
    const raw = new DatabaseSync(db);
    try {
      expect(raw.prepare("SELECT count(*) AS n FROM otlp_pending_spans").get()).toEqual({ n: 0 });
    } finally {
      raw.close();
    }
  });
});

describe("the server's OTLP waiting state", () => {
  it("a database made by the previous schema version opens, migrates, and its stored logs are parents for OTLP children", async () => {
    const path = join(dir, "v1.db");
    const old = openDatabase(path, { migrations: MIGRATIONS.slice(0, 1) });
    old.close();
    let server = await HumanloopTestServer.start({ dbPath: path });
    try {
      // stored as the previous version would have: through the v4 API
      const parent = await fetch(`${server.url}/logs`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": server.apiKey },
        body: JSON.stringify({ project: "p", reference_id: ref("c000000000000001"), session_reference_id: "conv", config: { type: "tool", name: "earlier" } }),
      });
      expect(parent.status).toBe(200);
    } finally {
      await server.close();
    }
    const check = new DatabaseSync(path);
    expect(check.prepare("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'otlp_%spans' ORDER BY name").all()).toEqual([{ name: "otlp_passed_spans" }, { name: "otlp_pending_spans" }]);
    check.close();

    server = await HumanloopTestServer.start({ dbPath: path });
    try {
      const child = tool(T, "c000000000000002", "child", "c000000000000001");
      expect((await send(server.url, server.apiKey, [child])).status).toBe(200);
      const log = server.log(ref(child.spanId))!;
      expect([log.parent_reference_id, log.session_reference_id]).toEqual([ref("c000000000000001"), "conv"]);
    } finally {
      await server.close();
    }
  });

  it("counts what came in and how it went out, in server.stats and /__test/stats; reset() forgets the waits", async () => {
    const server = await HumanloopTestServer.start({ otlp: { maxWaitMillis: 200, maxWaitingSpans: 2 } });
    try {
      const child = tool(T, "d000000000000002", "child", "d000000000000001");
      await send(server.url, server.apiKey, [child]);
      await send(server.url, server.apiKey, [child]); // retried while waiting
      expect(server.stats.otlp).toMatchObject({ received: 2, waiting: 1, duplicates: 1, stored: 0 });
      await send(server.url, server.apiKey, [tool(T, "d000000000000001", "parent")]);
      expect(server.stats.otlp).toMatchObject({ received: 3, waiting: 0, stored: 2, logged: 2 });
      // three orphans, at most two wait: the oldest is stored unlinked at once, the others after 200 ms
      const orphans = [1, 2, 3].map((i) => tool(T, `e00000000000000${i}`, `orphan ${i}`, `f00000000000000${i}`));
      for (const o of orphans) expect((await send(server.url, server.apiKey, [o])).status).toBe(200);
      expect(server.stats.otlp).toMatchObject({ waiting: 2, unlinkedCapacity: 1, stored: 3 });
      expect(reasonOf(server.log(ref(orphans[0]!.spanId))!)).toMatch(/maxWaitingSpans 2/);
      await until(() => server.logCount === 5);
      const stats = (await (await fetch(`${origin(server.url)}/__test/stats`)).json()) as ServerStats;
      expect(stats.otlp).toEqual(server.stats.otlp);
      expect(stats.otlp).toMatchObject({ received: 6, waiting: 0, unlinkedCapacity: 1, unlinkedTimeout: 2, duplicates: 1, stored: 5 });
      expect(stats.otlp!.dropped).toBe(stats.otlp!.refused + stats.otlp!.mappingFailed);

      await send(server.url, server.apiKey, [tool(T, "e000000000000004", "orphan 4", "f000000000000004")]);
      expect(server.stats.otlp!.waiting).toBe(1);
      server.reset();
      expect(server.stats.otlp).toMatchObject({ received: 0, waiting: 0, stored: 0 });
      expect(server.store.db.prepare("SELECT count(*) AS n FROM otlp_pending_spans").get()).toEqual({ n: 0 });
      await new Promise((r) => setTimeout(r, 400));
      expect(server.logCount).toBe(0); // the forgotten wait did not come back
    } finally {
      await server.close();
    }
  });

  it("close() stops the sweep and keeps the waiting spans for the next start", async () => {
    const errors = captureDiag();
    const dbPath = join(dir, "closed.db");
    let server = await HumanloopTestServer.start({ dbPath, otlp: { maxWaitMillis: 100 } });
    const orphan = tool(T, "f100000000000001", "orphan", "f1ffffffffffffff");
    expect((await send(server.url, server.apiKey, [orphan])).status).toBe(200);
    await server.close();
    await new Promise((r) => setTimeout(r, 400)); // past the limit and several sweep periods
    expect(errors).toEqual([]);
    server = await HumanloopTestServer.start({ dbPath, otlp: { maxWaitMillis: 100 } });
    try {
      expect(server.stats.otlp).toMatchObject({ restored: 1 });
      await until(() => server.logCount === 1);
      expect(reasonOf(server.logs()[0]!)).toMatch(/not received within 100 ms/);
    } finally {
      await server.close();
    }
  });

  it("a full disk: 503 with Retry-After, nothing of the request kept, waits intact; the retry is stored", async () => {
    const server = await HumanloopTestServer.start({ dbPath: join(dir, "full.db") });
    try {
      const waiting = tool(T, "f200000000000002", "child", "f200000000000001");
      expect((await send(server.url, server.apiKey, [waiting])).status).toBe(200);
      const { page_count } = server.store.db.prepare("PRAGMA page_count").get() as { page_count: number };
      server.store.db.exec(`PRAGMA max_page_count = ${page_count}`);
      const big = { ...tool(T, "f200000000000001", "parent"), attributes: { "humanloop.kind": "tool", "humanloop.output": "x".repeat(200_000) } };
      const full = await send(server.url, server.apiKey, [big]);
      expect([full.status, full.retryAfter]).toEqual([503, "5"]);
      expect(server.logCount).toBe(0);
      expect(server.stats.otlp).toMatchObject({ waiting: 1, busy: 1 });
      server.store.db.exec("PRAGMA max_page_count = 1073741823");
      expect((await send(server.url, server.apiKey, [big])).status).toBe(200);
      expect(server.logs().map((l) => [l.reference_id, l.parent_reference_id]).sort()).toEqual([
        [ref("f200000000000001"), undefined],
        [ref("f200000000000002"), ref("f200000000000001")],
      ]);
    } finally {
      await server.close();
    }
  });
});
