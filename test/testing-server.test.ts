import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HumanloopTestServer } from "../testing/index.js";

let server: HumanloopTestServer;
beforeAll(async () => {
  server = await HumanloopTestServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const tool = (name = "lookup") => ({ type: "tool", name });
const model = (m = "gpt-4o-mini") => ({ type: "model", model: m, provider: "openai" });

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-api-key": server.apiKey, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
const postLogs = (body: unknown) => call("POST", "/logs", body);

/** Posts `logs` (an array) and expects one 422 issue with this loc and type. */
async function expectIssue(logs: unknown, loc: Array<string | number>, type: string) {
  const res = await postLogs(logs);
  expect(res.status).toBe(422);
  expect(res.body.detail).toContainEqual(expect.objectContaining({ loc, type }));
  expect(typeof res.body.detail[0].msg).toBe("string");
  expect(server.logs()).toHaveLength(0);
}

describe("POST /v4/logs: accepted requests", () => {
  it("answers one object with ids, and an array in order", async () => {
    const one = await postLogs({ project: "p", config: tool() });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ id: expect.stringMatching(/^data_/), project_id: expect.stringMatching(/^pr_/) });
    const many = await postLogs([
      { project: "p", reference_id: "a", config: tool(), session_reference_id: "s" },
      { project: "p", reference_id: "b", config: model() },
    ]);
    expect(many.status).toBe(200);
    expect(many.body).toHaveLength(2);
    expect(many.body[0].project_id).toBe(one.body.project_id);
    expect(many.body[0].session_id).toMatch(/^sesh_/);
    expect(many.body[1]).not.toHaveProperty("session_id");
    expect(server.logs().map((l) => l.reference_id)).toEqual([undefined, "a", "b"]);
    expect(server.log("a")?.id).toBe(many.body[0].id);
    expect(server.log(many.body[1].id)?.reference_id).toBe("b");
  });

  it("stores every request field, the resolved ids and the project name", async () => {
    const log = {
      project: "support",
      reference_id: "r1",
      session_reference_id: "conv-1",
      config: { ...model(), endpoint: "chat", temperature: 0.2, max_tokens: 10, stop: ["\n"], tools: [{ name: "x" }], other: {} },
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "https://x/y.png", detail: "low" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{\"a\":1}" } }] },
        { role: "tool", content: "42", tool_call_id: "c1", name: "f" },
      ],
      output: "hello",
      output_message: { role: "assistant", content: "hello" },
      inputs: { q: 1 },
      metadata: { k: "v" },
      feedback: [{ type: "rating", value: "good" }],
      created_at: "2024-05-01T12:00:00.123+02:00",
      duration: 0,
      prompt_tokens: 0,
      output_tokens: 7,
      prompt_cost: 0.1,
      save: true,
      source: "sdk",
      environment: "test",
    };
    const res = await postLogs(log);
    expect(res.status).toBe(200);
    const stored = server.log("r1")!;
    expect(stored).toMatchObject({ ...log, session_reference_id: "conv-1", project_id: res.body.project_id, updates: [] });
    expect(stored.session_id).toBe(res.body.session_id);
    expect(stored.received_at).toMatch(/T.*Z$/);
  });

  it("accepts config_id or trial_id instead of config, and null as absent", async () => {
    expect((await postLogs([{ project: "p", config_id: "cfg_1" }, { project: "p", trial_id: "t" }])).status).toBe(200);
    expect((await postLogs({ project: "p", config: tool(), session_id: null, session_reference_id: "s", output: null })).status).toBe(200);
  });

  it("resolves project_id, parent_id and parent_reference_id", async () => {
    const root = await postLogs({ project: "p", reference_id: "root", config: tool() });
    const child = await postLogs({ project_id: root.body.project_id, parent_reference_id: "root", reference_id: "c", config: tool() });
    expect(child.status).toBe(200);
    const grandchild = await postLogs({ project: "p", parent_id: child.body.id, config: model() });
    expect(grandchild.status).toBe(200);
    expect(server.log("c")?.parent_id).toBe(root.body.id);
    expect(server.log("c")?.project).toBe("p");
    expect(server.log(grandchild.body.id)?.parent_id).toBe(child.body.id);
    // A parent in another project is found when its reference is unique.
    expect((await postLogs({ project: "other", parent_reference_id: "root", config: tool() })).status).toBe(200);
  });
});

