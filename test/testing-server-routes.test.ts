import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HumanloopTestServer, MAX_BODY_BYTES } from "../testing/index.js";

let server: HumanloopTestServer;
beforeAll(async () => {
  server = await HumanloopTestServer.start({ apiKey: "secret" });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const tool = { type: "tool", name: "lookup" };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-api-key": "secret", ...headers },
    body: body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe("HTTP rules", () => {
  it("serves under /v4 with the configured key", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v4$/);
    expect(server.apiKey).toBe("secret");
  });

  it("answers 401 without the right X-API-KEY, storing nothing", async () => {
    const wrong = await call("POST", "/logs", { project: "p", config: tool }, { "x-api-key": "nope" });
    expect(wrong).toEqual({ status: 401, body: { detail: expect.any(String) } });
    const res = await fetch(`${server.url}/logs`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(server.logs()).toEqual([]);
    expect(server.stats.requests["POST /v4/logs"]).toEqual({ "401": 2 });
  });

  it("answers 413 for a body over 10 MiB", async () => {
    const big = JSON.stringify({ project: "p", config: tool, output: "x".repeat(MAX_BODY_BYTES) });
    const res = await call("POST", "/logs", big);
    expect(res.status).toBe(413);
    expect(server.logs()).toEqual([]);
    const fits = await call("POST", "/logs", { project: "p", config: tool, output: "x".repeat(MAX_BODY_BYTES - 100) });
    expect(fits.status).toBe(200);
  });

  it("answers 415 for a compressed body or a non-JSON content type, 400 for malformed JSON", async () => {
    const json = JSON.stringify({ project: "p", config: tool });
    expect((await call("POST", "/logs", gzipSync(json), { "content-encoding": "gzip" })).status).toBe(415);
    expect((await call("POST", "/logs", json, { "content-encoding": "identity" })).status).toBe(200);
    expect((await call("POST", "/logs", json, { "content-type": "text/plain" })).status).toBe(415);
    expect((await call("POST", "/logs", json, { "content-type": "application/json; charset=utf-8" })).status).toBe(200);
    const bad = await call("POST", "/logs", "{nope");
    expect(bad.status).toBe(400);
    expect(bad.body.detail[0]).toMatchObject({ loc: ["body"], type: "json_invalid" });
  });

  it("answers 404 for unknown routes and 405 for the wrong method", async () => {
    expect((await call("POST", "/prompts/log", {})).status).toBe(404);
    expect((await call("DELETE", "/logs")).status).toBe(405);
    expect((await call("GET", "/feedback")).status).toBe(405);
    expect((await fetch(server.url.replace("/v4", "/v5/logs"))).status).toBe(404);
    expect((await fetch(server.url.replace("/v4", "/v6/logs"))).status).toBe(404);
  });
});

describe("robustness", () => {
  it("survives a client that leaves mid-body", async () => {
    const { port } = new URL(server.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write("POST /v4/logs HTTP/1.1\r\nhost: x\r\nx-api-key: secret\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"pro");
        setTimeout(() => socket.destroy(), 20);
      });
      socket.on("close", () => resolve());
    });
    expect((await call("POST", "/logs", { project: "p", config: tool })).status).toBe(200);
    expect(server.logs()).toHaveLength(1);
  });

  it("accepts exactly one of many concurrent requests with the same reference_id", async () => {
    const body = { project: "p", reference_id: "same", config: tool };
    const results = await Promise.all(Array.from({ length: 20 }, () => call("POST", "/logs", body)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.body.detail?.[0]?.type === "duplicate_reference_id")).toHaveLength(19);
    expect(server.stats.duplicates).toBe(19);
  });
});

