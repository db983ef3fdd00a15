/**
 * The bundled server's /v5 routes over HTTP: the rules of HUMANLOOP_V5.md
 * (files and versions, trace parents, Flow status, log ids, judgments),
 * lenient and strict modes, the OTel import, and the v4 pipeline's
 * guarantees (API key, faults, all-or-nothing transactions) on v5.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HumanloopTestServer, formatTrees } from "../testing/index.js";

let lenient: HumanloopTestServer;
let strict: HumanloopTestServer;

beforeAll(async () => {
  [lenient, strict] = await Promise.all([HumanloopTestServer.start(), HumanloopTestServer.start({ v5Strict: true })]);
});
beforeEach(() => {
  lenient.reset();
  strict.reset();
});
afterAll(() => Promise.all([lenient.close(), strict.close()]));

type Answer = { status: number; body: Record<string, unknown> & { detail?: { loc: unknown[]; type: string; msg: string }[] } };

async function call(server: HumanloopTestServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${server.v5Url}${path}`, {
    method,
    headers: { "x-api-key": server.apiKey, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer["body"]) : {} };
}

const prompt = { model: "gpt-4o", provider: "openai" };
const typeOf = (a: Answer) => a.body.detail?.[0]?.type;

describe("files and versions", () => {
  it("makes a file on first log, one version per kernel, and answers the SDK's create shapes", async () => {
    const a = await call(lenient, "POST", "/prompts/log", { path: "p/chat", prompt, output: "x", log_id: "a" });
    expect(a).toMatchObject({ status: 200, body: { id: "a", prompt_id: expect.stringMatching(/^pr_/), version_id: expect.stringMatching(/^prv_/), session_id: null } });
    const b = await call(lenient, "POST", "/prompts/log", { id: a.body.prompt_id, prompt: { provider: "openai", model: "gpt-4o", temperature: null }, output: "y" });
    expect(b.body.version_id).toBe(a.body.version_id); // key order and nulls do not make a new version
    const c = await call(lenient, "POST", "/prompts/log", { path: "p/chat", output: "no kernel: the newest version" });
    expect(c.body.version_id).toBe(a.body.version_id);
    const d = await call(lenient, "POST", "/prompts/log?version_id=" + String(a.body.version_id) + "&environment=staging", { output: "by version" });
    expect(d.body.prompt_id).toBe(a.body.prompt_id);
    expect(lenient.log(d.body.id as string)).toMatchObject({ environment: "staging", version_id: a.body.version_id });
  });

  it("answers the v5 errors: no file named, a new Prompt without a kernel, unknown id, path of another kind, path and id disagreeing", async () => {
    expect(typeOf(await call(lenient, "POST", "/prompts/log", { output: "x" }))).toBe("missing");
    expect(await call(lenient, "POST", "/prompts/log", { path: "p/new", output: "x" })).toMatchObject({ status: 422, body: { detail: [{ loc: ["body", "prompt"] }] } });
    expect((await call(lenient, "POST", "/tools/log", { id: "tl_nope" })).status).toBe(404);
    await call(lenient, "POST", "/tools/log", { path: "p/t" });
    expect(await call(lenient, "POST", "/prompts/log", { path: "p/t", prompt })).toMatchObject({ status: 409, body: { detail: [{ type: "path_conflict" }] } });
    const flow = await call(lenient, "POST", "/flows/log", { path: "p/f", inputs: {}, output: "o" });
    expect((await call(lenient, "POST", "/flows/log", { path: "p/other", id: flow.body.flow_id, inputs: {}, output: "o" })).status).toBe(422);
    expect(lenient.logCount).toBe(2);
  });
});

describe("log ids, trace parents and Flow status", () => {
  it("takes the client's log_id once (409 duplicate_log_id), and a parent only when it exists outside a completed trace", async () => {
    expect((await call(lenient, "POST", "/flows/log", { path: "f", log_id: "root", log_status: "incomplete", inputs: { q: 1 }, start_time: "2025-01-01T00:00:05" })).status).toBe(200);
    expect(typeOf(await call(lenient, "POST", "/flows/log", { path: "f", log_id: "root", inputs: {}, output: "" }))).toBe("duplicate_log_id");
    expect((await call(lenient, "POST", "/tools/log", { path: "t", trace_parent_id: "missing" })).status).toBe(404);
    const child = { path: "t", trace_parent_id: "root", start_time: "2025-01-01T00:00:01Z", end_time: "2025-01-01T00:00:09Z" };
    expect((await call(lenient, "POST", "/tools/log", { ...child, log_id: "c1" })).status).toBe(200);
    expect((await call(lenient, "POST", "/tools/log", { path: "t", trace_parent_id: "c1", log_id: "g1" })).status).toBe(200);
    expect(typeOf(await call(lenient, "PATCH", "/flows/logs/root", { log_status: "complete" }))).toBe("missing"); // needs an output
    const done = await call(lenient, "PATCH", "/flows/logs/root", { log_status: "complete", output: "ok" });
    expect(done).toMatchObject({ status: 200, body: { id: "root", log_status: "complete", flow: { path: "f", attributes: {} }, evaluator_logs: [] } });
    // Completion widens the Flow's times over its children (a start without an offset is UTC).
    expect(lenient.log("root")).toMatchObject({ start_time: "2025-01-01T00:00:01.000Z" });
    expect(Date.parse(lenient.log("root")!.end_time as string)).toBeGreaterThan(Date.parse("2025-01-01T00:00:09Z"));
    expect(typeOf(await call(lenient, "POST", "/tools/log", { path: "t", trace_parent_id: "g1" }))).toBe("trace_complete");
    expect(typeOf(await call(lenient, "PATCH", "/flows/logs/root", { log_status: "complete", output: "again" }))).toBe("already_complete");
    expect(typeOf(await call(lenient, "PATCH", "/flows/logs/root", { log_status: "incomplete" }))).toBe("invalid_log_status_transition");
    expect(lenient.stats.conflicts).toEqual({ duplicate_log_id: 1, trace_complete: 1, already_complete: 1, invalid_log_status_transition: 1 });
  });

  it("updates a Prompt or Tool log only through its own file, and keeps each update", async () => {
    const p = await call(lenient, "POST", "/prompts/log", { path: "p", prompt, log_id: "p1" });
    const t = await call(lenient, "POST", "/tools/log", { path: "t", log_id: "t1" });
    expect((await call(lenient, "PATCH", `/prompts/${String(t.body.tool_id)}/log/p1`, { output: "x" })).status).toBe(404);
    expect((await call(lenient, "PATCH", `/tools/${String(t.body.tool_id)}/log/p1`, { output: "x" })).status).toBe(404);
    const ok = await call(lenient, "PATCH", `/prompts/${String(p.body.prompt_id)}/log/p1`, { output: "x", output_tokens: 3 });
    expect(ok).toMatchObject({ status: 200, body: { id: "p1", output: "x", prompt: { id: p.body.prompt_id, model: "gpt-4o", total_logs_count: 1 } } });
    expect(lenient.log("p1")!.updates).toEqual([{ output: "x", output_tokens: 3, applied_at: expect.any(String) }]);
    expect((await call(lenient, "GET", "/logs/nope")).status).toBe(404);
  });
});

describe("unknown fields and explicit nulls", () => {
  it("ignores unknown fields when lenient (storing none), refuses them in strict mode; nulls are absent in both", async () => {
    const body = { path: "p", prompt: { ...prompt, colour: "red" }, output: "x", extra: 1, user: null, trace_parent_id: null, messages: null };
    expect((await call(lenient, "POST", "/prompts/log", { ...body, log_id: "l" })).status).toBe(200);
    expect(lenient.log("l")).not.toHaveProperty("extra");
    expect(lenient.log("l")).not.toHaveProperty("user");
    const refused = await call(strict, "POST", "/prompts/log", { ...body, log_id: "s" });
    expect(refused.status).toBe(422);
    expect(refused.body.detail!.map((d) => [d.loc.join("."), d.type])).toEqual([
      ["body.prompt.colour", "extra_forbidden"],
      ["body.extra", "extra_forbidden"],
    ]);
    expect(strict.stats.rejected).toHaveLength(1);
    const { extra: _extra, ...clean } = body;
    expect((await call(strict, "POST", "/prompts/log", { ...clean, prompt, log_id: "s" })).status).toBe(200);
  });
});

describe("evaluator judgments", () => {
  it("keeps a judgment as feedback on the judged log (404 for an unknown one), answering the SDK's shape", async () => {
    await call(lenient, "POST", "/prompts/log", { path: "p", prompt, log_id: "judged" });
    const j = await call(lenient, "POST", "/evaluators/log", { parent_id: "judged", path: "rating", judgment: "good", user: "ann", log_id: "j1" });
    expect(j).toMatchObject({ status: 200, body: { id: "j1", parent_id: "judged", version_id: expect.stringMatching(/^evv_/), session_id: null } });
    expect(typeOf(await call(lenient, "POST", "/evaluators/log", { parent_id: "judged", path: "rating", log_id: "j1" }))).toBe("duplicate_log_id");
    expect(typeOf(await call(lenient, "POST", "/prompts/log", { path: "p", log_id: "j1" }))).toBe("duplicate_log_id");
    expect((await call(lenient, "POST", "/evaluators/log", { parent_id: "nope", path: "rating", judgment: "bad" })).status).toBe(404);
    expect((await call(lenient, "POST", "/evaluators/log", { path: "rating", judgment: "bad" })).status).toBe(422);
    expect(lenient.feedback()).toEqual([{ id: "j1", data_id: "judged", type: "rating", value: "good", user: "ann" }]);
    expect((await call(lenient, "GET", "/logs/judged")).body.evaluator_logs).toMatchObject([{ id: "j1", judgment: "good", evaluator: { path: "rating" } }]);
  });
});

describe("Humanloop's OTel import", () => {
  const span = (attributes: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    traceId: "AAAAAAAAAAAAAAAAAAAAAA==",
    spanId: "AAAAAAAAAAA=",
    name: "humanloop.tool",
    kind: 0,
    startTimeUnixNano: 1.7e18,
    endTimeUnixNano: 1.7e18 + 5e6,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
    ...extra,
  });
  const payload = (...spans: unknown[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ scope: { name: "humanloop.sdk.decorator" }, spans }] }] });

  it("takes a text/plain OTLP/JSON body (as the SDK sends it), answering 200 { records }", async () => {
    await call(strict, "POST", "/flows/log", { path: "f", log_id: "flow", log_status: "incomplete", inputs: { q: "x" } });
    const tool = span({ "humanloop.file.type": "tool", "humanloop.file.path": "calc", "humanloop.file.function.name": "calc", "humanloop.file.function.description": "", "humanloop.log.inputs.a": "1", "humanloop.log.output": "3", "humanloop.log.trace_parent_id": "flow" });
    const answer = await call(strict, "POST", "/import/otel/v1/traces", payload(tool), { "content-type": "text/plain;charset=UTF-8" });
    expect(answer).toMatchObject({ status: 200, body: { records: [expect.stringMatching(/^log_/)] } });
    const end = span({ "humanloop.file.type": "flow", "humanloop.file.path": "f", "humanloop.log.id": "flow", "humanloop.log.log_status": "complete", "humanloop.log.output": "done" });
    expect((await call(strict, "POST", "/import/otel/v1/traces", payload(end), { "content-type": "" })).body).toEqual({ records: ["flow"] });
    expect(strict.store.queries.traceLogs("flow").map((l) => [l.path, l.output])).toEqual([
      ["f", "done"],
      ["calc", "3"],
    ]);
  });

  it("keeps the spans the rules accept and reports the others in partialSuccess, still 200 (the SDK does not await its export)", async () => {
    const good = span({ "humanloop.file.type": "tool", "humanloop.file.path": "calc" });
    const orphan = span({ "humanloop.file.type": "tool", "humanloop.file.path": "other", "humanloop.log.trace_parent_id": "missing" });
    const answer = await call(lenient, "POST", "/import/otel/v1/traces", payload(good, orphan));
    expect(answer).toMatchObject({ status: 200, body: { records: [expect.any(String)], partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringContaining("missing") } } });
    expect(lenient.logs().map((l) => l.path)).toEqual(["calc"]);
    expect(lenient.store.files.allFiles().map((f) => f.path)).toEqual(["calc"]);
    expect(lenient.stats.rejected).toMatchObject([{ route: "POST /v5/import/otel/v1/traces", detail: [{ loc: ["body", "trace_parent_id"], type: "not_found" }] }]);
    // A payload that is not Humanloop spans is a 422, storing nothing.
    expect((await call(lenient, "POST", "/import/otel/v1/traces", payload(good, span({ "humanloop.file.path": "x" })))).status).toBe(422);
    expect(lenient.logCount).toBe(1);
  });
});

describe("the v4 pipeline's guarantees on /v5", () => {
  it("answers 401 without the key, 404/405 for unknown routes and methods, 415 for a non-JSON log body", async () => {
    expect((await call(lenient, "POST", "/prompts/log", { path: "p", prompt }, { "x-api-key": "wrong" })).status).toBe(401);
    expect((await call(lenient, "POST", "/datasets/log", {})).status).toBe(404);
    expect((await call(lenient, "GET", "/prompts/log")).status).toBe(405);
    expect((await call(lenient, "POST", "/prompts/log", "{}", { "content-type": "text/plain" })).status).toBe(415);
    expect(lenient.logCount).toBe(0);
  });

  it("injects faults on v5 routes: a status stores nothing, store-then-reset stores and drops the answer", async () => {
    lenient.failNext(1, { status: 503, path: "/prompts" });
    expect((await call(lenient, "POST", "/prompts/log", { path: "p", prompt, log_id: "a" })).status).toBe(503);
    expect(lenient.logCount).toBe(0);
    lenient.failNext(1, { reset: true, path: "/prompts" });
    await expect(call(lenient, "POST", "/prompts/log", { path: "p", prompt, log_id: "a" })).rejects.toThrow();
    expect(lenient.log("a")).toBeDefined();
    expect(typeOf(await call(lenient, "POST", "/prompts/log", { path: "p", prompt, log_id: "a" }))).toBe("duplicate_log_id");
    expect(lenient.stats).toMatchObject({ resetsInjected: 1, faultsInjected: { "503": 1 } });
  });
});

describe("trees of v5 logs", () => {
  it("nests by trace_parent_id and groups by the session() id in metadata, else by trace", async () => {
    await call(lenient, "POST", "/flows/log", { path: "proj/agent", log_id: "f1", log_status: "incomplete", inputs: {}, metadata: { session_id: "conv" } });
    await call(lenient, "POST", "/prompts/log", { path: "proj/gpt", prompt, log_id: "p1", trace_parent_id: "f1", prompt_tokens: 3, output_tokens: 2, metadata: { session_id: "conv" } });
    await call(lenient, "PATCH", "/flows/logs/f1", { log_status: "complete", output: "ok" });
    await call(lenient, "POST", "/tools/log", { path: "proj/search", tool: { function: { name: "search", description: "" } }, log_id: "t1" });
    const trees = lenient.trees();
    expect(trees.map((t) => [t.session_reference_id, t.trace_id, t.roots.map((r) => [r.id, r.children.map((c) => c.id)])])).toEqual([
      ["conv", undefined, [["f1", ["p1"]]]],
      [undefined, "t1", [["t1", []]]],
    ]);
    expect(formatTrees(trees)).toMatch(/^session conv\n└─ flow agent\n {3}└─ prompt gpt {2}\(openai\) {2}tokens 3\/2\ntrace t1\n└─ tool search\n$/);
  });
});
