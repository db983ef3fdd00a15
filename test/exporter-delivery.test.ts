import { afterEach, describe, expect, it, vi } from "vitest";
import { context, diag, SpanStatusCode, trace } from "@opentelemetry/api";
import type { HumanloopTestServer } from "../testing/index.js";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { createDelivery } from "../exporters/humanloop/delivery.js";
import type { LogRequest } from "../exporters/humanloop/types.js";
import { TracerProvider } from "../src/core/otel-sdk.js";
import { GenAI, Humanloop } from "../src/core/attributes.js";
import { getContentPolicy, setContentPolicy } from "../src/core/content-policy.js";
import { captureDiag, FAST, llm, refOf, serverPool, startChild, tool, withProcessor } from "./exporter-helpers.js";

const { server, closeServers } = serverPool();
afterEach(async () => {
  diag.disable();
  vi.unstubAllEnvs();
  await closeServers();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const patches = (s: HumanloopTestServer) =>
  Object.entries(s.stats.requests)
    .filter(([route]) => route.startsWith("PATCH"))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);

/** A fake `fetch` answering `POST /logs` with `answer(logs)`, recording each body. */
function fakeFetch(answer: (logs: LogRequest[]) => { status: number; body: unknown }) {
  const bodies: string[] = [];
  const impl = (async (_url: string | URL | Request, init?: RequestInit) => {
    const text = String(init?.body ?? "");
    bodies.push(text);
    const { status, body } = answer(JSON.parse(text) as LogRequest[]);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  return { impl, bodies };
}

const toolLog = (ref: string, metadata: Record<string, unknown> = {}): LogRequest => ({
  project: "test",
  reference_id: ref,
  config: { type: "tool", name: "t" },
  metadata,
});

describe("parents ending soon are logged once, complete (earlyLogAfterMillis)", () => {
  it("holds the children until the parent ends: no PATCH, parent first, children in a later request", async () => {
    const s = await server();
    const { processor, tracer } = withProcessor(s);
    const parent = startChild(tracer, "answer", undefined, tool("answer"));
    const children = [0, 1, 2].map(() => startChild(tracer, "chat gpt-4o-mini", parent, llm()));
    children.forEach((c) => c.end());
    await sleep(30); // less than the default bound (1,000 ms)
    expect(s.stats.total).toBe(0);
    parent.setAttribute(Humanloop.OUTPUT, "done");
    parent.setAttribute(Humanloop.METADATA, JSON.stringify({ late: true }));
    parent.end();
    await processor.forceFlush();
    const log = s.log(refOf(parent))!;
    expect(log.output).toBe("done");
    expect(log.metadata).toMatchObject({ late: true }); // set late, still travels: logged once at its end
    expect(log.updates).toHaveLength(0);
    expect(patches(s)).toBe(0);
    expect(s.stats.total).toBe(2); // the parent, then its 3 children
    for (const c of children) expect(s.log(refOf(c))!.parent_id).toBe(log.id);
    await processor.shutdown();
  });

  it("holds a grandchild through its open parent until the root ends", async () => {
    const s = await server();
    const { processor, tracer } = withProcessor(s);
    const root = startChild(tracer, "agent", undefined, tool());
    const step = startChild(tracer, "step", root, tool());
    const call = startChild(tracer, "chat", step, llm());
    call.end();
    step.end();
    root.end();
    await processor.forceFlush();
    expect(s.log(refOf(step))!.parent_reference_id).toBe(refOf(root));
    expect(s.log(refOf(call))!.parent_reference_id).toBe(refOf(step));
    expect(patches(s)).toBe(0);
    expect(s.stats.rejected).toHaveLength(0);
    await processor.shutdown();
  });

  it("logs a parent still open after the bound early, without a flush, and completes it with PATCH", async () => {
    const s = await server();
    const { processor, tracer } = withProcessor(s, { earlyLogAfterMillis: 50 });
    const parent = startChild(tracer, "agent", undefined, tool("agent"));
    const child = startChild(tracer, "chat", parent, llm());
    child.end();
    for (let i = 0; i < 100 && !s.log(refOf(child)); i++) await sleep(10); // one sweep timer logs it; no flush asked
    expect(s.log(refOf(parent))!.output).toBeUndefined();
    expect(s.log(refOf(child))!.parent_id).toBe(s.log(refOf(parent))!.id);
    parent.setAttribute(Humanloop.OUTPUT, "finally");
    parent.end();
    await processor.forceFlush();
    expect(s.log(refOf(parent))!.output).toBe("finally");
    expect(patches(s)).toBe(1);
    await processor.shutdown();
  });

  it("does not warn about late fields when only output and status follow an early log", async () => {
    const s = await server();
    const lines = captureDiag();
    const { processor, tracer } = withProcessor(s);
    const parent = startChild(tracer, "agent", undefined, tool());
    startChild(tracer, "chat", parent, llm()).end();
    await processor.forceFlush(); // asks for delivery: the parent is logged early
    parent.setAttribute(Humanloop.OUTPUT, "done");
    parent.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
    parent.end();
    await processor.forceFlush();
    expect(s.log(refOf(parent))).toMatchObject({ output: "done", error: "boom" });
    expect(lines.filter((l) => l.includes("cannot follow"))).toHaveLength(0);
    await processor.shutdown();
  });

  it("with earlyLogAfterMillis 0 logs the parent as soon as a child is ready", async () => {
    const s = await server();
    const { processor, tracer } = withProcessor(s, { earlyLogAfterMillis: 0, scheduledDelayMillis: 1 });
    const parent = startChild(tracer, "agent", undefined, tool());
    startChild(tracer, "chat", parent, llm()).end();
    for (let i = 0; i < 100 && s.logs().length < 2; i++) await sleep(10);
    expect(s.logs()).toHaveLength(2);
    parent.end();
    await processor.forceFlush();
    expect(patches(s)).toBe(1);
    await processor.shutdown();
  });
});

describe("shutdown", () => {
  it("resolves within shutdownTimeoutMillis with many items queued and the backend down, reporting once", async () => {
    const s = await server({ status: { 503: 1 }, retryAfter: null });
    const lines = captureDiag();
    // 100,000 spans: 10,000 queued (the default maxQueueSize), the rest dropped; more settled logs than maxRememberedLogs (50,000)
    const { processor, tracer } = withProcessor(s, { shutdownTimeoutMillis: 500, retryDeadlineMillis: 60_000 });
    for (let t = 0; t < 10_000; t++) {
      const parent = startChild(tracer, "agent", undefined, tool());
      const ctx = trace.setSpan(context.active(), parent);
      for (let i = 0; i < 9; i++) tracer.startSpan("chat", { attributes: llm() }, ctx).end();
      parent.end();
    }
    await sleep(20);
    const reportedBefore = lines.length; // drops while emitting are reported as they happen (rate-limited)
    const started = Date.now();
    await processor.shutdown();
    expect(Date.now() - started).toBeLessThan(700);
    await sleep(100); // aborted requests settle after shutdown: they must not be reported again
    const atShutdown = lines.slice(reportedBefore).filter((l) => l.includes("not delivered"));
    expect(atShutdown, atShutdown.join("\n")).toHaveLength(1);
    expect(atShutdown[0]).toMatch(/\d+ logs given up/);
    expect(processor.stats!.failed + processor.stats!.dropped).toBe(100_000);
  }, 30_000);

  it("aborts a request in flight at the deadline", async () => {
    const s = await server({ latency: 5_000 });
    captureDiag();
    const { processor, tracer } = withProcessor(s, { shutdownTimeoutMillis: 300, requestTimeoutMillis: 10_000 });
    startChild(tracer, "chat", undefined, llm()).end();
    for (let i = 0; i < 500 && s.stats.total === 0; i++) await sleep(10); // the batch is sent and hangs in the server
    expect(s.stats.total).toBe(1);
    const started = Date.now();
    await processor.shutdown();
    expect(Date.now() - started).toBeLessThan(500);
    expect(processor.stats!.failed).toBe(1);
  });
});

describe("batch bytes and refused batches", () => {
  it("never sends a batch over maxBatchBytes, counting UTF-8 bytes of non-ASCII content", async () => {
    const fake = fakeFetch((logs) => ({ status: 200, body: logs.map((l, i) => ({ id: `data_${l.reference_id}_${i}`, project_id: "pr_1" })) }));
    const delivery = createDelivery({ apiKey: "k", baseUrl: "http://localhost:1/v4", ...FAST, maxBatchBytes: 20_000, maxBatchSize: 100 }, fake.impl);
    const queue = delivery.queue!;
    for (let i = 0; i < 12; i++) queue.enqueueLog(toolLog(`r${i}`, { text: "€".repeat(2_000 + i) })); // ~6 KB each, ~2 K UTF-16 units
    await queue.forceFlush();
    expect(queue.stats.confirmed).toBe(12);
    for (const body of fake.bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(20_000);
    expect(Math.max(...fake.bodies.map((b) => (JSON.parse(b) as unknown[]).length))).toBe(3); // the bound is used, not undercut
    await queue.shutdown(100);
  });

  it("resends each log alone after a 422 without an index; reports the bad one once, delivers the others", async () => {
    const lines = captureDiag();
    const invalid = { detail: [{ loc: ["body"], msg: "something is wrong", type: "value_error" }] };
    const fake = fakeFetch((logs) =>
      logs.length > 1 || logs[0]!.reference_id === "bad"
        ? { status: 422, body: invalid }
        : { status: 200, body: [{ id: `data_${logs[0]!.reference_id}`, project_id: "pr_1" }] },
    );
    const delivery = createDelivery({ apiKey: "k", baseUrl: "http://localhost:1/v4", ...FAST }, fake.impl);
    const queue = delivery.queue!;
    for (const ref of ["a", "bad", "b", "c"]) queue.enqueueLog(toolLog(ref));
    await queue.forceFlush();
    expect(queue.stats.confirmed).toBe(3);
    expect(queue.stats.failed).toBe(1);
    expect(fake.bodies).toHaveLength(5); // the batch, then each alone
    expect(await queue.logIdOf("b", 10)).toBe("data_b");
    await expect(queue.logIdOf("bad", 10)).rejects.toThrow(/422/);
    expect(lines.filter((l) => l.includes("refused"))).toHaveLength(1);
    await queue.shutdown(100);
  });
});

describe("setup and content", () => {
  it("without an API key warns once, stays disabled, and the app's spans just are not exported", async () => {
    vi.stubEnv("HUMANLOOP_API_KEY", "");
    const lines = captureDiag();
    const processor = new HumanloopSpanProcessor({ project: "test" });
    const provider = new TracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer("t");
    const parent = startChild(tracer, "agent", undefined, tool());
    startChild(tracer, "chat", parent, llm()).end();
    parent.end();
    expect(processor.stats).toBeUndefined();
    await processor.forceFlush();
    await expect(processor.logIdOf(refOf(parent), 10)).rejects.toThrow(/disabled/);
    await provider.shutdown();
    expect(lines.filter((l) => l.includes("API key"))).toHaveLength(1);
    expect(lines).toHaveLength(1);
  });

  it("masks other instrumentations' content with the content policy's mask", async () => {
    const s = await server();
    const previous = getContentPolicy();
    setContentPolicy({ mask: (text) => text.replace(/secret-\d+/g, "[redacted]") });
    try {
      const { processor, tracer } = withProcessor(s);
      const foreign = {
        [GenAI.PROVIDER_NAME]: "openai",
        [GenAI.OPERATION_NAME]: "chat",
        [GenAI.REQUEST_MODEL]: "gpt-4o-mini",
        [GenAI.INPUT_MESSAGES]: JSON.stringify([{ role: "user", parts: [{ type: "text", content: "my code is secret-123" }] }]),
        [GenAI.OUTPUT_MESSAGES]: JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "noted secret-123" }], finish_reason: "stop" }]),
      };
      const span = startChild(tracer, "chat gpt-4o-mini", undefined, foreign);
      span.end();
      await processor.forceFlush();
      const log = s.log(refOf(span))!;
      expect(JSON.stringify(log.messages)).toContain("[redacted]");
      expect(log.output).toBe("noted [redacted]");
      expect(JSON.stringify(log)).not.toContain("secret-123");
      await processor.shutdown();
    } finally {
      setContentPolicy({ ...previous, mask: previous.mask });
    }
  });
});
