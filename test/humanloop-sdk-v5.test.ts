/**
 * Humanloop's own v5 Node SDK (humanloop 0.8.20, the `humanloop5` alias)
 * against the bundled server in strict mode, checked through the SDK's own
 * read call (`logs.get`) and on what the server stored. What the SDK sends:
 * docs/humanloop-sdks.md.
 *
 * The SDK's OTel exporter is a process-wide singleton bound to the FIRST
 * HumanloopClient's baseUrl, so this file starts one server for all tests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HumanloopClient } from "humanloop5";
import { HumanloopTestServer } from "../testing/index.js";

let server: HumanloopTestServer;
let hl: HumanloopClient;

beforeAll(async () => {
  server = await HumanloopTestServer.start({ v5Strict: true });
  hl = new HumanloopClient({ apiKey: server.apiKey, baseUrl: server.v5Url });
});
afterAll(() => server.close());

describe("Humanloop's v5 SDK against the server", () => {
  it("prompts.log, prompts.updateLog and logs.get", async () => {
    const created = await hl.prompts.log({
      path: "sdk/chat",
      prompt: { model: "gpt-4o", temperature: 0.2 },
      messages: [{ role: "user", content: "hi" }],
      outputMessage: { role: "assistant", content: "yo" },
      logId: "sdk-p1",
      environment: "production",
    });
    expect(created).toMatchObject({ id: "sdk-p1", promptId: expect.stringMatching(/^pr_/), versionId: expect.stringMatching(/^prv_/) });
    await hl.prompts.updateLog(created.promptId, created.id, { output: "better", outputTokens: 5 });
    const log = await hl.logs.get("sdk-p1");
    expect(log).toMatchObject({ id: "sdk-p1", output: "better", prompt: { id: created.promptId, path: "sdk/chat", model: "gpt-4o" } });
    expect(server.log("sdk-p1")).toMatchObject({
      api_version: "v5",
      file_id: created.promptId,
      version_id: created.versionId,
      environment: "production", // sent as a query parameter
      messages: [{ role: "user", content: "hi" }],
      output: "better",
      output_tokens: 5,
      updates: [{ output: "better", output_tokens: 5 }],
    });
    // The same kernel is the same version; another kernel, a new one; version_id (a query parameter) names one.
    const again = await hl.prompts.log({ path: "sdk/chat", prompt: { temperature: 0.2, model: "gpt-4o" }, output: "x" });
    const other = await hl.prompts.log({ path: "sdk/chat", prompt: { model: "gpt-4o", temperature: 0.9 }, output: "y" });
    const byVersion = await hl.prompts.log({ versionId: created.versionId, output: "z" });
    expect([again.versionId, other.versionId, byVersion.versionId]).toEqual([created.versionId, expect.not.stringMatching(created.versionId), created.versionId]);
    expect(server.store.files.versionsOf(created.promptId)).toHaveLength(2);
    expect(server.stats.rejected).toEqual([]);
  });

  it("flows.log incomplete, tools.log under it, flows.updateLog complete; a completed trace takes no more children", async () => {
    const flow = await hl.flows.log({ path: "sdk/agent", flow: { attributes: { v: 1 } }, logStatus: "incomplete", inputs: { q: "x" }, logId: "sdk-f1" });
    expect(flow.logStatus).toBe("incomplete");
    const tool = await hl.tools.log({ path: "sdk/search", tool: { function: { name: "search", description: "d" } }, inputs: { q: "x" }, output: "r", traceParentId: flow.id });
    await hl.tools.update(tool.toolId, tool.id, { output: "r2" });
    await hl.flows.updateLog(flow.id, { logStatus: "complete", output: "done" });
    expect(await hl.logs.get(flow.id)).toMatchObject({ logStatus: "complete", flow: { path: "sdk/agent" } });
    await expect(hl.tools.log({ path: "sdk/search", output: "late", traceParentId: flow.id })).rejects.toThrow(/409|trace_complete/);
    const stored = server.log(flow.id)!;
    expect(stored).toMatchObject({ log_status: "complete", output: "done", inputs: { q: "x" }, end_time: expect.any(String) });
    expect(server.log(tool.id)).toMatchObject({ trace_parent_id: flow.id, output: "r2", tool: { function: { name: "search" } } });
    expect(server.store.queries.traceLogs(flow.id).map((l) => l.id)).toEqual([flow.id, tool.id]);
    expect(server.stats.conflicts).toMatchObject({ trace_complete: 1 });
  });

  it("evaluators.log: rating and correction judgments on a log", async () => {
    const judged = await hl.evaluators.log({ parentId: "sdk-p1", path: "rating", judgment: "good" });
    expect(judged).toMatchObject({ parentId: "sdk-p1" });
    await hl.evaluators.log({ parentId: "sdk-p1", path: "correction", judgment: "better text", markedCompleted: true });
    const log = await hl.logs.get("sdk-p1");
    expect(log.evaluatorLogs.map((e) => e.judgment)).toEqual(expect.arrayContaining(["good", "better text"]));
    // A new judgment replaces the previous one; null clears it. The v4 feedback readers see every judgment.
    await hl.evaluators.log({ parentId: "sdk-p1", path: "rating", judgment: "bad" });
    // The SDK's types leave null out; the API (and the SDK's serializer) take it.
    await hl.evaluators.log({ parentId: "sdk-p1", path: "correction", judgment: null as unknown as string });
    expect((await hl.logs.get("sdk-p1")).evaluatorLogs.map((e) => e.judgment)).toEqual(["bad"]);
    expect(server.store.feedbackFor("sdk-p1").map((f) => [f.type, f.value ?? (f.unset ? "unset" : undefined)])).toEqual([
      ["rating", "good"],
      ["correction", "better text"],
      ["rating", "bad"],
      ["correction", "unset"],
    ]);
    expect(await hl.logs.get(judged.id)).toMatchObject({ id: judged.id, parentId: "sdk-p1", judgment: "good", evaluator: { path: "rating" } });
    await expect(hl.evaluators.log({ parentId: "nope", path: "rating", judgment: "good" })).rejects.toThrow(/404/);
  });

  it("the flow() and tool() decorators, exported through /v5/import/otel/v1/traces", async () => {
    const calc = hl.tool({
      path: "sdk/calc",
      callable: (inputs: { a: number; b: number }) => inputs.a + inputs.b,
      version: { function: { name: "calc", description: "add", parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } } } },
    });
    let flowLogId: string | undefined;
    const run = hl.flow({
      path: "sdk/decorated",
      callable: async (inputs: { question: string }) => {
        const sum = await calc({ a: 1, b: 2 });
        const p = await hl.prompts.log({ path: "sdk/inner", prompt: { model: "m" }, output: `${inputs.question} ${sum}` });
        flowLogId = (await hl.logs.get(p.id)).traceParentId ?? undefined;
        return { sum };
      },
    });
    expect(await run({ question: "q" })).toEqual({ sum: 3 });
    await new Promise((r) => setTimeout(r, 500)); // the SDK exports spans without awaiting them
    expect(flowLogId).toBeDefined();
    expect(await hl.logs.get(flowLogId!)).toMatchObject({ logStatus: "complete", output: '{"sum":3}', flow: { path: "sdk/decorated" } });
    const tree = server.store.queries.traceLogs(flowLogId!);
    expect(tree.map((l) => [l.path, l.trace_parent_id ?? null])).toEqual([
      ["sdk/decorated", null],
      ["sdk/calc", flowLogId],
      ["sdk/inner", flowLogId],
    ]);
    expect(tree[1]).toMatchObject({ output: "3", tool: { function: { name: "calc" } } });
    const [flowLog] = tree;
    expect(Date.parse(flowLog!.end_time as string)).toBeGreaterThanOrEqual(Date.parse(tree[1]!.end_time as string));
    expect(server.stats.requests["POST /v5/import/otel/v1/traces"]).toEqual({ "200": 2 });
  });
});