describe("PATCH /v4/logs", () => {
  async function logOne(reference = "r", project = "p") {
    return (await call("POST", "/logs", { project, reference_id: reference, config: tool, inputs: { a: 1 } })).body;
  }

  it("updates by id, returning the whole log, and keeps the update history", async () => {
    const { id } = await logOne();
    const res = await call("PATCH", `/logs/${id}`, { output: "done", duration: 1.25 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, reference_id: "r", project: "p", inputs: { a: 1 }, output: "done", duration: 1.25 });
    expect(res.body.updates).toEqual([{ output: "done", duration: 1.25, applied_at: expect.any(String) }]);
    await call("PATCH", `/logs/${id}`, { error: "boom" });
    expect(server.log(id)).toMatchObject({ output: "done", error: "boom", duration: 1.25 });
    expect(server.log(id)?.updates).toHaveLength(2);
  });

  it("updates by reference_id", async () => {
    const { id } = await logOne("ref-1");
    const res = await call("PATCH", "/logs?reference_id=ref-1", { output: "later" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, output: "later" });
    expect(server.stats.requests["PATCH /v4/logs"]).toEqual({ "200": 1 });
  });

  it("answers 404 when no log matches", async () => {
    expect((await call("PATCH", "/logs/data_nope", { output: "x" })).status).toBe(404);
    expect((await call("PATCH", "/logs?reference_id=nope", { output: "x" })).status).toBe(404);
  });

  it("answers 422 for extra fields, bad values, a missing reference, or a reference in several projects", async () => {
    const { id } = await logOne("shared", "a");
    const extra = await call("PATCH", `/logs/${id}`, { output: "x", metadata: {} });
    expect(extra.status).toBe(422);
    expect(extra.body.detail).toEqual([expect.objectContaining({ loc: ["body", "metadata"], type: "extra_forbidden" })]);
    const negative = await call("PATCH", `/logs/${id}`, { duration: -1 });
    expect(negative.body.detail).toEqual([expect.objectContaining({ loc: ["body", "duration"], type: "greater_than_equal" })]);
    const noRef = await call("PATCH", "/logs", { output: "x" });
    expect(noRef.body.detail).toEqual([expect.objectContaining({ loc: ["query", "reference_id"], type: "missing" })]);
    await logOne("shared", "b");
    const ambiguous = await call("PATCH", "/logs?reference_id=shared", { output: "x" });
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.detail[0].type).toBe("ambiguous_reference");
    expect(server.log(id)?.updates).toEqual([]);
  });
});

describe("sessions", () => {
  it("creates sessions with POST /v4/sessions and by session_reference_id", async () => {
    const created = await call("POST", "/sessions");
    expect(created).toEqual({ status: 200, body: { id: expect.stringMatching(/^sesh_/) } });
    expect((await call("POST", "/sessions", {})).status).toBe(200);
    expect((await call("POST", "/sessions", { name: "x" })).status).toBe(422);
    const a = await call("POST", "/logs", { project: "p", session_id: created.body.id, config: tool });
    expect(a.body.session_id).toBe(created.body.id);
    const b = await call("POST", "/logs", { project: "p", session_reference_id: "conv", config: tool });
    const c = await call("POST", "/logs", { project: "q", session_reference_id: "conv", config: tool });
    expect(c.body.session_id).toBe(b.body.session_id);
    expect(server.sessions()).toEqual([
      { id: created.body.id, log_ids: [a.body.id] },
      { id: expect.any(String), log_ids: [] },
      { id: b.body.session_id, reference_id: "conv", log_ids: [b.body.id, c.body.id] },
    ]);
  });
});

describe("POST /v4/feedback", () => {
  it("stores one item or an array, answering ann_ ids", async () => {
    const log = (await call("POST", "/logs", { project: "p", config: tool })).body;
    const one = await call("POST", "/feedback", { type: "rating", value: "good", data_id: log.id, user: "u1" });
    expect(one).toEqual({ status: 200, body: { id: expect.stringMatching(/^ann_/), type: "rating", value: "good", data_id: log.id, user: "u1" } });
    const many = await call("POST", "/feedback", [
      { type: "comment", value: "nice", data_id: log.id, created_at: "2024-01-01T00:00:00Z" },
      { type: "rating", data_id: log.id, unset: true },
    ]);
    expect(many.body).toHaveLength(2);
    expect(server.feedback().map((f) => f.type)).toEqual(["rating", "comment", "rating"]);
  });

  it("answers 404 when data_id names no log, storing nothing", async () => {
    const log = (await call("POST", "/logs", { project: "p", config: tool })).body;
    const res = await call("POST", "/feedback", [{ type: "rating", data_id: log.id }, { type: "rating", data_id: "data_nope" }]);
    expect(res.status).toBe(404);
    expect(res.body.detail).toEqual([expect.objectContaining({ loc: ["body", 1, "data_id"], type: "not_found" })]);
    expect(server.feedback()).toEqual([]);
  });

  it("answers 422 for extra fields and missing type or data_id", async () => {
    const res = await call("POST", "/feedback", { value: 1, data_id: "data_x", comment: "x" });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({ loc: ["body", "type"], type: "missing" }),
      expect.objectContaining({ loc: ["body", "comment"], type: "extra_forbidden" }),
    ]);
    const noData = await call("POST", "/feedback", { type: "rating", created_at: "yesterday" });
    expect(noData.body.detail).toEqual([
      expect.objectContaining({ loc: ["body", "data_id"], type: "missing" }),
      expect.objectContaining({ loc: ["body", "created_at"], type: "datetime_parsing" }),
    ]);
  });
});
