import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { formatTrees, HumanloopTestServer, parseCliArgs, runCli, type SessionTree } from "../testing/index.js";
import { startCliProcess } from "./fixtures/cli-process.js";

let server: HumanloopTestServer;
beforeAll(async () => {
  server = await HumanloopTestServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": server.apiKey },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}

/** answer -> (lookup, model call) in session conv-42, plus a log outside any session. */
async function logConversation() {
  const s = { project: "bot", session_reference_id: "conv-42" };
  await post("/logs", { ...s, reference_id: "answer", config: { type: "tool", name: "answer" } });
  await post("/logs", [
    { ...s, reference_id: "lookup", parent_reference_id: "answer", config: { type: "tool", name: "lookup" }, duration: 0.012 },
    {
      ...s,
      reference_id: "llm",
      parent_reference_id: "answer",
      config: { type: "model", model: "gpt-4o-mini", provider: "openai" },
      prompt_tokens: 12,
      output_tokens: 34,
      duration: 0.804,
      error: "Rate limited\nby upstream",
    },
  ]);
  await fetch(`${server.url}/logs?reference_id=answer`, {
    method: "PATCH",
    headers: { "content-type": "application/json", "x-api-key": server.apiKey },
    body: JSON.stringify({ output: "It ships today", duration: 1.2 }),
  });
  await post("/logs", { project: "bot", reference_id: "loose", config: { type: "tool", name: "cron" } });
}

describe("read-back", () => {
  it("gives each session as a tree, and loose logs last", async () => {
    await logConversation();
    const trees = server.trees();
    expect(trees).toHaveLength(2);
    expect(server.logCount).toBe(4);
    const [conv, loose] = trees as [SessionTree, SessionTree];
    expect(conv.session_reference_id).toBe("conv-42");
    expect(conv.roots.map((r) => r.reference_id)).toEqual(["answer"]);
    expect(conv.roots[0]!.output).toBe("It ships today");
    expect(conv.roots[0]!.children.map((c) => c.reference_id)).toEqual(["lookup", "llm"]);
    expect(conv.roots[0]!.children[1]!.children).toEqual([]);
    expect(loose).toMatchObject({ session_id: null, roots: [expect.objectContaining({ reference_id: "loose" })] });
    expect(server.sessionTree("conv-42")).toEqual(conv);
    expect(server.sessionTree(conv.session_id!)).toEqual(conv);
    expect(server.sessionTree("nope")).toBeUndefined();
  });

  it("hands out copies that do not change the store", async () => {
    await logConversation();
    server.logs()[0]!.output = "changed";
    server.log("answer")!.updates.push({ applied_at: "x" });
    expect(server.log("answer")).toMatchObject({ output: "It ships today", updates: [expect.any(Object)] });
  });

  it("serves /__test/logs, /trees, /stats without a key, and /__test/reset", async () => {
    await logConversation();
    const base = server.url.replace(/\/v4$/, "/__test");
    const logs = await (await fetch(`${base}/logs`)).json();
    expect(logs).toEqual(server.logs());
    expect(await (await fetch(`${base}/trees`)).json()).toEqual(server.trees());
    expect(await (await fetch(`${base}/trees?format=text`)).text()).toBe(formatTrees(server.trees()));
    expect(await (await fetch(`${base}/sessions`)).json()).toEqual(server.sessions());
    expect(await (await fetch(`${base}/feedback`)).json()).toEqual([]);
    const stats = await (await fetch(`${base}/stats`)).json();
    expect(stats).toMatchObject({ total: 4, maxBatchSize: 2, requests: { "POST /v4/logs": { "200": 3 }, "PATCH /v4/logs": { "200": 1 } } });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/reset`, { method: "POST" })).status).toBe(200);
    expect(server.logs()).toEqual([]);
    expect(server.stats.total).toBe(0);
  });

  it("formats trees as text", async () => {
    await logConversation();
    const sessionId = server.sessionTree("conv-42")!.session_id;
    expect(formatTrees(server.trees())).toBe(
      [
        `session conv-42 (${sessionId})`,
        "└─ tool answer  1.20s",
        "   ├─ tool lookup  12ms",
        "   └─ model gpt-4o-mini  (openai)  tokens 12/34  804ms  error: Rate limited by upstream",
        "no session",
        "└─ tool cron",
        "",
      ].join("\n"),
    );
    expect(formatTrees([])).toBe("(no logs)\n");
  });
});

describe("CLI", () => {
  it("parses its flags", () => {
    expect(parseCliArgs([])).toEqual({ port: 0, host: "127.0.0.1", seed: 1, help: false });
    expect(parseCliArgs(["--port", "8123", "--host=0.0.0.0", "--api-key", "k", "--seed", "9", "--faults", '{"reset":0.5}', "--db", "x.db"])).toEqual({
      port: 8123,
      host: "0.0.0.0",
      apiKey: "k",
      seed: 9,
      faults: { reset: 0.5 },
      db: "x.db",
      help: false,
    });
    expect(() => parseCliArgs(["--port", "x"])).toThrow(/non-negative integer/);
    expect(() => parseCliArgs(["--nope"])).toThrow(/unknown option/);
    expect(() => parseCliArgs(["--api-key"])).toThrow(/needs a value/);
    expect(parseCliArgs(["--synchronous", "normal"]).synchronous).toBe("normal");
    expect(parseCliArgs(["--v5-strict"]).v5Strict).toBe(true);
    expect(() => parseCliArgs(["--synchronous", "off"])).toThrow(/--synchronous must be full or normal, got off/);
    expect(() => parseCliArgs(["--faults", "{reset:1}"])).toThrow(/--faults must be JSON like/);
    expect(() => parseCliArgs(["--faults", '{"rest":1}'])).toThrow(/unknown field "rest"/);
  });

  it("runs in-process: prints the URL and the viewer's, and answers", async () => {
    const lines: string[] = [];
    const running = (await runCli(["--api-key", "cli-key", "--db", ":memory:"], (line) => lines.push(line)))!;
    try {
      expect(lines).toEqual([expect.stringContaining(running.server.url), `viewer: ${running.server.url.replace(/\/v4$/, "/")} (open on this machine)`]);
      const res = await fetch(`${running.server.url}/sessions`, { method: "POST", headers: { "x-api-key": "cli-key" } });
      expect(res.status).toBe(200);
    } finally {
      await running.stop();
    }
    const help: string[] = [];
    expect(await runCli(["--help"], (line) => help.push(line))).toBeUndefined();
    expect(help[0]).toMatch(/^Usage: humanloop-otel-server/);
  });

  it("runs from source as a process and stops on SIGTERM", async () => {
    const { child, url, exited } = await startCliProcess(["--port", "0", "--db", ":memory:", "--api-key", "test-key"]);
    try {
      const res = await fetch(`${url}/logs`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": "test-key" },
        body: JSON.stringify({ project: "p", config: { type: "tool", name: "t" } }),
      });
      expect(res.status).toBe(200);
      const logs = await (await fetch(url.replace(/\/v4$/, "/__test/logs"))).json();
      expect(logs).toHaveLength(1);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
