import { describe, it, expect, beforeEach } from "vitest";
import { SpanStatusCode } from "@opentelemetry/api";
import { traced } from "../src/tracing/traced.js";
import { session } from "../src/tracing/session.js";
import { inMemoryTracing, jsonAttr } from "./fixtures/in-memory-tracing.js";
import { importDecoratorFixture, typeErrorsWithLegacyDecorators } from "./fixtures/compile-decorators.js";
import type { makeClasses } from "./fixtures/standard-decorators.js";

const tracing = inMemoryTracing();
beforeEach(() => tracing.reset());

const fixtures = {
  "TC39 standard decorators": { path: "test/fixtures/standard-decorators.ts", legacy: false },
  experimentalDecorators: { path: "test/fixtures/legacy-decorators/classes.ts", legacy: true },
};

describe.each(Object.entries(fixtures))("method decorators under %s", (_label, { path, legacy }) => {
  const load = async () => {
    const mod = await importDecoratorFixture<{ makeClasses: typeof makeClasses }>(path, legacy);
    return mod.makeClasses({ traced, session });
  };

  it("wraps async and sync methods, keeping this, arguments and results", async () => {
    const { Agent } = await load();
    const agent = new Agent();
    expect(await agent.answer("hi")).toBe("re:hi3");
    expect(agent.lookup("A-17")).toEqual({ id: "A-17" });
    const answer = tracing.spans().find((s) => s.name === "answer")!;
    expect(answer.attributes["humanloop.kind"]).toBe("agent");
    expect(jsonAttr(answer, "humanloop.inputs")).toEqual({ question: "hi" });
    const lookup = tracing.spans().find((s) => s.name === "lookup-order")!;
    expect(lookup.attributes["humanloop.kind"]).toBe("tool");
    expect(jsonAttr(lookup, "humanloop.output")).toEqual({ id: "A-17" });
  });

  it("wraps generator methods and records errors", async () => {
    const { Agent } = await load();
    const agent = new Agent();
    expect([...agent.words("a b c")]).toEqual(["a", "b", "c"]);
    expect(tracing.spans().find((s) => s.name === "words")!.attributes["humanloop.output"]).toBe("abc");
    const err = await agent.fail().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    const fail = tracing.spans().find((s) => s.name === "fail")!;
    expect(fail.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("@session computes the id from the method's arguments; nested spans carry it", async () => {
    const { Agent } = await load();
    const agent = new Agent();
    await Promise.all([agent.chat("ann"), agent.chat("bob")]);
    const chats = tracing.spans().filter((s) => s.name === "chat");
    expect(chats.map((s) => s.attributes["humanloop.session.id"]).sort()).toEqual(["conv-ann", "conv-bob"]);
    for (const chat of chats) {
      const child = tracing.spans().find((s) => s.name === "lookup-order" && s.parentSpanContext?.spanId === chat.spanContext().spanId)!;
      expect(child.attributes["humanloop.session.id"]).toBe(chat.attributes["humanloop.session.id"]);
      expect(child.attributes["humanloop.user_id"]).toBe("u");
    }
  });
});

it("the legacy-decorator fixture type-checks with experimentalDecorators", { timeout: 90_000 }, () => {
  expect(typeErrorsWithLegacyDecorators("test/fixtures/legacy-decorators/classes.ts")).toEqual([]);
});

it("decorating something that is not a method is a clear error", () => {
  const decorator = traced() as unknown as (v: unknown, c: unknown) => unknown;
  expect(() => decorator(undefined, { kind: "field", name: "x" })).toThrow(/decorates methods/);
});
