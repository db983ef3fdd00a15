import { afterEach, describe, expect, it } from "vitest";
import { diag, SpanStatusCode, type Span } from "@opentelemetry/api";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { Humanloop } from "../src/core/attributes.js";
import { captureDiag, FAST, llm, refOf, serverPool, startChild, tool, withExporter, withProcessor } from "./exporter-helpers.js";

const { server, closeServers } = serverPool();
afterEach(async () => {
  diag.disable();
  await closeServers();
});

describe("HumanloopSpanProcessor against the local server", () => {
  it("logs a function without children in one request, with inputs, output and session", async () => {
    const s = await server();
    const { processor, tracer } = withProcessor(s);
    const span = startChild(tracer, "lookup", undefined, { ...tool("lookup"), [Humanloop.OUTPUT]: "found", [Humanloop.SESSION_ID]: "conv-1" });
    span.end();
    await processor.forceFlush();
    const [log] = s.logs();
    expect(log).toMatchObject({ reference_id: refOf(span), session_reference_id: "conv-1", project: "test", output: "found", inputs: { name: "lookup" } });
    expect(log!.config).toEqual({ type: "tool", name: "lookup", other: { kind: "tool" } });
    expect(s.stats.total).toBe(1);
    expect(await processor.logIdOf(refOf(span), 1000)).toBe(log!.id);
    await processor.shutdown();
  });

  it("builds a depth-5 tree with siblings ending in any order, through unlogged spans", async () => {
    const s = await server();
    const { processor, tracer } = withProcessor(s);
    const root = startChild(tracer, "agent", undefined, tool());
    const expected = new Map<string, string | undefined>([[refOf(root), undefined]]);
    const all: Span[] = [];
    let level: Span[] = [root];
    for (let depth = 1; depth < 5; depth++) {
      const next: Span[] = [];
      for (const parent of level) {
        for (let i = 0; i < 2; i++) {
          // an HTTP span in between: not logged, its child attaches to the logged ancestor
          const http = depth === 2 ? startChild(tracer, "GET /x", parent) : undefined;
          const child = startChild(tracer, `step-${depth}-${i}`, http ?? parent, depth === 4 ? llm() : tool());
          expected.set(refOf(child), refOf(parent));
          if (http) all.push(http);
          next.push(child);
        }
      }
      all.push(...next);
      level = next;
    }
    // end in a scrambled order: leaves, some parents before their children, root in the middle
    const shuffled = all.sort((a, b) => (refOf(a) < refOf(b) ? -1 : 1));
    shuffled.slice(0, 20).forEach((sp) => sp.end());
    root.end();
    shuffled.slice(20).forEach((sp) => sp.end());
    await processor.forceFlush();
    const logs = s.logs();
    expect(logs).toHaveLength(expected.size);
    for (const log of logs) expect(log.parent_reference_id).toBe(expected.get(log.reference_id!));
    expect(s.stats.rejected).toHaveLength(0);
    await processor.shutdown();
  });

  it("logs an open parent early when a child ends first, then completes it with PATCH", async () => {
    const s = await server();
    const lines = captureDiag();
    const { processor, tracer } = withProcessor(s);
    const parent = startChild(tracer, "answer", undefined, tool("answer"));
    const child = startChild(tracer, "chat gpt-4o-mini", parent, llm());
    child.end();
    await processor.forceFlush();
    expect(s.log(refOf(parent))?.output).toBeUndefined();
    parent.setAttribute(Humanloop.OUTPUT, "done");
    parent.setAttribute(Humanloop.METADATA, JSON.stringify({ late: true }));
    parent.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
    parent.end();
    await processor.forceFlush();
    const log = s.log(refOf(parent))!;
    expect(log.output).toBe("done");
    expect(log.error).toBe("boom");
    expect(typeof log.duration).toBe("number");
    expect(log.updates).toHaveLength(1);
    expect(s.log(refOf(child))!.parent_id).toBe(log.id);
    expect(lines.filter((l) => l.includes("cannot follow"))).toHaveLength(1);
    await processor.shutdown();
  });

  it("delivers 10,000 spans in 1,000 traces exactly once through 5xx, 429 and store-then-reset (parents logged early, then PATCHed)", async () => {
    const s = await server({ status: { 500: 0.1, 502: 0.05, 503: 0.05, 429: 0.1 }, retryAfter: 0, reset: 0.05 }, 11);
    // The first two requests (log creations: nothing can be PATCHed yet) are stored and then reset for sure, so the
    // duplicate path is taken whatever the timing does to which later requests the random resets hit (often PATCHes).
    s.failNext(2, { reset: true });
    const { processor, tracer } = withProcessor(s, { maxQueueSize: 20_000, maxBatchSize: 50, maxConcurrentRequests: 8, parentWaitMillis: 20_000, earlyLogAfterMillis: 0 });
    const parents = new Map<string, string | undefined>();
    for (let t = 0; t < 1000; t++) {
      const root = startChild(tracer, "agent", undefined, tool());
      parents.set(refOf(root), undefined);
      const a = startChild(tracer, "plan", root, tool());
      parents.set(refOf(a), refOf(root));
      const kids: Span[] = [];
      for (let i = 0; i < 7; i++) {
        const k = startChild(tracer, "chat", i % 2 ? a : root, llm());
        parents.set(refOf(k), i % 2 ? refOf(a) : refOf(root));
        kids.push(k);
      }
      const late = startChild(tracer, "summarize", a, tool());
      parents.set(refOf(late), refOf(a));
      kids.slice(0, 3).forEach((k) => k.end());
      a.end();
      kids.slice(3).forEach((k) => k.end());
      late.end();
      root.end();
    }
    await processor.forceFlush();
    const logs = s.logs();
    expect(logs).toHaveLength(10_000);
    expect(new Set(logs.map((l) => l.reference_id)).size).toBe(10_000);
    for (const log of logs) expect(log.parent_reference_id).toBe(parents.get(log.reference_id!));
    for (const log of logs) expect(typeof log.duration).toBe("number"); // early-logged parents were completed
    expect(logs.filter((l) => l.updates.some((u) => u.duration !== undefined)).length).toBe(2000);
    expect(logs.filter((l) => (l.config as { type: string }).type === "model").every((l) => l.output === "hello")).toBe(true);
    const stats = s.stats;
    expect(stats.resetsInjected).toBeGreaterThan(0);
    expect(stats.rejected.every((r) => r.detail.every((d) => d.type === "duplicate_reference_id"))).toBe(true);
    expect(processor.stats!.duplicates).toBeGreaterThan(0);
    expect(processor.stats!.failed + processor.stats!.dropped + processor.stats!.unlinked).toBe(0);
    await processor.shutdown();
  }, 60_000);

  it("keeps memory bounded with the backend down, counts drops, and shuts down within its limit", async () => {
    const s = await server({ status: { 503: 1 }, retryAfter: null });
    const lines = captureDiag();
    const { processor, tracer } = withProcessor(s, { maxQueueSize: 200, shutdownTimeoutMillis: 500, retryDeadlineMillis: 60_000 });
    for (let i = 0; i < 5000; i++) startChild(tracer, "chat", undefined, llm()).end();
    expect(processor.stats!.dropped).toBeGreaterThanOrEqual(4800);
    const started = Date.now();
    await processor.shutdown();
    expect(Date.now() - started).toBeLessThan(700);
    expect(lines.some((l) => l.includes("dropped"))).toBe(true);
    expect(s.logs()).toHaveLength(0);
  });

  it("does not retry a 401 and reports it once", async () => {
    const s = await server();
    const lines = captureDiag();
    const processor = new HumanloopSpanProcessor({ apiKey: "wrong", baseUrl: s.url, project: "test", ...FAST });
    const { TracerProvider } = await import("../src/core/otel-sdk.js");
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer("t");
    for (let i = 0; i < 3; i++) {
      startChild(tracer, "chat", undefined, llm()).end();
      await processor.forceFlush();
    }
    expect(s.stats.total).toBe(3);
    expect(lines.filter((l) => l.includes("401"))).toHaveLength(1);
    await processor.shutdown();
  });

  it("honours Retry-After", async () => {
    const s = await server();
    s.failNext(1, { status: 429, retryAfter: 1 });
    const { processor, tracer } = withProcessor(s);
    const started = Date.now();
    startChild(tracer, "chat", undefined, llm()).end();
    await processor.forceFlush();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.logs()).toHaveLength(1);
    await processor.shutdown();
  });

  it("sends feedback once the log exists and resolves logIdOf", async () => {
    const s = await server();
    const { processor, tracer } = withProcessor(s);
    const span = startChild(tracer, "chat", undefined, llm());
    const ref = refOf(span);
    const feedback = processor.enqueueFeedback(ref, { type: "rating", value: "good" });
    span.end();
    await feedback;
    const id = await processor.logIdOf(ref, 1000);
    expect(s.feedback()).toMatchObject([{ data_id: id, type: "rating", value: "good" }]);
    await expect(processor.logIdOf("0".repeat(32) + "-" + "1".repeat(16), 50)).rejects.toThrow(/within 50 ms/);
    await processor.shutdown();
  });

  it("sends children unlinked with the reason when the parent is refused", async () => {
    const s = await server();
    captureDiag();
    const { processor, tracer } = withProcessor(s);
    const parent = startChild(tracer, "agent", undefined, tool());
    const child = startChild(tracer, "chat", parent, llm());
    s.failNext(1, { status: 400, path: "/logs" });
    child.end(); // logs the parent early: refused with 400
    await processor.forceFlush();
    parent.end();
    await processor.forceFlush();
    const log = s.log(refOf(child))!;
    expect(log.parent_reference_id).toBeUndefined();
    expect((log.metadata as Record<string, string>)["humanloop_otel.parent_unlinked_reason"]).toMatch(/400/);
    await processor.shutdown();
  });
});

