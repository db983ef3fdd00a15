import { describe, it, expect, beforeEach } from "vitest";
import { context, trace } from "@opentelemetry/api";
import { session } from "../src/tracing/session.js";
import { traced } from "../src/tracing/traced.js";
import { getSession } from "../src/core/session-context.js";
import { inMemoryTracing, jsonAttr } from "./fixtures/in-memory-tracing.js";

const tracing = inMemoryTracing();
beforeEach(() => tracing.reset());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("session()", () => {
  it("returns fn's result with the same sync-ness and puts the session in context", () => {
    const out = session("s-1", () => getSession()?.id);
    expect(out).toBe("s-1");
    expect(getSession()).toBeUndefined();
  });

  it("an unknown or ill-typed option is a clear TypeError, and fn does not run", () => {
    const fn = () => { throw new Error("must not run"); };
    expect(() => session({ sessionId: "x" } as never, fn)).toThrow(/session\(idOrOptions, fn\): unknown option "sessionId" \(expected id, name, project, userId, metadata\)/);
    expect(() => session({ id: 42 } as never, fn)).toThrow(/"id" must be a string, got number/);
    expect(() => session({ metadata: [1] } as never, fn)).toThrow(/"metadata" must be a plain object, got an array/);
    expect(() => session(7 as never, fn)).toThrow(/must be the session id \(a string\) or an options object/);
    expect(() => session("s", "not a function" as never)).toThrow(/fn must be a function/);
    expect(() => session({ user: "u" } as never)).toThrow(/session\(options\): unknown option "user"/);
    // The decorator form takes an id function.
    expect(() => session({ id: (a: string) => a })).not.toThrow();
  });

  it("makes a random id when none is given and carries name, project, user and metadata", async () => {
    const leaf = traced(async function leaf() { return 1; });
    await session({ name: "support", project: "proj", userId: "u-9", metadata: { plan: "pro" } }, () => leaf());
    const [s] = tracing.spans();
    expect(s!.attributes["humanloop.session.id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(s!.attributes["humanloop.session.name"]).toBe("support");
    expect(s!.attributes["humanloop.project"]).toBe("proj");
    expect(s!.attributes["humanloop.user_id"]).toBe("u-9");
    expect(jsonAttr(s!, "humanloop.session.metadata")).toEqual({ plan: "pro" });
  });

  it("a traced function's own project wins over the session's", () => {
    session({ id: "x", project: "from-session" }, () => traced(function own() {}, { project: "own" })());
    expect(tracing.spans()[0]!.attributes["humanloop.project"]).toBe("own");
  });

  it("reaches every log across awaits, timers, Promise.all, generators and nested traced calls", async () => {
    const tool = traced(async function tool(n: number) { await sleep(1); return n; }, { kind: "tool" });
    const gen = traced(async function* chunks() { yield await tool(10); yield await tool(11); });
    const agent = traced(async function agent() {
      await Promise.all([tool(1), tool(2)]);
      await new Promise<void>((resolve) => setTimeout(() => void tool(3).then(() => resolve()), 1));
      return gen();
    }, { kind: "agent" });
    const stream = await session("deep", () => agent());
    // consumed outside the session: the generator still runs in it
    for await (const _ of stream) { /* drain */ }
    const spans = tracing.spans();
    expect(spans.length).toBe(7);
    for (const s of spans) expect(s.attributes["humanloop.session.id"]).toBe("deep");
  });

  it("a generator returned by session() runs its body in the session", () => {
    const inner = traced(function inner() { return getSession()?.id; });
    const it = session("gen-session", function* () { yield inner(); });
    expect([...it]).toEqual(["gen-session"]);
  });

  it("a Node stream returned by session() or by a traced function is read in the session", async () => {
    const { Readable } = await import("node:stream");
    const step = traced(async function step(n: number) { return n; }, { kind: "tool" });
    const fromSession = session("stream-session", () => Readable.from((async function* () { yield await step(1); yield await step(2); })()));
    const fromTraced = await session("traced-stream-session", () =>
      traced(async function streamer() { return Readable.from((async function* () { yield await step(3); })()); })(),
    );
    // Read outside any session, as a response body piped later would be.
    expect(await fromSession.toArray()).toEqual([1, 2]);
    expect(await fromTraced.toArray()).toEqual([3]);
    const steps = tracing.spans().filter((s) => s.name === "step");
    expect(steps.map((s) => [s.attributes["humanloop.session.id"], s.attributes["humanloop.inputs"]])).toEqual([
      ["stream-session", '{"n":1}'],
      ["stream-session", '{"n":2}'],
      ["traced-stream-session", '{"n":3}'],
    ]);
    const streamer = tracing.spans().find((s) => s.name === "streamer")!;
    expect(steps[2]!.parentSpanContext?.spanId).toBe(streamer.spanContext().spanId);
  });

  it("nested sessions: the inner one wins inside it, the outer one resumes after", async () => {
    const ids: (string | undefined)[] = [];
    await session("outer", async () => {
      await session("inner", async () => { await sleep(1); ids.push(getSession()?.id); });
      ids.push(getSession()?.id);
    });
    expect(ids).toEqual(["inner", "outer"]);
  });

  it("200 concurrent sessions with nested calls never leak into each other", async () => {
    const lookup = traced(async function lookup(id: string) { await sleep(Math.random() * 3); return id; }, { kind: "tool" });
    const answer = traced(async function answer(i: number) {
      await lookup(`a${i}`);
      await Promise.all([lookup(`b${i}`), lookup(`c${i}`)]);
      return i;
    }, { kind: "agent" });
    await Promise.all(Array.from({ length: 200 }, (_, i) => session(`conv-${i}`, () => answer(i))));
    const spans = tracing.spans();
    expect(spans).toHaveLength(800);
    const roots = spans.filter((s) => s.name === "answer");
    expect(new Set(roots.map((r) => r.spanContext().traceId)).size).toBe(200);
    for (const root of roots) {
      const i = JSON.parse(root.attributes["humanloop.inputs"] as string).i as number;
      expect(root.attributes["humanloop.session.id"]).toBe(`conv-${i}`);
      const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
      expect(children).toHaveLength(3);
      for (const c of children) {
        expect(c.attributes["humanloop.session.id"]).toBe(`conv-${i}`);
        expect(JSON.parse(c.attributes["humanloop.inputs"] as string).id).toMatch(new RegExp(`^[abc]${i}$`));
      }
    }
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(getSession(context.active())).toBeUndefined();
  });
});
