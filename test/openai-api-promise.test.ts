import { describe, expect, it } from "vitest";
import { trace } from "@opentelemetry/api";
import { CallSpan, traceApiPromise } from "../instrumentations/shared/index.js";

/** A promise subclass with the SDKs' internal chaining: `_thenUnwrap(fn)` is a new promise of `fn(value)`. */
class SdkPromise<T> extends Promise<T> {
  _thenUnwrap<U>(fn: (v: T) => U): SdkPromise<U> {
    return new SdkPromise<U>((resolve, reject) => super.then((v) => resolve(fn(v)), reject));
  }
}

describe("traceApiPromise and the SDKs' _thenUnwrap chaining (the parse() helpers)", () => {
  it("each promise of the chain resolves to its own value, whichever `then` was read first", async () => {
    const call = new CallSpan(trace.wrapSpanContext({ traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 0 }), undefined, undefined, false);
    const seen: unknown[] = [];
    const traced = traceApiPromise(SdkPromise.resolve({ raw: 1 }) as SdkPromise<{ raw: number }>, call, (value, c) => {
      seen.push(value);
      c.finish();
    });
    expect(typeof traced.then).toBe("function"); // e.g. a thenable check before the helper chains
    const parsed = traced._thenUnwrap((v) => ({ parsed: v.raw + 1 }));
    expect(await parsed).toEqual({ parsed: 2 });
    expect(await traced).toEqual({ raw: 1 });
    expect(seen).toEqual([{ parsed: 2 }]);
    expect(call.ended).toBe(true);
  });
});

describe("CallSpan", () => {
  it("still records the response and ends the span once when recording the request content throws", async () => {
    const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import("../src/core/otel-sdk.js");
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer("t");
    const call = new CallSpan(
      tracer.startSpan("chat"),
      () => call.span.setAttribute("gen_ai.response.id", "r1"),
      () => {
        throw new TypeError("odd request shape");
      },
      false,
    );
    call.finish();
    call.finish();
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes["gen_ai.response.id"]).toBe("r1");
  });
});
