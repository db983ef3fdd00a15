import { afterEach, describe, expect, it } from "vitest";
import { diag, SpanStatusCode, type Span } from "@opentelemetry/api";
import { BatchSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { HumanloopSpanExporter, HumanloopSpanProcessor, type HumanloopExporterOptions } from "../exporters/humanloop/index.js";
import { Humanloop } from "../src/core/attributes.js";
import { captureDiag, FAST, llm, refOf, startChild } from "./exporter-helpers.js";
import { V5WireServer, type V5Faults } from "./fixtures/v5-wire-server.js";
import { resolveConnection, sendFeedbackDirect } from "../src/feedback/feedback-direct.js";

const servers: V5WireServer[] = [];
afterEach(async () => {
  diag.disable();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function v5Server(faults?: V5Faults, seed = 7): Promise<V5WireServer> {
  const s = await new V5WireServer(faults, seed).start();
  servers.push(s);
  return s;
}

const step = (kind: "agent" | "workflow" | "tool", name = "step") => ({ [Humanloop.KIND]: kind, [Humanloop.INPUTS]: JSON.stringify({ name }) });

function v5Processor(s: V5WireServer, options: HumanloopExporterOptions = {}) {
  const processor = new HumanloopSpanProcessor({ apiKey: s.apiKey, baseUrl: s.url, apiVersion: "v5", project: "test", ...FAST, ...options });
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
    expect(s.rejected).toEqual([]);
    const flow = s.logs.get(refOf(agent))!;
    expect(flow).toMatchObject({ kind: "flow", path: "test/support agent", log_status: "complete" });
    expect(flow.trace_parent_id).toBeUndefined();
    expect(flow.body).toMatchObject({ inputs: { name: "step" }, output: "answered", user: "ann", metadata: { session_id: "conv-1" } });
    expect(flow.patches).toEqual([{ log_status: "complete", output: "answered" }]);
    expect(s.logs.get(refOf(search))).toMatchObject({ kind: "tool", path: "test/search", trace_parent_id: refOf(agent), body: { output: "3 hits" } });
    expect(s.logs.get(refOf(chat))).toMatchObject({
      kind: "prompt",
      path: "test/gpt-4o-mini",
      trace_parent_id: refOf(search),
      body: { prompt: { model: "gpt-4o-mini", provider: "openai" }, output: "hello", prompt_tokens: 3 },
    });
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
    expect(s.logs.get(refOf(agent))?.log_status).toBe("incomplete");
    expect(s.logs.get(refOf(chat))?.trace_parent_id).toBe(refOf(agent));
    agent.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
    agent.end();
    await processor.forceFlush();
    expect(s.logs.get(refOf(agent))).toMatchObject({ log_status: "complete", body: { error: "boom" } });
    expect(s.rejected).toEqual([]);
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
    const log = s.logs.get(refOf(search))!;
    expect(log).toMatchObject({ kind: "tool", body: { output: "found" } });
    expect(log.patches).toEqual([{ output: "found", end_time: expect.any(String) }]);
    expect(s.rejected).toEqual([]);
    await processor.shutdown();
  });

  it("sends a log whose parent's trace is already complete without the link, saying why", async () => {
    const s = await v5Server();
    const lines = captureDiag();
    const exporter = new HumanloopSpanExporter({ apiKey: s.apiKey, baseUrl: s.url, apiVersion: "v5", project: "test", ...FAST });
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 5 })] });
    const tracer = provider.getTracer("test");
    const flow = startChild(tracer, "flow", undefined, step("workflow"));
    const straggler = startChild(tracer, "chat", flow, llm());
    flow.end();
    await provider.forceFlush();
    await exporter.forceFlush();
    expect(s.logs.get(refOf(flow))?.log_status).toBe("complete");
    straggler.end(); // ends after its parent's trace was completed
    await provider.forceFlush();
    await exporter.forceFlush();
    const log = s.logs.get(refOf(straggler))!;
    expect(log.trace_parent_id).toBeUndefined();
    expect(log.body.metadata).toMatchObject({ "humanloop_otel.parent_unlinked_reason": expect.stringContaining("trace_complete") });
    expect(exporter.stats).toMatchObject({ unlinked: 1, failed: 0 });
    expect(lines.some((l) => l.includes("without its parent link"))).toBe(true);
    await provider.shutdown();
  });

  it("works behind a BatchSpanProcessor (children exported before their parents)", async () => {
    const s = await v5Server();
    const exporter = new HumanloopSpanExporter({ apiKey: s.apiKey, baseUrl: s.url, apiVersion: "v5", project: "test", ...FAST });
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
    expect(s.rejected).toEqual([]);
    expect(s.logs.size).toBe(5);
    expect([s.logs.get(refOf(root))?.log_status, s.logs.get(refOf(inner))?.log_status]).toEqual(["complete", "complete"]);
    for (const c of chats) expect(s.logs.get(refOf(c))?.trace_parent_id).toBe(refOf(inner));
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
    expect(s.judgments).toEqual([
      { parent_id: refOf(chat), path: "rating", judgment: "good", user: "ann" },
      { parent_id: refOf(chat), path: "correction", judgment: "Hello!" },
    ]);
    expect(await processor.logIdOf(refOf(chat), 1000)).toBe(refOf(chat));
    await processor.shutdown();
  });

  it("sends feedback for another process's log straight to POST /evaluators/log (the reference is its id)", async () => {
    const s = await v5Server();
    const { processor, tracer } = v5Processor(s);
    const chat = startChild(tracer, "chat", undefined, llm());
    chat.end();
    await processor.shutdown();
    const connection = resolveConnection(undefined, { HUMANLOOP_API_KEY: s.apiKey, HUMANLOOP_BASE_URL: s.url.replace(/v5$/, "v4"), HUMANLOOP_API_VERSION: "v5" })!;
    expect(connection.baseUrl).toBe(s.url);
    await sendFeedbackDirect(connection, refOf(chat), { type: "rating", value: "bad" }, 5_000);
    expect(s.judgments).toEqual([{ parent_id: refOf(chat), path: "rating", judgment: "bad" }]);
    captureDiag();
    await expect(sendFeedbackDirect(connection, "nope", { type: "rating", value: "good" }, 5_000)).rejects.toThrow(/HTTP 404/);
  });

  it("delivers 10,000 spans in 1,000 traces exactly once through 5xx, 429 and store-then-reset, with complete Flow trees", async () => {
    const s = await v5Server({ status: { 500: 0.1, 502: 0.05, 503: 0.05, 429: 0.1 }, reset: 0.05 }, 11);
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
    expect(s.logs.size).toBe(10_000);
    for (const [ref, parent] of parents) expect(s.logs.get(ref)?.trace_parent_id).toBe(parent);
    for (const f of flows) expect(s.logs.get(refOf(f))?.log_status).toBe("complete");
    expect(s.counts.resets).toBeGreaterThan(0);
    expect(s.rejected.every((r) => ["duplicate_log_id", "already_complete"].includes((r.detail as { detail: { type: string }[] }).detail[0]!.type))).toBe(true);
    expect(processor.stats!.duplicates).toBeGreaterThan(0);
    expect(processor.stats!.failed + processor.stats!.dropped + processor.stats!.unlinked).toBe(0);
    expect(s.counts.maxConcurrent).toBeLessThanOrEqual(16);
    await processor.shutdown();
  }, 120_000);
});
