import { describe, it, expect, beforeEach } from "vitest";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { traced } from "../src/tracing/traced.js";
import { setContentPolicy, getContentPolicy } from "../src/core/content-policy.js";
import { inMemoryTracing, jsonAttr } from "./fixtures/in-memory-tracing.js";
import type { ReadableSpan } from "../src/core/otel-sdk.js";

const tracing = inMemoryTracing();
const defaultPolicy = { ...getContentPolicy() };
beforeEach(() => {
  tracing.reset();
  setContentPolicy({ ...defaultPolicy, mask: undefined });
});

const byName = (name: string): ReadableSpan => {
  const s = tracing.spans().find((x) => x.name === name);
  if (!s) throw new Error(`no span ${name}; have ${tracing.spans().map((x) => x.name).join(",")}`);
  return s;
};
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe("traced(fn)", () => {
  it("keeps sync-ness, this, arguments and return value; records inputs by name and output", () => {
    const obj = {
      base: 10,
      add: traced(function add(this: { base: number }, a: number, b = 2) {
        return this.base + a + b;
      }),
    };
    const r = obj.add(1, 5);
    expect(r).toBe(16); // a number, not a promise
    expect(obj.add.name).toBe("add");
    expect(obj.add.length).toBe(1);
    const s = byName("add");
    expect(s.attributes["humanloop.kind"]).toBe("workflow");
    expect(jsonAttr(s, "humanloop.inputs")).toEqual({ a: 1, b: 5 });
    expect(s.attributes["humanloop.output"]).toBe("16");
  });

  it("names arrow, rest and destructured parameters; positional when unnamed", () => {
    const f = traced(({ id }: { id: string }, label: string, ...more: number[]) => `${id}${label}${more.length}`, { name: "f" });
    expect(f({ id: "x" }, "y", 1, 2)).toBe("xy2");
    expect(jsonAttr(byName("f"), "humanloop.inputs")).toEqual({ arg0: { id: "x" }, label: "y", more: [1, 2] });
    const g = traced((q: string) => q, { name: "g" });
    g("a");
    expect(jsonAttr(byName("g"), "humanloop.inputs")).toEqual({ q: "a" });
    const bound = traced(function h(this: unknown, a: number) { return a; }.bind(null), { name: "bound" });
    bound(7);
    expect(jsonAttr(byName("bound"), "humanloop.inputs")).toEqual({ arg0: 7 });
  });

  it("sets kind, name, project and metadata; a string output as is", async () => {
    const f = traced(async (q: string) => `answer to ${q}`, { kind: "agent", name: "agent-run", project: "p1", metadata: { v: 2 } });
    await expect(f("q")).resolves.toBe("answer to q");
    const s = byName("agent-run");
    expect(s.attributes["humanloop.kind"]).toBe("agent");
    expect(s.attributes["humanloop.project"]).toBe("p1");
    expect(jsonAttr(s, "humanloop.metadata")).toEqual({ v: 2 });
    expect(s.attributes["humanloop.output"]).toBe("answer to q");
  });

  it("nests: spans of inner traced calls are children across awaits, timers and Promise.all", async () => {
    const leaf = traced(async function leaf(n: number) {
      await new Promise((r) => setTimeout(r, 2));
      return n;
    }, { kind: "tool" });
    const root = traced(async function root() {
      const a = await Promise.all([leaf(1), leaf(2)]);
      await new Promise<void>((r) => setTimeout(() => void leaf(3).then(() => r()), 1));
      return a;
    });
    await root();
    const r = byName("root");
    const leaves = tracing.spans().filter((s) => s.name === "leaf");
    expect(leaves).toHaveLength(3);
    for (const l of leaves) {
      expect(parentOf(l)).toBe(r.spanContext().spanId);
      expect(l.spanContext().traceId).toBe(r.spanContext().traceId);
    }
  });

  it("records errors and rethrows them unchanged, sync and async", async () => {
    class MyError extends Error {}
    const err = new MyError("boom");
    const sync = traced(function sync() { throw err; });
    expect(() => sync()).toThrow(err);
    const async_ = traced(async function asyncFail() { throw err; });
    const caught = await async_().catch((e: unknown) => e);
    expect(caught).toBe(err);
    for (const name of ["sync", "asyncFail"]) {
      const s = byName(name);
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.status.message).toBe("boom");
      expect(s.attributes["error.type"]).toBe("MyError");
      expect(s.events.some((e) => e.name === "exception")).toBe(true);
      expect(s.ended).toBe(true);
    }
  });

  it("returns a Promise subclass as is, so its extra methods keep working", async () => {
    class APIPromise<T> extends Promise<T> {
      withResponse() { return "extra"; }
    }
    const p = new APIPromise<string>((r) => setTimeout(() => r("done"), 1));
    const f = traced(() => p, { name: "sdk" });
    const out = f();
    expect(out).toBe(p);
    expect(out.withResponse()).toBe("extra");
    expect(await out).toBe("done");
    await new Promise((r) => setImmediate(r));
    expect(byName("sdk").attributes["humanloop.output"]).toBe("done");
  });

  it("a rejected Promise subclass nobody handles is still an unhandled rejection, with the same reason; a handled one is not", async () => {
    class SdkPromise<T> extends Promise<T> {}
    const seen: unknown[] = [];
    // Take vitest's own listeners off while the process sees our rejections.
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", (reason) => seen.push(reason));
    const settleAll = () => new Promise((r) => setTimeout(r, 20));
    try {
      const lost = new Error("nobody listens");
      const forgotten = traced(() => SdkPromise.reject(lost) as SdkPromise<never>, { name: "forgotten" });
      const out = forgotten();
      expect(out).toBeInstanceOf(SdkPromise);
      await settleAll();
      expect(seen).toEqual([lost]);
      expect(byName("forgotten").status.code).toBe(SpanStatusCode.ERROR);

      seen.length = 0;
      const handled = new Error("handled");
      const awaited = traced(() => SdkPromise.reject(handled) as SdkPromise<never>, { name: "awaited" });
      await expect(awaited()).rejects.toBe(handled);
      void traced(() => SdkPromise.reject(handled) as SdkPromise<never>, { name: "caught" })().catch(() => undefined);
      // An SDK promise with its own ways to take the outcome (catch() not through then(), withResponse()) is never raised again.
      class ApiLikePromise<T> extends Promise<T> {
        override catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
          return Promise.prototype.then.call(this, undefined, onRejected) as Promise<T | R>;
        }
        withResponse() { return Promise.prototype.then.call(this, (data: T) => ({ data })); }
      }
      void traced(() => ApiLikePromise.reject(handled) as ApiLikePromise<never>, { name: "sdkCaught" })().catch(() => undefined);
      await traced(() => ApiLikePromise.reject(handled) as ApiLikePromise<never>, { name: "sdkWithResponse" })().withResponse().catch(() => undefined);
      await settleAll();
      expect(seen).toEqual([]);
      expect(byName("sdkCaught").status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      process.removeAllListeners("unhandledRejection");
      for (const listener of saved) process.on("unhandledRejection", listener);
    }
  });
});

