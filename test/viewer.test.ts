// The viewer over HTTP (no browser): routes, escaping, v5 traces, the
// feedback form's validation, the gate off loopback, and that the API
// around it answers as before.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HumanloopTestServer } from "../server/server.js";
import { newId } from "../server/store.js";
import { safeNext } from "../server/viewer/auth.js";
import { postHostileLog } from "./fixtures/viewer-data.js";

let server: HumanloopTestServer;
let root: string;

beforeEach(async () => {
  server = await HumanloopTestServer.start();
  root = server.url.replace(/\/v4$/, "");
});
afterEach(() => server.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${root}${path}`, { headers, redirect: "manual" });
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${root}${path}`, { method: "POST", body: new URLSearchParams(form), headers: { origin: root, ...headers }, redirect: "manual" });

/** A v5 trace as the v5 routes store it: a flow log, a prompt log under it, a tool log under that. */
function storeV5Trace(): { flow: string; prompt: string; tool: string } {
  const store = server.store;
  return store.transaction(() => {
    const project = store.ensureProject("agents");
    const flowFile = store.files.ensureFile("support/agent", "flow").file;
    const promptFile = store.files.ensureFile("support/answer", "prompt").file;
    const toolFile = store.files.ensureFile("support/lookup", "tool").file;
    const version = store.files.ensureVersion(promptFile.id, { model: "gpt-4o", provider: "openai" }).version;
    const base = { project: project.name, project_id: project.id, api_version: "v5" as const, updates: [], received_at: new Date().toISOString() };
    const flow = { ...base, id: newId("log"), file_id: flowFile.id, log_status: "incomplete" as const, start_time: "2026-01-01T10:00:00Z", inputs: { question: "where?" } };
    const prompt = { ...base, id: newId("log"), file_id: promptFile.id, version_id: version.id, trace_parent_id: flow.id, prompt: { model: "gpt-4o", provider: "openai" },
      messages: [{ role: "user", content: "where is it?" }], output_message: { role: "assistant", content: "in Leipzig" }, start_time: "2026-01-01T10:00:01Z", end_time: "2026-01-01T10:00:03Z", prompt_tokens: 9, output_tokens: 4 };
    const tool = { ...base, id: newId("log"), file_id: toolFile.id, trace_parent_id: prompt.id, start_time: "2026-01-01T10:00:02Z", end_time: "2026-01-01T10:00:02.5Z", output: "ok" };
    for (const log of [flow, prompt, tool]) store.addLog(log);
    return { flow: flow.id, prompt: prompt.id, tool: tool.id };
  });
}

