import { afterEach, describe, expect, it } from "vitest";
import { diag, SpanStatusCode, type Span } from "@opentelemetry/api";
import { BatchSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { HumanloopSpanExporter, HumanloopSpanProcessor, type HumanloopExporterOptions } from "../exporters/humanloop/index.js";
import { Humanloop } from "../src/core/attributes.js";
import { captureDiag, FAST, llm, refOf, startChild } from "./exporter-helpers.js";
import { resolveConnection, sendFeedbackDirect } from "../src/feedback/feedback-direct.js";
import { HumanloopTestServer, type Faults } from "../testing/index.js";
import type { StoredLog } from "../server/types.js";

// The bundled server in v5 strict mode: an unknown body field is a 422, so the exporter is checked to send none.
const servers: HumanloopTestServer[] = [];
afterEach(async () => {
  diag.disable();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function v5Server(faults?: Faults, seed = 7): Promise<HumanloopTestServer> {
  const s = await HumanloopTestServer.start({ v5Strict: true, seed, ...(faults ? { faults } : {}) });
  servers.push(s);
  return s;
}

/** The file kind of a stored v5 log. */
const kindOf = (s: HumanloopTestServer, log: StoredLog | undefined) => (log ? s.store.files.fileById(log.file_id as string)?.kind : undefined);
/** The updates applied to a log, without their server time. */
const patchesOf = (log: StoredLog) => log.updates.map(({ applied_at: _at, ...fields }) => fields);
/** The judgments on a log, as the evaluator logs were posted. */
const judgmentsOn = (s: HumanloopTestServer, logId: string) =>
  s.store.feedbackFor(logId).map((f) => ({ parent_id: f.data_id, path: f.type, judgment: f.value, ...(f.user ? { user: f.user } : {}) }));

const step = (kind: "agent" | "workflow" | "tool", name = "step") => ({ [Humanloop.KIND]: kind, [Humanloop.INPUTS]: JSON.stringify({ name }) });

function v5Processor(s: HumanloopTestServer, options: HumanloopExporterOptions = {}) {
  const processor = new HumanloopSpanProcessor({ apiKey: s.apiKey, baseUrl: s.v5Url, apiVersion: "v5", project: "test", ...FAST, ...options });
  const provider = new TracerProvider({ spanProcessors: [processor] });
  return { processor, tracer: provider.getTracer("test") };
}

describe("the exporter on Humanloop v5", () => {
  it("logs an agent run as a Flow trace: the Flow opened incomplete, its children, then completed", async () => {
    const s = await v5Server();
    const { processor, tracer } = v5Processor(s);
    const agent = startChild(tracer, "support agent", undefined, { ...step("agent"), [Humanloop.SESSION_ID]: "conv-1", [Humanloop.USER_ID]: "ann" });
    const search = startChild(tracer, "search", agent, { ...step("tool", "q"), [Humanloop.OUTPUT]: "3 hits" });
    const chat = startChild(tracer, "chat gpt-4o-mini", search, llm());
    chat.end();
    search.end();
    agent.setAttribute(Humanloop.OUTPUT, "answered");
    agent.end();
    await processor.forceFlush();
    expect(s.stats.rejected).toEqual([]);
    const flow = s.log(refOf(agent))!;
    expect(flow).toMatchObject({ api_version: "v5", path: "test/support agent", log_status: "complete" });
    expect(kindOf(s, flow)).toBe("flow");
    expect(flow.trace_parent_id).toBeUndefined();
    expect(flow).toMatchObject({ inputs: { name: "step" }, output: "answered", user: "ann", metadata: { session_id: "conv-1" } });
    // The server sets end_time on completion and widens start/end over the children.
    expect(patchesOf(flow)).toEqual([{ log_status: "complete", output: "answered", start_time: expect.any(String), end_time: expect.any(String) }]);
    const search_ = s.log(refOf(search))!;
    expect(search_).toMatchObject({ path: "test/search", trace_parent_id: refOf(agent), output: "3 hits" });
    expect(kindOf(s, search_)).toBe("tool");
    const chat_ = s.log(refOf(chat))!;
    expect(chat_).toMatchObject({ path: "test/gpt-4o-mini", trace_parent_id: refOf(search), prompt: { model: "gpt-4o-mini", provider: "openai" }, output: "hello", prompt_tokens: 3 });
    expect(kindOf(s, chat_)).toBe("prompt");
    expect(Date.parse(flow.end_time as string)).toBeGreaterThanOrEqual(Date.parse(chat_.end_time as string));
    expect(s.store.queries.traceLogs(refOf(agent)).map((l) => l.id)).toEqual([refOf(agent), refOf(search), refOf(chat)]);
    expect(processor.stats).toMatchObject({ confirmed: 3, completed: 1, failed: 0, unlinked: 0 });
    await processor.shutdown();
  });

  it("logs a long-running Flow early (incomplete) when a child is ready, and completes it at its end", async () => {
    const s = await v5Server();
    const { processor, tracer } = v5Processor(s, { earlyLogAfterMillis: 0 });
    const agent = startChild(tracer, "agent", undefined, step("agent"));
    const chat = startChild(tracer, "chat", agent, llm());
    chat.end();
    await processor.forceFlush();
    expect(s.log(refOf(agent))?.log_status).toBe("incomplete");
    expect(s.log(refOf(chat))?.trace_parent_id).toBe(refOf(agent));
    agent.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
    agent.end();
    await processor.forceFlush();
    expect(s.log(refOf(agent))).toMatchObject({ log_status: "complete", error: "boom" });
    expect(s.stats.rejected).toEqual([]);
    await processor.shutdown();
  });

  it("completes an early Tool log with PATCH /tools/{tool id}/log/{log id}", async () => {
    const s = await v5Server();
    const { processor, tracer } = v5Processor(s, { earlyLogAfterMillis: 0 });
    const search = startChild(tracer, "search", undefined, step("tool"));
    startChild(tracer, "chat", search, llm()).end();
    await processor.forceFlush();
    search.setAttribute(Humanloop.OUTPUT, "found");
    search.end();
    await processor.forceFlush();
    const log = s.log(refOf(search))!;
    expect(log).toMatchObject({ output: "found" });
    expect(kindOf(s, log)).toBe("tool");
    expect(patchesOf(log)).toEqual([{ output: "found", end_time: expect.any(String) }]);
    expect(s.stats.rejected).toEqual([]);
    await processor.shutdown();
  });

  it("sends a log whose parent's trace is already complete without the link, saying why", async () => {
    const s = await v5Server();
    const lines = captureDiag();
    const exporter = new HumanloopSpanExporter({ apiKey: s.apiKey, baseUrl: s.v5Url, apiVersion: "v5", project: "test", ...FAST });
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 5 })] });
    const tracer = provider.getTracer("test");
    const flow = startChild(tracer, "flow", undefined, step("workflow"));
    const straggler = startChild(tracer, "chat", flow, llm());
    flow.end();
    await provider.forceFlush();
    await exporter.forceFlush();
    expect(s.log(refOf(flow))?.log_status).toBe("complete");
    straggler.end(); // ends after its parent's trace was completed
    await provider.forceFlush();
    await exporter.forceFlush();
    const log = s.log(refOf(straggler))!;
    expect(log.trace_parent_id).toBeUndefined();
    expect(s.stats.conflicts).toEqual({ trace_complete: 1 });
    expect(log.metadata).toMatchObject({ "humanloop_otel.parent_unlinked_reason": expect.stringContaining("trace_complete") });
    expect(exporter.stats).toMatchObject({ unlinked: 1, failed: 0 });
    expect(lines.some((l) => l.includes("without its parent link"))).toBe(true);
    await provider.shutdown();
  });

  it("works behind a BatchSpanProcessor (children exported before their parents)", async () => {
    const s = await v5Server();
    const exporter = new HumanloopSpanExporter({ apiKey: s.apiKey, baseUrl: s.v5Url, apiVersion: "v5", project: "test", ...FAST });
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 5 })] });
    const tracer = provider.getTracer("test");
    const root = startChild(tracer, "flow", undefined, step("workflow"));
    const inner = startChild(tracer, "inner", root, step("workflow"));
    const chats = [0, 1, 2].map(() => startChild(tracer, "chat", inner, llm()));
    chats.forEach((c) => c.end());
    inner.end();
    root.end();
    await provider.forceFlush();
    await exporter.forceFlush();
    expect(s.stats.rejected).toEqual([]);
    expect(s.logCount).toBe(5);
    expect([s.log(refOf(root))?.log_status, s.log(refOf(inner))?.log_status]).toEqual(["complete", "complete"]);
    for (const c of chats) expect(s.log(refOf(c))?.trace_parent_id).toBe(refOf(inner));
    await provider.shutdown();
  });

  it("sends feedback() as an evaluator judgment on the log", async () => {
    const s = await v5Server();
    const { processor, tracer } = v5Processor(s);
    const chat = startChild(tracer, "chat", undefined, llm());
    const given = processor.enqueueFeedback(refOf(chat), { type: "rating", value: "good", user: "ann" });
    chat.end();
    await given;
    await processor.enqueueFeedback(refOf(chat), { type: "correction", value: "Hello!" });
    expect(judgmentsOn(s, refOf(chat))).toEqual([
      { parent_id: refOf(chat), path: "rating", judgment: "good", user: "ann" },
      { parent_id: refOf(chat), path: "correction", judgment: "Hello!" },
    ]);
    expect(s.stats.rejected).toEqual([]);
    expect(await processor.logIdOf(refOf(chat), 1000)).toBe(refOf(chat));
    await processor.shutdown();
  });

  it("sends feedback for another process's log straight to POST /evaluators/log (the reference is its id)", async () => {
    const s = await v5Server();
    const { processor, tracer } = v5Processor(s);
    const chat = startChild(tracer, "chat", undefined, llm());
    chat.end();
    await processor.shutdown();
    const connection = resolveConnection(undefined, { HUMANLOOP_API_KEY: s.apiKey, HUMANLOOP_BASE_URL: s.url, HUMANLOOP_API_VERSION: "v5" })!;
    expect(connection.baseUrl).toBe(s.v5Url);
    await sendFeedbackDirect(connection, refOf(chat), { type: "rating", value: "bad" }, 5_000);
    expect(judgmentsOn(s, refOf(chat))).toEqual([{ parent_id: refOf(chat), path: "rating", judgment: "bad" }]);
    captureDiag();
    await expect(sendFeedbackDirect(connection, "nope", { type: "rating", value: "good" }, 5_000)).rejects.toThrow(/HTTP 404/);
  });

  it("delivers 10,000 spans in 1,000 traces exactly once through 5xx, 429 and store-then-reset, with complete Flow trees", async () => {
    const s = await v5Server({ status: { 500: 0.1, 502: 0.05, 503: 0.05, 429: 0.1 }, retryAfter: 0, reset: 0.05 }, 11);
    const { processor, tracer } = v5Processor(s, { maxQueueSize: 30_000, maxConcurrentRequests: 16, parentWaitMillis: 30_000, retryDeadlineMillis: 60_000 });
    const parents = new Map<string, string | undefined>();
    const flows: Span[] = [];
    for (let t = 0; t < 1000; t++) {
      const root = startChild(tracer, "agent", undefined, step("agent"));
      parents.set(refOf(root), undefined);
      const a = startChild(tracer, "plan", root, step("workflow"));
      parents.set(refOf(a), refOf(root));
      flows.push(root, a);
      const kids: Span[] = [];
      for (let i = 0; i < 7; i++) {
        const k = startChild(tracer, "chat", i % 2 ? a : root, llm());
        parents.set(refOf(k), i % 2 ? refOf(a) : refOf(root));
        kids.push(k);
      }
      const late = startChild(tracer, "summarize", a, step("tool"));
      parents.set(refOf(late), refOf(a));
      kids.slice(0, 3).forEach((k) => k.end());
      a.end();
      kids.slice(3).forEach((k) => k.end());
      late.end();
      root.end();
    }
    await processor.forceFlush();
    const stored = new Map(s.logs().map((log) => [log.id, log]));
    expect(stored.size).toBe(10_000);
    for (const [ref, parent] of parents) expect(stored.get(ref)?.trace_parent_id).toBe(parent);
    for (const f of flows) expect(stored.get(refOf(f))?.log_status).toBe("complete");
    const stats = s.stats;
    expect(stats.resetsInjected).toBeGreaterThan(0);
    expect(stats.rejected).toEqual([]);
    // The only refusals are a retried request meeting its own stored first attempt.
    expect(Object.keys(stats.conflicts).filter((type) => !["duplicate_log_id", "already_complete"].includes(type))).toEqual([]);
    expect(stats.conflicts.duplicate_log_id).toBeGreaterThan(0);
    expect(processor.stats!.duplicates).toBeGreaterThan(0);
    expect(processor.stats!.failed + processor.stats!.dropped + processor.stats!.unlinked).toBe(0);
    expect(stats.maxConcurrent).toBeLessThanOrEqual(16);
    await processor.shutdown();
  }, 240_000);
});