describe("generators and streams", () => {
  it("a generator keeps the span open until consumed; its body runs inside the span", () => {
    const inner = traced(function inner(w: string) { return w.toUpperCase(); }, { kind: "tool" });
    const gen = traced(function* words(text: string) {
      for (const w of text.split(" ")) yield inner(w);
      return "end";
    });
    const it = gen("a b");
    expect(Object.prototype.toString.call(it)).toBe("[object Generator]");
    expect(tracing.spans()).toHaveLength(0);
    expect([...it]).toEqual(["A", "B"]);
    const s = byName("words");
    expect(s.attributes["humanloop.output"]).toBe("AB");
    for (const i of tracing.spans().filter((x) => x.name === "inner")) expect(parentOf(i)).toBe(s.spanContext().spanId);
  });

  it("an async generator: span ends when the consumer breaks early", async () => {
    const gen = traced(async function* count() {
      for (let i = 0; ; i++) {
        await new Promise((r) => setTimeout(r, 1));
        yield i;
      }
    });
    const seen: number[] = [];
    for await (const i of gen()) {
      seen.push(i);
      if (i === 2) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(jsonAttr(byName("count"), "humanloop.output")).toEqual([0, 1, 2]);
  });

  it("an async generator that throws ends the span with the error, rethrown unchanged", async () => {
    const err = new Error("mid-stream");
    const gen = traced(async function* broken() {
      yield 1;
      throw err;
    });
    const got: unknown[] = [];
    await expect((async () => { for await (const x of gen()) got.push(x); })()).rejects.toBe(err);
    expect(byName("broken").status.code).toBe(SpanStatusCode.ERROR);
  });

  it("an async function returning an async iterable (an SDK stream) keeps the span open until it is read", async () => {
    class FakeStream {
      controller = new AbortController();
      async *[Symbol.asyncIterator]() { yield "Hel"; yield "lo"; }
      tee() { return [this, this]; }
    }
    const stream = new FakeStream();
    const f = traced(async function streamed() { return stream; });
    const got = await f();
    expect(got).toBe(stream);
    expect(got.tee()).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 2));
    expect(tracing.spans()).toHaveLength(0);
    let text = "";
    for await (const c of got) text += c;
    expect(text).toBe("Hello");
    expect(byName("streamed").attributes["humanloop.output"]).toBe("Hello");
  });

  it("a Node readable stream ends the span when it ends", async () => {
    const { Readable } = await import("node:stream");
    const f = traced(function nodeStream() { return Readable.from(["a", "b"]); });
    const chunks: string[] = [];
    await new Promise<void>((resolve) => f().on("data", (c: string) => chunks.push(c)).on("end", resolve));
    await new Promise((r) => setImmediate(r));
    expect(chunks).toEqual(["a", "b"]);
    expect(byName("nodeStream").ended).toBe(true);
  });
});