describe("viewer pages", () => {
  it("shows v5 traces like sessions: listed on /, a tree with the flow and its children, each log with its file and version", async () => {
    const ids = storeV5Trace();
    const list = await (await get("/")).text();
    expect(list).toContain(`href="/traces/${ids.flow}">agent</a>`);
    expect(list).toContain("incomplete");
    const trace = await (await get(`/traces/${ids.flow}`)).text();
    expect(trace).toMatch(/<span class="tag">flow<\/span> <a href="\/logs\/log_\w+">agent<\/a>[\s\S]*<span class="tag">prompt<\/span> <a href="\/logs\/log_\w+">answer<\/a> <span>gpt-4o<\/span>[\s\S]*<span class="tag">tool<\/span> <a href="\/logs\/log_\w+">lookup<\/a>/);
    expect(trace.match(/class="tl-row"/g)).toHaveLength(3);
    const log = await (await get(`/logs/${ids.prompt}`)).text();
    expect(log).toMatch(/<dt>File<\/dt><dd>prompt support\/answer<\/dd>/);
    expect(log).toContain('<div class="text">in Leipzig</div>');
    expect(log).toMatch(/<h2>Version kernel<\/h2><pre id="kernel">\{\n {2}&quot;model&quot;: &quot;gpt-4o&quot;/);
    expect(log).toContain(`href="/logs/${ids.flow}">agent</a>`);
    expect(log).toContain(`href="/logs/${ids.tool}">lookup</a>`);
  });

  it("escapes every value of a log (the page holds the markup only as entities)", async () => {
    const id = await postHostileLog(server);
    for (const path of ["/", `/traces/${id}`, `/logs/${id}`]) {
      const page = await (await get(path)).text();
      expect(page, path).not.toContain("<script");
      expect(page, path).not.toContain("<img src=\"x\"");
      expect(page, path).toContain("&lt;script&gt;window.__pwned = &#39;script&#39;&lt;/script&gt;");
    }
    const page = await (await get(`/logs/${id}`)).text();
    expect(page).toContain(`image: <code>javascript:window.__pwned=&#39;url&#39;//&lt;img`);
    expect(page.match(/<img /g)).toHaveLength(1);
    expect(page).toContain('<img class="thumb" src="data:image/png;base64,');
  });

  it("sends a strict content security policy: no script, images only from data: URLs", async () => {
    const response = await get("/");
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("answers 404 pages for unknown sessions, traces and logs, and leaves the API as it was", async () => {
    for (const path of ["/sessions/nope", "/traces/nope", "/logs/nope", "/logs/%E0%A4%A"]) expect((await get(path)).status, path).toBe(404);
    expect((await get("/elsewhere")).headers.get("content-type")).toBe("application/json");
    expect((await fetch(`${server.url}/logs`, { method: "POST", body: "{}" })).status).toBe(401);
    expect((await get("/__test/logs")).status).toBe(200);
  });

  it("pages the session list and filters it by project, user, text and errors", async () => {
    const store = server.store;
    store.transaction(() => {
      for (let i = 0; i < 60; i += 1) {
        const project = store.ensureProject(i % 2 === 0 ? "even" : "odd");
        const session = store.createSession(`conv-${i}`);
        store.addLog({ id: newId("data"), project: project.name, project_id: project.id, session_id: session.id, updates: [], received_at: new Date().toISOString(),
          config: { type: "model", model: "m" }, created_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), metadata: { user_id: `u${i % 3}` }, output: `answer ${i}`, ...(i === 7 ? { error: "boom" } : {}) });
      }
    });
    const first = await (await get("/")).text();
    expect(first.match(/href="\/sessions\//g)).toHaveLength(50);
    expect(first.indexOf(">conv-59<")).toBeLessThan(first.indexOf(">conv-58<"));
    expect(first).toContain('<a href="/?offset=50" rel="next">');
    const second = await (await get("/?offset=50")).text();
    expect(second.match(/href="\/sessions\//g)).toHaveLength(10);
    expect(second).toContain("sessions 51–60 of 60");
    expect((await (await get("/?project=odd&user=u1")).text()).match(/href="\/sessions\//g)).toHaveLength(10);
    expect((await (await get("/?errors=1")).text()).match(/>conv-\d+</g)).toEqual([">conv-7<"]);
    expect((await (await get("/?text=answer%2042")).text()).match(/>conv-\d+</g)).toEqual([">conv-42<"]);
  });
});

describe("feedback from the log page", () => {
  it("stores a rating and a comment through POST /feedback's validation, then redirects back", async () => {
    const id = await postHostileLog(server);
    const response = await post(`/logs/${id}/feedback`, { rating: "good", comment: "fine", user: "" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/logs/${id}?feedback=saved`);
    expect(server.feedback().map(({ type, value, data_id }) => ({ type, value, data_id }))).toEqual([
      { type: "rating", value: "good", data_id: id },
      { type: "comment", value: "fine", data_id: id },
    ]);
  });

  it("stores nothing for a rating other than good or bad, an empty form, an unknown log, or a post from another site", async () => {
    const id = await postHostileLog(server);
    const bad = await post(`/logs/${id}/feedback`, { rating: "meh", comment: "x" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("rating must be good or bad");
    expect((await post(`/logs/${id}/feedback`, { rating: "", comment: "  " })).status).toBe(422);
    const unknown = await post("/logs/data_missing/feedback", { rating: "good" });
    expect(unknown.status).toBe(404);
    expect((await post(`/logs/${id}/feedback`, { rating: "good" }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await post(`/logs/${id}/feedback`, { rating: "good" }, { origin: "null" })).status).toBe(403);
    expect((await get(`/logs/${id}/feedback`)).status).toBe(405);
    expect(server.feedback()).toEqual([]);
  });
});

describe("the gate off loopback", () => {
  it("sends every page to the login form, takes the key in constant time, sets an HttpOnly SameSite=Strict cookie, never redirects elsewhere", async () => {
    const gated = await HumanloopTestServer.start({ host: "0.0.0.0", apiKey: "k-123" });
    try {
      const base = gated.url.replace("0.0.0.0", "127.0.0.1").replace(/\/v4$/, "");
      for (const path of ["/", "/sessions/x", "/logs/x"]) {
        const r = await fetch(`${base}${path}`, { redirect: "manual" });
        expect(r.status, path).toBe(303);
        expect(r.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
      }
      const denied = await fetch(`${base}/logs/x/feedback`, { method: "POST", body: new URLSearchParams({ rating: "good" }), redirect: "manual" });
      expect(denied.headers.get("location")).toBe("/login?next=%2F");
      const wrong = await fetch(`${base}/login`, { method: "POST", body: new URLSearchParams({ key: "k-12", next: "/" }), redirect: "manual" });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get("set-cookie")).toBeNull();
      const right = await fetch(`${base}/login`, { method: "POST", body: new URLSearchParams({ key: "k-123", next: "//evil.example/x" }), redirect: "manual" });
      expect(right.status).toBe(303);
      expect(right.headers.get("location")).toBe("/");
      const cookie = right.headers.get("set-cookie")!;
      expect(cookie).toMatch(/^hl_viewer=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
      expect(cookie).not.toContain("k-123");
      const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(";")[0]! }, redirect: "manual" });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Log out");
      expect((await fetch(`${base}/`, { headers: { cookie: "hl_viewer=forged" }, redirect: "manual" })).status).toBe(303);
    } finally {
      await gated.close();
    }
  });

  it("keeps the viewer open on loopback", async () => {
    expect((await get("/")).status).toBe(200);
  });

  it("follows only paths on this server after login", () => {
    expect(safeNext("/logs/a?b=1")).toBe("/logs/a?b=1");
    for (const next of ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "", null]) expect(safeNext(next)).toBe("/");
  });
});
