import { context, diag, DiagLogLevel, type Tracer } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Humanloop } from "../src/core/attributes.js";
import { getContentPolicy, setContentPolicy } from "../src/core/content-policy.js";
import { AsyncLocalStorageContextManager, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { updateCurrentLog } from "../src/feedback/update-log.js";

const exporter = new InMemorySpanExporter();
let provider: TracerProvider;
let tracer: Tracer;
const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn(), verbose: vi.fn() };
const initialPolicy = getContentPolicy();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  tracer = provider.getTracer("update-log-test");
});
afterAll(async () => {
  await provider.shutdown();
  context.disable();
});
beforeEach(() => {
  exporter.reset();
  for (const fn of Object.values(logger)) fn.mockReset();
  diag.setLogger(logger, DiagLogLevel.WARN);
});
afterEach(() => {
  diag.disable();
  setContentPolicy(initialPolicy);
});

const json = (value: unknown) => JSON.parse(String(value)) as unknown;
const spanNamed = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)!;

describe("updateCurrentLog()", () => {
  it("merges metadata and inputs with what the span carries, and sets source, environment and log feedback", async () => {
    await tracer.startActiveSpan(
      "answer",
      { attributes: { [Humanloop.KIND]: "agent", [Humanloop.METADATA]: '{"team":"support"}', [Humanloop.INPUTS]: '{"question":"Where?"}' } },
      async (span) => {
        updateCurrentLog({ metadata: { plan: "pro" }, inputs: { locale: "de" } });
        await new Promise((r) => setTimeout(r, 1));
        updateCurrentLog({ metadata: { plan: "enterprise", region: "eu" }, source: "web", environment: "staging" });
        updateCurrentLog({ feedback: { type: "rating", value: "good" } });
        updateCurrentLog({ feedback: [{ type: "comment", value: "auto-approved" }] });
        span.end();
      },
    );
    const attrs = spanNamed("answer").attributes;
    expect(json(attrs[Humanloop.METADATA])).toEqual({ team: "support", plan: "enterprise", region: "eu" });
    expect(json(attrs[Humanloop.INPUTS])).toEqual({ question: "Where?", locale: "de" });
    expect(attrs[Humanloop.SOURCE]).toBe("web");
    expect(attrs[Humanloop.ENVIRONMENT]).toBe("staging");
    expect(json(attrs[Humanloop.FEEDBACK])).toEqual([
      { type: "rating", value: "good" },
      { type: "comment", value: "auto-approved" },
    ]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it("touches only the active span, not its parent or its children", () => {
    tracer.startActiveSpan("parent", { attributes: { [Humanloop.KIND]: "agent" } }, (parent) => {
      tracer.startActiveSpan("child", { attributes: { [Humanloop.KIND]: "tool" } }, (child) => {
        tracer.startActiveSpan("grandchild", { attributes: { [Humanloop.KIND]: "tool" } }, (g) => g.end());
        updateCurrentLog({ metadata: { step: 2 } });
        child.end();
      });
      parent.end();
    });
    expect(json(spanNamed("child").attributes[Humanloop.METADATA])).toEqual({ step: 2 });
    expect(spanNamed("parent").attributes[Humanloop.METADATA]).toBeUndefined();
    expect(spanNamed("grandchild").attributes[Humanloop.METADATA]).toBeUndefined();
  });

  it("applies the mask and leaves inputs out when content capture is off", () => {
    setContentPolicy({ captureContent: false, mask: (text) => text.replaceAll(/\d{4}-\d{4}/g, "[card]") });
    tracer.startActiveSpan("pay", { attributes: { [Humanloop.KIND]: "tool" } }, (span) => {
      updateCurrentLog({ metadata: { card: "1234-5678" }, inputs: { secret: "x" } });
      span.end();
    });
    const attrs = spanNamed("pay").attributes;
    expect(json(attrs[Humanloop.METADATA])).toEqual({ card: "[card]" });
    expect(attrs[Humanloop.INPUTS]).toBeUndefined();
  });

  it("outside any span, or after the span ended: a diag warning, no throw", () => {
    expect(() => updateCurrentLog({ metadata: { a: 1 } })).not.toThrow();
    expect(String(logger.warn.mock.calls[0]?.[0])).toMatch(/outside any span; nothing was recorded/);
    tracer.startActiveSpan("done", { attributes: { [Humanloop.KIND]: "tool" } }, (span) => {
      span.end();
      updateCurrentLog({ metadata: { late: true } });
    });
    expect(String(logger.warn.mock.calls[1]?.[0])).toMatch(/has ended or is not sampled/);
    expect(spanNamed("done").attributes[Humanloop.METADATA]).toBeUndefined();
  });

  it("says so when the active span makes no Humanloop log", () => {
    tracer.startActiveSpan("GET /orders", (span) => {
      updateCurrentLog({ source: "web" });
      span.end();
    });
    expect(String(logger.warn.mock.calls[0]?.[0])).toMatch(/"GET \/orders" does not become a Humanloop log/);
  });

  it("throws a clear TypeError for unknown options and wrong types, even outside a span", () => {
    expect(() => updateCurrentLog({ meta: {} } as never)).toThrow(/unknown option "meta" \(expected metadata, inputs, source, environment, feedback\)/);
    expect(() => updateCurrentLog({ metadata: "pro" } as never)).toThrow(/"metadata" must be a plain object, got string/);
    expect(() => updateCurrentLog({ inputs: [1] } as never)).toThrow(/"inputs" must be a plain object, got an array/);
    expect(() => updateCurrentLog({ source: 3 } as never)).toThrow(/"source" must be a non-empty string/);
    expect(() => updateCurrentLog({ feedback: { type: "rating", value: "good", user: "u" } } as never)).toThrow(/unknown option "user"/);
    expect(() => updateCurrentLog(null as never)).toThrow(/options must be an object/);
  });
});