describe("POST /v4/logs: validation (422, FastAPI shape, nothing stored)", () => {
  const base = { project: "p", config: tool() };
  const cases: Array<[string, Record<string, unknown>, Array<string | number>, string]> = [
    ["no project", { config: tool() }, ["project"], "missing"],
    ["both session fields", { ...base, session_id: "sesh_x", session_reference_id: "s" }, ["session_reference_id"], "value_error"],
    ["both parent fields", { ...base, parent_id: "data_x", parent_reference_id: "r" }, ["parent_reference_id"], "value_error"],
    ["unknown parent_reference_id", { ...base, parent_reference_id: "nope" }, ["parent_reference_id"], "parent_not_found"],
    ["no config", { project: "p" }, ["config"], "missing"],
    ["model config without model", { project: "p", config: { type: "model" } }, ["config", "model"], "missing"],
    ["tool config without name", { project: "p", config: { type: "tool" } }, ["config", "name"], "missing"],
    ["config without type", { project: "p", config: { name: "x" } }, ["config", "type"], "missing"],
    ["config of unknown type", { project: "p", config: { type: "agent", name: "x" } }, ["config", "type"], "literal_error"],
    ["unknown project_id", { project_id: "pr_nope", config: tool() }, ["project_id"], "not_found"],
    ["unknown session_id", { ...base, session_id: "sesh_nope" }, ["session_id"], "not_found"],
    ["unknown parent_id", { ...base, parent_id: "data_nope" }, ["parent_id"], "not_found"],
    ["extra field in a log", { ...base, span_id: "x" }, ["span_id"], "extra_forbidden"],
    ["extra field in a model config", { project: "p", config: { ...model(), max_completion_tokens: 5 } }, ["config", "max_completion_tokens"], "extra_forbidden"],
    ["extra field in a tool config", { project: "p", config: { ...tool(), kind: "agent" } }, ["config", "kind"], "extra_forbidden"],
    ["extra field in a message", { ...base, messages: [{ role: "user", content: "x", refusal: null }] }, ["messages", 0, "refusal"], "extra_forbidden"],
    ["extra field in output_message", { ...base, output_message: { role: "assistant", content: "x", audio: 1 } }, ["output_message", "audio"], "extra_forbidden"],
    ["extra field in a tool call", { ...base, messages: [{ role: "assistant", tool_calls: [{ id: "1", type: "function", index: 0, function: { name: "f", arguments: "{}" } }] }] }, ["messages", 0, "tool_calls", 0, "index"], "extra_forbidden"],
    ["extra field in a tool call function", { ...base, messages: [{ role: "assistant", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}", parsed: {} } }] }] }, ["messages", 0, "tool_calls", 0, "function", "parsed"], "extra_forbidden"],
    ["extra field in a content part", { ...base, messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: {} }] }] }, ["messages", 0, "content", 0, "cache_control"], "extra_forbidden"],
    ["extra field in image_url", { ...base, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u", size: 1 } }] }] }, ["messages", 0, "content", 0, "image_url", "size"], "extra_forbidden"],
    ["extra field in inline feedback", { ...base, feedback: { type: "rating", value: 1, user: "u" } }, ["feedback", "user"], "extra_forbidden"],
    ["content of another type", { ...base, messages: [{ role: "user", content: 5 }] }, ["messages", 0, "content"], "string_type"],
    ["content part of unknown type", { ...base, messages: [{ role: "user", content: [{ type: "image", source: {} }] }] }, ["messages", 0, "content", 0, "type"], "literal_error"],
    ["text part without text", { ...base, messages: [{ role: "user", content: [{ type: "text" }] }] }, ["messages", 0, "content", 0, "text"], "missing"],
    ["message role", { ...base, messages: [{ role: "developer", content: "x" }] }, ["messages", 0, "role"], "literal_error"],
    ["message without role", { ...base, messages: [{ content: "x" }] }, ["messages", 0, "role"], "missing"],
    ["tool call arguments not a string", { ...base, messages: [{ role: "assistant", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: { a: 1 } } }] }] }, ["messages", 0, "tool_calls", 0, "function", "arguments"], "string_type"],
    ["tool call type", { ...base, messages: [{ role: "assistant", tool_calls: [{ id: "1", type: "tool_use", function: { name: "f", arguments: "{}" } }] }] }, ["messages", 0, "tool_calls", 0, "type"], "literal_error"],
    ["tool call without id", { ...base, messages: [{ role: "assistant", tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }] }, ["messages", 0, "tool_calls", 0, "id"], "missing"],
    ["created_at with a space", { ...base, created_at: "2024-05-01 12:00:00Z" }, ["created_at"], "datetime_parsing"],
    ["created_at date only", { ...base, created_at: "2024-05-01" }, ["created_at"], "datetime_parsing"],
    ["created_at without offset", { ...base, created_at: "2024-05-01T12:00:00" }, ["created_at"], "timezone_aware"],
    ["created_at as a number", { ...base, created_at: 1714557600000 }, ["created_at"], "datetime_type"],
    ["negative duration", { ...base, duration: -0.5 }, ["duration"], "greater_than_equal"],
    ["duration as a string", { ...base, duration: "1" }, ["duration"], "float_type"],
    ["fractional prompt_tokens", { ...base, prompt_tokens: 1.5 }, ["prompt_tokens"], "int_from_float"],
    ["negative output_tokens", { ...base, output_tokens: -1 }, ["output_tokens"], "greater_than_equal"],
    ["prompt_tokens as a string", { ...base, prompt_tokens: "3" }, ["prompt_tokens"], "int_type"],
    ["unknown provider", { project: "p", config: { ...model(), provider: "bedrock" } }, ["config", "provider"], "enum"],
    ["inputs not an object", { ...base, inputs: [1] }, ["inputs"], "dict_type"],
    ["output not a string", { ...base, output: { a: 1 } }, ["output"], "string_type"],
    ["messages not a list", { ...base, messages: { role: "user" } }, ["messages"], "list_type"],
    ["save not a boolean", { ...base, save: "yes" }, ["save"], "bool_type"],
  ];
  it.each(cases)("%s", async (_name, log, field, type) => {
    await expectIssue([{ ...base, reference_id: "ok" }, log], ["body", 1, ...field], type);
    expect(server.stats.rejected.at(-1)?.body).toEqual([{ ...base, reference_id: "ok" }, log]);
  });

  it("locates issues without an index for a single object", async () => {
    const res = await postLogs({ config: tool() });
    expect(res.body).toEqual({ detail: [{ loc: ["body", "project"], msg: expect.any(String), type: "missing" }] });
  });

  it("refuses a body that is not a log", async () => {
    expect((await postLogs("x")).body.detail).toEqual([expect.objectContaining({ loc: ["body"], type: "dict_type" })]);
    expect((await postLogs([1])).body.detail).toEqual([expect.objectContaining({ loc: ["body", 0], type: "dict_type" })]);
    expect((await call("POST", "/logs")).body.detail).toEqual([expect.objectContaining({ loc: ["body"], type: "missing" })]);
  });

  it("refuses a parent_reference_id logged in the same request", async () => {
    await expectIssue(
      [{ ...base, reference_id: "parent" }, { ...base, parent_reference_id: "parent" }],
      ["body", 1, "parent_reference_id"],
      "parent_in_same_request",
    );
  });

  it("is all or nothing, reporting every issue", async () => {
    const res = await postLogs([
      { project: "new-project", reference_id: "a", session_reference_id: "s-new", config: tool() },
      { project: "p", duration: -1 },
    ]);
    expect(res.status).toBe(422);
    expect(res.body.detail.map((d: { loc: unknown }) => d.loc)).toEqual([["body", 1, "duration"]]);
    expect(server.logs()).toEqual([]);
    expect(server.sessions()).toEqual([]);
    // The project was not made: its reference "a" is still free.
    expect((await postLogs({ project: "new-project", reference_id: "a", config: tool() })).status).toBe(200);
    const two = await postLogs([{ project: "p" }, { config: tool() }]);
    expect(two.body.detail).toEqual([
      expect.objectContaining({ loc: ["body", 0, "config"], type: "missing" }),
      expect.objectContaining({ loc: ["body", 1, "project"], type: "missing" }),
    ]);
  });

  it("refuses a reference_id already used in the project, even in the same request", async () => {
    expect((await postLogs({ project: "p", reference_id: "r", config: tool() })).status).toBe(200);
    await postLogs({ project: "p", reference_id: "r", config: tool() }).then((res) => {
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([expect.objectContaining({ loc: ["body", "reference_id"], type: "duplicate_reference_id" })]);
    });
    const same = await postLogs([{ project: "q", reference_id: "x", config: tool() }, { project: "q", reference_id: "x", config: tool() }]);
    expect(same.body.detail).toEqual([expect.objectContaining({ loc: ["body", 1, "reference_id"], type: "duplicate_reference_id" })]);
    expect((await postLogs({ project: "other", reference_id: "r", config: tool() })).status).toBe(200);
    expect(server.stats.duplicates).toBe(2);
  });

  it("refuses a parent_reference_id used in several other projects", async () => {
    await postLogs({ project: "a", reference_id: "r", config: tool() });
    await postLogs({ project: "b", reference_id: "r", config: tool() });
    const res = await postLogs({ project: "c", parent_reference_id: "r", config: tool() });
    expect(res.body.detail).toEqual([expect.objectContaining({ loc: ["body", "parent_reference_id"], type: "ambiguous_reference" })]);
    const inOwnProject = await postLogs({ project: "a", parent_reference_id: "r", config: tool() });
    expect(inOwnProject.status).toBe(200);
  });
});