describe("capture", () => {
  it("captures awkward values safely", () => {
    class Order { constructor(public id: string, public total: bigint) {} }
    const circular: Record<string, unknown> = { name: "c" };
    circular.self = circular;
    const f = traced(function awkward(a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) { return { a, b, c, d, e }; });
    f(circular, new Map([["k", 1n]]), new Set([1, 2]), Buffer.from("hello"), new Order("A-1", 10n));
    const s = byName("awkward");
    expect(jsonAttr(s, "humanloop.inputs")).toEqual({
      a: { name: "c", self: "[Circular]" },
      b: { k: "1" },
      c: [1, 2],
      d: "[Buffer 5 bytes]",
      e: { id: "A-1", total: "10" },
    });
    expect(jsonAttr(s, "humanloop.output")).toMatchObject({ e: { id: "A-1" } });
  });

  it("truncates huge values with a marker and applies the mask", () => {
    setContentPolicy({ maxContentLength: 200, mask: (text) => text.replace(/secret-\w+/g, "[REDACTED]") });
    const f = traced(function big(key: string, blob: string) { return blob; });
    f("secret-abc", "x".repeat(10_000));
    const s = byName("big");
    const inputs = s.attributes["humanloop.inputs"] as string;
    expect(inputs.length).toBeLessThanOrEqual(200);
    expect(inputs).toContain("[REDACTED]");
    expect(inputs).not.toContain("secret-abc");
    expect(inputs).toMatch(/…\[truncated \d+ chars\]$/);
    expect(s.attributes["humanloop.output"]).toMatch(/…\[truncated \d+ chars\]$/);
  });

  it("captureInput/captureOutput false and captureContent off leave content out", () => {
    traced(function noIn(a: string) { return a; }, { captureInput: false })("x");
    traced(function noOut(a: string) { return a; }, { captureOutput: false })("x");
    expect(byName("noIn").attributes["humanloop.inputs"]).toBeUndefined();
    expect(byName("noIn").attributes["humanloop.output"]).toBe("x");
    expect(byName("noOut").attributes["humanloop.output"]).toBeUndefined();
    setContentPolicy({ captureContent: false });
    traced(function off(a: string) { return a; })("x");
    expect(byName("off").attributes["humanloop.inputs"]).toBeUndefined();
    expect(byName("off").attributes["humanloop.output"]).toBeUndefined();
    expect(byName("off").attributes["humanloop.kind"]).toBe("workflow");
  });

  it("a throwing toJSON or getter does not reach the caller", () => {
    const nasty = { toJSON() { throw new Error("no"); }, get boom() { throw new Error("getter"); } };
    expect(traced(function nastyIn(v: unknown) { return v; })(nasty)).toBe(nasty);
    expect(byName("nastyIn").ended).toBe(true);
  });

  it("without a recording span (tracing suppressed) nothing is captured and the function still runs", async () => {
    const { suppressTracing } = await import("../src/core/otel-sdk.js");
    const f = traced(function quiet(a: number) { return a * 2; });
    expect(context.with(suppressTracing(context.active()), () => f(2))).toBe(4);
    expect(tracing.spans()).toHaveLength(0);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it("an unknown or ill-typed option is a clear TypeError where traced() is called", () => {
    const fn = () => 1;
    expect(() => traced(fn, { knd: "tool" } as never)).toThrow(/traced\(fn, options\): unknown option "knd" \(expected name, kind, project, captureInput, captureOutput, metadata\)/);
    expect(() => traced(fn, { kind: "tools" } as never)).toThrow(/"kind" must be "agent", "tool", "chain" or "workflow", got "tools"/);
    expect(() => traced(fn, { captureInput: "no" } as never)).toThrow(/"captureInput" must be a boolean, got string/);
    expect(() => traced(fn, { metadata: "x" } as never)).toThrow(/"metadata" must be a plain object, got string/);
    expect(() => traced(fn, 5 as never)).toThrow(/options must be an object/);
    expect(() => traced({ nmae: "x" } as never)).toThrow(/traced\(options\): unknown option "nmae"/);
    expect(tracing.spans()).toHaveLength(0);
  });
});
