import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as openai6 from "openai6";
import * as openai7 from "openai";
import { OpenAIInstrumentation as PeerInstrumentation } from "@opentelemetry/instrumentation-openai";
import { metrics } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../src/core/attributes.js";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { OpenAITestServer } from "../testing/openai-server.js";

// Each scenario patches fresh prototypes, so it uses its own module order; the
// SDK classes are shared across tests, so every test unpatches what it patched.
let server: OpenAITestServer;
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
beforeAll(async () => {
  server = new OpenAITestServer();
  await server.start();
});
afterAll(() => server.close());
afterEach(() => exporter.reset());

function ours(): OpenAIInstrumentation {
  const i = new OpenAIInstrumentation({ enabled: false });
  i.setTracerProvider(provider);
  i.enable();
  return i;
}

function peer(mod: unknown): { disable(): void } {
  const p = new PeerInstrumentation();
  p.setTracerProvider(provider);
  // Creates the peer's metric instruments (it records a duration histogram).
  p.setMeterProvider(metrics.getMeterProvider());
  // The peer declares openai >=4.19 <7 and hooks the module name "openai"; apply its patch to the alias package directly.
  const def = p.getModuleDefinitions()[0]!;
  def.patch!(mod as never, "6.49.0");
  return {
    disable: () => {
      def.unpatch!(mod as never, "6.49.0");
      p.disable();
    },
  };
}

async function chat(mod: typeof openai7): Promise<string | null> {
  const c = new mod.OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
  const res = await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
  const s = await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
  for await (const _ of s) void _;
  return res.choices[0]!.message.content;
}

describe("registration", () => {
  it("a second registration, or a second instance, never double-wraps", async () => {
    const a = ours();
    const b = ours();
    a.manuallyInstrument(openai7);
    a.manuallyInstrument(openai7.default);
    b.manuallyInstrument(openai7);
    await chat(openai7 as never);
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    b["unpatch"](openai7);
    a["unpatch"](openai7);
    exporter.reset();
    await chat(openai7 as never);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it("disabled: calls pass through with no span", async () => {
    const a = ours();
    a.manuallyInstrument(openai7);
    a.disable();
    expect(await chat(openai7 as never)).toBe("Hello there");
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    a["unpatch"](openai7);
  });
});

describe("with @opentelemetry/instrumentation-openai active too", () => {
  it("peer patched first (ours outside): the app works, one span per call, ours", async () => {
    const p = peer(openai6);
    const a = ours();
    a.manuallyInstrument(openai6);
    expect(await chat(openai6 as never)).toBe("Hello there");
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    for (const s of spans) expect(s.attributes[Humanloop.INSTRUMENTED]).toBe(true);
    expect(spans[1]!.attributes[GenAI.OUTPUT_MESSAGES]).toBeDefined();
    a["unpatch"](openai6);
    p.disable();
  });

  it("peer patched last (peer outside): the app works, one span per call, the peer's", async () => {
    const a = ours();
    a.manuallyInstrument(openai6);
    const p = peer(openai6);
    expect(await chat(openai6 as never)).toBe("Hello there");
    await new Promise((r) => setTimeout(r, 20));
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.instrumentationScope.name).toBe("@opentelemetry/instrumentation-openai");
      expect(s.attributes[GenAI.REQUEST_MODEL]).toBe("m");
    }
    p.disable();
    a["unpatch"](openai6);
  });

  it("documented limit: with the peer active, .asResponse() finds the body consumed by the peer", async () => {
    const a = ours();
    a.manuallyInstrument(openai6);
    const c = new openai6.OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
    const raw = await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).asResponse();
    expect(((await raw.json()) as { id: string }).id).toBe("chatcmpl-1");
    const p = peer(openai6);
    const raw2 = await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).asResponse();
    await new Promise((r) => setTimeout(r, 20));
    expect(raw2.bodyUsed).toBe(true);
    p.disable();
    a["unpatch"](openai6);
  });
});
