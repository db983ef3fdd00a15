import { describe, it, expect, beforeAll, afterAll, afterEach } from "vitest";
import { trace, diag, DiagLogLevel, ProxyTracerProvider } from "@opentelemetry/api";
import { register, traced, session } from "../src/index.js";
import { getContentPolicy } from "../src/core/content-policy.js";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SdkSpan, type SpanProcessor } from "../src/core/otel-sdk.js";
import { HumanloopTestServer, formatTrees, type LogNode } from "../testing/index.js";

let server: HumanloopTestServer;
beforeAll(async () => {
  server = await HumanloopTestServer.start();
});
afterAll(() => server.close());
afterEach(() => server.reset());

const connection = () => ({ apiKey: server.apiKey, baseUrl: server.url, project: "register-test" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const names = (node: LogNode): string[] => node.children.map((c) => String((c.config as { name?: string }).name));

describe("register() options", () => {
  it("throws a clear TypeError for unknown or invalid options, installing nothing", () => {
    expect(() => register({ apiKye: "x" } as never)).toThrow(/unknown option "apiKye"\. Known options: .*apiKey/);
    expect(() => register({ mask: "yes" } as never)).toThrow(/option "mask" must be a function/);
    expect(() => register({ maxContentLength: -1 })).toThrow(/maxContentLength/);
    expect(() => register({ baseUrl: "ftp://x" })).toThrow(/baseUrl/);
    expect(() => register({ exporters: [{}] as never })).toThrow(/exporters\[0\] has no export\(\) method/);
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(new ProxyTracerProvider().getDelegate());
  });

  it("OTEL_SDK_DISABLED=true (or disabled) installs nothing", async () => {
    process.env.OTEL_SDK_DISABLED = "true";
    try {
      const tracing = register(connection());
      expect(register()).toBe(tracing);
      traced(function nothing() {})();
      await tracing.shutdown();
      expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(new ProxyTracerProvider().getDelegate());
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
  });
});

describe("register() end to end through the local Humanloop server", () => {
  it("is idempotent, sets the content policy, and delivers traced trees with sessions on shutdown", async () => {
    const warnings: string[] = [];
    diag.setLogger({ warn: (m: string) => warnings.push(m), error: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    const tracing = register({ ...connection(), mask: (t) => t.replace(/4111-\d{4}/g, "[card]"), maxContentLength: 5000 });
    expect(register()).toBe(tracing);
    expect(register({ project: "other" })).toBe(tracing);
    expect(warnings.some((w) => /already called/.test(w))).toBe(true);
    // A later call's options are still checked: a typo is an error, not a silent no-op.
    expect(() => register({ projct: "other" } as never)).toThrow(/unknown option "projct"/);
    expect(getContentPolicy().maxContentLength).toBe(5000);
    expect(trace.getTracerProvider().getTracer("x")).toBeDefined();

    const lookup = traced(async function lookup(orderId: string) { await sleep(2); return { orderId, status: "shipped" }; }, { kind: "tool" });
    const answer = traced(async function answer(question: string, card: string) {
      const order = await lookup("A-17");
      return `Order ${order.orderId} is ${order.status} (${card})`;
    }, { kind: "agent" });
    await session({ id: "conversation-42", userId: "u1" }, () => answer("Where is my order?", "4111-1234"));
    await tracing.shutdown();
    diag.disable();

    const tree = server.trees().find((t) => t.session_reference_id === "conversation-42");
    expect(tree, formatTrees(server.trees())).toBeDefined();
    expect(tree!.roots).toHaveLength(1);
    const root = tree!.roots[0]!;
    expect(root.config).toMatchObject({ type: "tool", name: "answer" });
    expect(root.project).toBe("register-test");
    expect(root.inputs).toEqual({ question: "Where is my order?", card: "[card]" });
    expect(root.output).toBe("Order A-17 is shipped ([card])");
    expect(names(root)).toEqual(["lookup"]);
    expect(root.children[0]!.inputs).toEqual({ orderId: "A-17" });
    // shutdown() removed the global provider, so register() starts afresh
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(new ProxyTracerProvider().getDelegate());
  });

  it("records errors as log errors", async () => {
    const tracing = register(connection());
    const failing = traced(async function failing() { throw new TypeError("bad input"); }, { kind: "tool" });
    await expect(session("err-session", () => failing())).rejects.toThrow("bad input");
    await tracing.shutdown();
    const log = server.logs().find((l) => l.session_reference_id === "err-session");
    expect(log?.error).toMatch(/bad input/);
  });

  it("200 concurrent sessions with nested calls each arrive as their own tree", async () => {
    const tracing = register(connection());
    const lookup = traced(async function lookup(id: string) { await sleep(Math.random() * 5); return id; }, { kind: "tool" });
    const step = traced(async function step(i: number) { return lookup(`s${i}`); }, { kind: "chain" });
    const agent = traced(async function agent(i: number) {
      await lookup(`a${i}`);
      await Promise.all([step(i), new Promise((r) => setTimeout(() => r(lookup(`t${i}`)), 1))]);
      return i;
    }, { kind: "agent" });
    await Promise.all(Array.from({ length: 200 }, (_, i) => session(`conv-${i}`, () => agent(i))));
    await tracing.shutdown();
    const trees = server.trees().filter((t) => t.session_reference_id?.startsWith("conv-"));
    expect(trees).toHaveLength(200);
    expect(server.logs()).toHaveLength(1000);
    for (const tree of trees) {
      const i = Number(tree.session_reference_id!.slice(5));
      expect(tree.roots).toHaveLength(1);
      const root = tree.roots[0]!;
      expect(root.inputs).toEqual({ i });
      expect(names(root).sort()).toEqual(["lookup", "lookup", "step"]);
      const ids = root.children.flatMap((c) => [c, ...c.children]).map((c) => (c.inputs as { id?: string }).id).filter(Boolean).sort();
      expect(ids).toEqual([`a${i}`, `s${i}`, `t${i}`]);
    }
  });

  it("sends spans to extra exporters and span processors too", async () => {
    const exporter = new InMemorySpanExporter();
    const started: string[] = [];
    const processor: SpanProcessor = {
      onStart: (span: SdkSpan) => void started.push(span.name),
      onEnd: (_span: ReadableSpan) => {},
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const tracing = register({ ...connection(), exporters: [exporter], spanProcessors: [processor, new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
    await session("extra", () => traced(async function extra() { return 1; })());
    await tracing.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["extra"]);
    expect(exporter.getFinishedSpans()[0]!.attributes["humanloop.session.id"]).toBe("extra");
    expect(started).toEqual(["extra"]);
    expect(server.logs().map((l) => l.session_reference_id)).toEqual(["extra"]);
    await tracing.shutdown();
  });

  it("captureContent: false keeps inputs and outputs out of the logs", async () => {
    const tracing = register({ ...connection(), captureContent: false });
    await traced(async function secret(password: string) { return password; })("hunter2");
    await tracing.shutdown();
    const [log] = server.logs();
    expect(log?.inputs).toBeUndefined();
    expect(log?.output).toBeUndefined();
    expect(JSON.stringify(log)).not.toContain("hunter2");
  });

  it("shutdown() ends the span of a traced stream nobody read, so its log is not lost", async () => {
    const tracing = register(connection());
    const unread = traced(async function* unread() { yield "never"; });
    const gen = session("unread-session", () => unread());
    await tracing.shutdown();
    expect(server.logs().map((l) => [l.session_reference_id, (l.config as { name: string }).name])).toEqual([["unread-session", "unread"]]);
    expect(gen).toBeDefined();
  });
});
