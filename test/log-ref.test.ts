import { context, trace, TraceFlags, type Tracer } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Humanloop, GenAI } from "../src/core/attributes.js";
import { currentLogRef, isLocalLogRef, logRefOf, logRefOfSpanContext } from "../src/feedback/log-ref.js";
import { rememberResultSpan } from "../src/core/log-ref-registry.js";
import { AsyncLocalStorageContextManager, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { parseReferenceId } from "../src/core/reference.js";

let provider: TracerProvider;
let tracer: Tracer;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  tracer = provider.getTracer("log-ref-test");
});
afterAll(async () => {
  await provider.shutdown();
  context.disable();
});

describe("log references", () => {
  it("currentLogRef() names the active logged span's log, across awaits, and nothing outside spans", async () => {
    expect(currentLogRef()).toBeUndefined();
    await tracer.startActiveSpan("answer", { attributes: { [Humanloop.KIND]: "agent" } }, async (span) => {
      await new Promise((r) => setTimeout(r, 1));
      const ref = currentLogRef();
      const { traceId, spanId } = span.spanContext();
      expect(ref).toBe(`${traceId}-${spanId}`);
      expect(parseReferenceId(ref!)).toEqual({ traceId, spanId });
      expect(isLocalLogRef(ref!)).toBe(true);
      tracer.startActiveSpan("lookup", { attributes: { [Humanloop.KIND]: "tool" } }, (child) => {
        expect(currentLogRef()).toBe(`${traceId}-${child.spanContext().spanId}`);
        child.end();
      });
      expect(currentLogRef()).toBe(ref);
      span.end();
    });
  });

  it("currentLogRef() is undefined in a span that makes no log (e.g. HTTP) and in an unsampled one", () => {
    tracer.startActiveSpan("GET /orders", { attributes: { "http.request.method": "GET" } }, (span) => {
      expect(currentLogRef()).toBeUndefined();
      span.end();
    });
    const unsampled = trace.wrapSpanContext({ traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: TraceFlags.NONE });
    context.with(trace.setSpan(context.active(), unsampled), () => expect(currentLogRef()).toBeUndefined());
  });

  it("logRefOf(result) names the log of the call that returned it; undefined for other values", () => {
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: { [GenAI.OPERATION_NAME]: "chat", [Humanloop.INSTRUMENTED]: true } });
    const completion = { id: "chatcmpl-1", choices: [] };
    rememberResultSpan(completion, span.spanContext());
    span.end();
    expect(logRefOf(completion)).toBe(`${span.spanContext().traceId}-${span.spanContext().spanId}`);
    expect(logRefOf({ id: "chatcmpl-1", choices: [] })).toBeUndefined();
    expect(logRefOf(undefined)).toBeUndefined();
    expect(logRefOf("text")).toBeUndefined();
  });

  it("the result stays the same to the caller (JSON, keys, spreads, equality); frozen results and another copy of the package still resolve", () => {
    const span = tracer.startSpan("chat gpt-4o-mini", { attributes: { [GenAI.OPERATION_NAME]: "chat", [Humanloop.INSTRUMENTED]: true } });
    const ref = `${span.spanContext().traceId}-${span.spanContext().spanId}`;
    const completion = { id: "chatcmpl-2", choices: [{ index: 0 }] };
    rememberResultSpan(completion, span.spanContext());
    expect(JSON.stringify(completion)).toBe('{"id":"chatcmpl-2","choices":[{"index":0}]}');
    expect(Object.keys(completion)).toEqual(["id", "choices"]);
    expect({ ...completion }).toStrictEqual({ id: "chatcmpl-2", choices: [{ index: 0 }] });
    expect(completion).toStrictEqual({ id: "chatcmpl-2", choices: [{ index: 0 }] });
    expect(logRefOf({ ...completion })).toBeUndefined();
    // Another build of the package (ESM and CommonJS) reads the same registered symbol.
    expect(Object.getOwnPropertySymbols(completion).map((s) => Symbol.keyFor(s))).toEqual(["humanloop-otel.result-span"]);

    const frozen = Object.freeze({ id: "chatcmpl-3" });
    rememberResultSpan(frozen, span.spanContext());
    expect(logRefOf(frozen)).toBe(ref);
    const refusing = new Proxy({}, { defineProperty: () => false });
    rememberResultSpan(refusing, span.spanContext());
    expect(logRefOf(refusing)).toBe(ref);
    span.end();
  });

  it("logRefOfSpanContext(): local and remote contexts; invalid contexts give undefined, non-contexts throw", () => {
    const span = tracer.startSpan("step", { attributes: { [Humanloop.KIND]: "tool" } });
    const ref = logRefOfSpanContext(span.spanContext());
    span.end();
    expect(ref).toBe(`${span.spanContext().traceId}-${span.spanContext().spanId}`);
    expect(isLocalLogRef(ref!)).toBe(true);

    const remote = { traceId: "a".repeat(32), spanId: "b".repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true };
    const remoteRef = logRefOfSpanContext(remote);
    expect(remoteRef).toBe(`${"a".repeat(32)}-${"b".repeat(16)}`);
    expect(isLocalLogRef(remoteRef!)).toBe(false);

    expect(logRefOfSpanContext({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 1 })).toBeUndefined();
    expect(logRefOfSpanContext({ ...remote, traceFlags: TraceFlags.NONE })).toBeUndefined();
    expect(() => logRefOfSpanContext("abc" as never)).toThrow(/expected an OpenTelemetry SpanContext/);
  });
});