describe("HumanloopSpanExporter (own BatchSpanProcessor)", () => {
  it("builds the tree from ended spans arriving children first, skipping unlogged spans", async () => {
    const s = await server();
    const { exporter, provider, tracer } = withExporter(s);
    const root = startChild(tracer, "agent", undefined, tool());
    const http = startChild(tracer, "POST /api", root);
    const a = startChild(tracer, "retrieve", http, tool());
    const b = startChild(tracer, "chat", a, llm());
    b.end();
    a.end();
    await provider.forceFlush();
    http.end();
    root.end();
    await provider.forceFlush();
    await exporter.forceFlush();
    expect(s.logs()).toHaveLength(3);
    expect(s.log(refOf(a))!.parent_reference_id).toBe(refOf(root));
    expect(s.log(refOf(b))!.parent_reference_id).toBe(refOf(a));
    expect(s.log(refOf(root))!.parent_reference_id).toBeUndefined();
    expect(s.stats.rejected).toHaveLength(0);
    await provider.shutdown();
  });

  it("sends a child unlinked after parentWaitMillis when its parent never arrives", async () => {
    const s = await server();
    const { exporter, provider, tracer } = withExporter(s, { parentWaitMillis: 100 });
    const parent = startChild(tracer, "agent", undefined, tool());
    const child = startChild(tracer, "chat", parent, llm());
    child.end();
    await provider.forceFlush();
    await exporter.forceFlush();
    const log = s.log(refOf(child))!;
    expect(log.parent_reference_id).toBeUndefined();
    expect((log.metadata as Record<string, string>)["humanloop_otel.parent_unlinked_reason"]).toMatch(/parentWaitMillis/);
    parent.end();
    await provider.shutdown();
  });
});
