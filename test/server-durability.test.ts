import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HumanloopTestServer, runCli } from "../testing/index.js";
import { isStorageError } from "../server/v4-handler.js";
import { startCliProcess } from "./fixtures/cli-process.js";
import { runNode } from "./fixtures/spawn-node.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hl-durable-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function post(server: HumanloopTestServer, path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": server.apiKey },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as any };
}

const tool = (name: string) => ({ type: "tool", name });

describe("a file database", () => {
  it("keeps logs, sessions, updates and feedback across a restart, and the read-back API reads them", async () => {
    const dbPath = join(dir, "hl.db");
    let server = await HumanloopTestServer.start({ dbPath });
    const s = { project: "bot", session_reference_id: "conv" };
    await post(server, "/logs", { ...s, reference_id: "root", config: tool("agent") });
    const child = await post(server, "/logs", { ...s, reference_id: "child", parent_reference_id: "root", config: tool("lookup") });
    await fetch(`${server.url}/logs?reference_id=root`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-api-key": server.apiKey },
      body: JSON.stringify({ output: "done" }),
    });
    await post(server, "/feedback", { data_id: child.body.id, type: "rating", value: "good" });
    const before = { logs: server.logs(), trees: server.trees(), sessions: server.sessions(), feedback: server.feedback(), tree: server.sessionTree("conv") };
    await server.close();

    server = await HumanloopTestServer.start({ dbPath });
    try {
      expect({ logs: server.logs(), trees: server.trees(), sessions: server.sessions(), feedback: server.feedback(), tree: server.sessionTree("conv") }).toEqual(before);
      expect(server.logCount).toBe(2);
      // The v4 rules see what was stored before the restart.
      expect((await post(server, "/logs", { ...s, reference_id: "root", config: tool("agent") })).body.detail[0].type).toBe("duplicate_reference_id");
      expect((await post(server, "/logs", { ...s, parent_reference_id: "child", config: tool("next") })).status).toBe(200);
      // Wiping a database file over /__test/reset takes the key.
      const reset = `${server.url.replace(/\/v4$/, "/__test")}/reset`;
      expect((await fetch(reset, { method: "POST" })).status).toBe(401);
      expect(server.logCount).toBe(3);
      expect((await fetch(reset, { method: "POST", headers: { "x-api-key": server.apiKey } })).status).toBe(200);
      expect(server.logCount).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe("a full disk", () => {
  it.each(["memory", "file"])("(%s database) answers 503 with Retry-After, stores nothing of that request, and loses nothing acknowledged", async (where) => {
    const server = await HumanloopTestServer.start(where === "file" ? { dbPath: join(dir, "full.db") } : {});
    try {
      const ok = await post(server, "/logs", { project: "p", session_reference_id: "s", reference_id: "kept", config: tool("t") });
      expect(ok.status).toBe(200);
      const { page_count } = server.store.db.prepare("PRAGMA page_count").get() as { page_count: number };
      server.store.db.exec(`PRAGMA max_page_count = ${page_count + 1}`);
      const big = Array.from({ length: 50 }, (_, i) => ({ project: "p", session_reference_id: "s", reference_id: `big-${i}`, config: tool("t"), output: "x".repeat(4000) }));
      const full = await post(server, "/logs", big);
      expect(full.status).toBe(503);
      expect(full.retryAfter).toBe("5");
      expect(full.body.detail).toMatch(/^Storage unavailable, nothing was stored: database or disk is full; retry later$/);
      expect(server.logs().map((l) => l.reference_id)).toEqual(["kept"]);
      expect(server.sessions()).toEqual([expect.objectContaining({ reference_id: "s", log_ids: [ok.body.id] })]);

      server.store.db.exec("PRAGMA max_page_count = 1073741823");
      expect((await post(server, "/logs", big)).status).toBe(200);
      expect(server.logCount).toBe(51);
    } finally {
      await server.close();
    }
  });

  it("counts a full disk, I/O errors (extended codes too), a busy or read-only database as storage errors, and nothing else", () => {
    const sqlite = (errcode: number) => Object.assign(new Error("x"), { code: "ERR_SQLITE_ERROR", errcode });
    expect([13, 10, 522, 3850, 5, 6, 8, 14].map((c) => isStorageError(sqlite(c)))).toEqual(Array(8).fill(true));
    expect([1, 11, 19, 26].map((c) => isStorageError(sqlite(c)))).toEqual(Array(4).fill(false));
    expect(isStorageError(new Error("database or disk is full"))).toBe(false);
    expect(isStorageError(undefined)).toBe(false);
  });
});

describe("safe defaults", () => {
  it("refuses to listen beyond loopback without an explicit key, from the API and the CLI", async () => {
    await expect(HumanloopTestServer.start({ host: "0.0.0.0" })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without an explicit API key/);
    await expect(runCli(["--host", "0.0.0.0", "--db", ":memory:"], () => {}, {})).rejects.toThrow(/--api-key or HUMANLOOP_SERVER_API_KEY/);
    const lines: string[] = [];
    const running = (await runCli(["--host", "0.0.0.0", "--db", ":memory:"], (line) => lines.push(line), { HUMANLOOP_SERVER_API_KEY: "from-env" }))!;
    try {
      expect(running.server.apiKey).toBe("from-env");
      // Off loopback, the read-back routes take the key too.
      const port = new URL(running.server.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/__test/logs`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/__test/logs`, { headers: { "x-api-key": "from-env" } })).status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  it("generates a key on loopback when none is given, and stores in the file named by HUMANLOOP_SERVER_DB", async () => {
    const lines: string[] = [];
    const dbPath = join(dir, "sub", "env.db");
    const running = (await runCli([], (line) => lines.push(line), { HUMANLOOP_SERVER_DB: dbPath }))!;
    try {
      expect(running.server.apiKey).toMatch(/^hl-local-[0-9a-f]{24}$/);
      expect(running.server.dbPath).toBe(dbPath);
      expect(lines).toEqual([
        `humanloop-otel-server listening at ${running.server.url} (X-API-KEY: ${running.server.apiKey}, database: ${dbPath})`,
        `viewer: ${running.server.url.replace(/\/v4$/, "/")} (open on this machine)`,
      ]);
    } finally {
      await running.stop();
    }
  });

  it("survives malformed requests and drops clients that never finish their headers", async () => {
    const server = await HumanloopTestServer.start({ headersTimeoutMs: 300 });
    const { port } = new URL(server.url);
    const raw = (bytes: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), "127.0.0.1", () => socket.write(bytes));
        let answer = "";
        socket.on("data", (d) => (answer += String(d)));
        socket.on("close", () => resolve(answer));
        socket.on("error", () => resolve(answer));
      });
    try {
      expect(await raw("THIS IS NOT HTTP\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
      expect(await raw("POST /v4/logs HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
      const started = Date.now();
      const slow = await raw("POST /v4/logs HTTP/1.1\r\nHost: x\r\n"); // never ends its headers
      expect(slow).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(10_000);
      const odd = await fetch(`${server.url.replace(/\/v4$/, "")}/v4/logs/%E0%A4%A`, {
        method: "PATCH",
        headers: { "content-type": "application/json", "x-api-key": server.apiKey },
        body: "{}",
      });
      expect(odd.status).toBe(404);
      expect((await post(server, "/logs", { project: "p", config: tool("t") })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("kill -9", () => {
  // synchronous=normal skips the fsync, but the WAL is written (to the OS) before the answer, and the OS keeps it when the process dies.
  it.each(["full", "normal"])("with --synchronous %s, every log, session and feedback acknowledged before the kill is there after a restart", { timeout: 60_000 }, async (sync) => {
    const dbPath = join(dir, "hl.db");
    const args = ["--db", dbPath, "--api-key", "k", "--port", "0", "--synchronous", sync];
    const first = await startCliProcess(args);
    let app: ChildProcess | undefined;
    try {
      const result = runNode(["test/fixtures/durable-app.mjs", "4"], { HUMANLOOP_BASE_URL: first.url, HUMANLOOP_API_KEY: "k" }, (out, child) => {
        app = child;
        // The moment the app has its last answer, the server dies without any chance to flush.
        if (out.includes("acknowledged")) {
          first.child.kill("SIGKILL");
          child.kill("SIGKILL");
        }
      });
      const ran = await result;
      expect(ran.stdout, ran.stderr).toContain("acknowledged");
      expect(await first.exited).toBe("SIGKILL");
    } finally {
      first.child.kill("SIGKILL");
      app?.kill("SIGKILL");
    }

    const second = await startCliProcess(args);
    try {
      const read = async (what: string) => (await fetch(second.url.replace(/\/v4$/, `/__test/${what}`))).json();
      const logs = (await read("logs")) as Array<{ id: string; session_reference_id?: string }>;
      const sessions = (await read("sessions")) as Array<{ reference_id: string; log_ids: string[] }>;
      const feedback = (await read("feedback")) as Array<{ data_id: string; type: string; value: string }>;
      expect(logs).toHaveLength(12);
      expect(sessions.map((s) => [s.reference_id, s.log_ids.length]).sort()).toEqual([0, 1, 2, 3].map((i) => [`durable-${i}`, 3]));
      expect(feedback).toHaveLength(4);
      const ids = new Set(logs.map((l) => l.id));
      expect(feedback.every((f) => ids.has(f.data_id) && f.type === "rating" && f.value === "good")).toBe(true);
      const text = await (await fetch(second.url.replace(/\/v4$/, "/__test/trees?format=text"))).text();
      expect(text).toMatch(/session durable-0 .*\n└─ tool agent.*\n {3}├─ tool lookup.*\n {3}└─ tool answer/);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });
});
