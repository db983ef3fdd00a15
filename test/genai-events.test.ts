/**
 * GenAIEventsProcessor on an app's own LoggerProvider (the documented set-up
 * without register()), and session ids as gen_ai.conversation.id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context, SeverityNumber, trace } from "@opentelemetry/api";
import { GenAIEventsProcessor, HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { GenAI } from "../src/core/attributes.js";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { AsyncLocalStorageContextManager, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { session } from "../src/tracing/session.js";

const exporter = new InMemorySpanExporter();
// No API key: nothing is delivered, but the processor still stamps sessions on spans.
const provider = new TracerProvider({ spanProcessors: [new HumanloopSpanProcessor({ apiKey: "" }), new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer("test");
const logger = new LoggerProvider({ processors: [new GenAIEventsProcessor()] }).getLogger("test");
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => provider.shutdown());

function inSpan(attributes: Record<string, string>, emit: (ctx: ReturnType<typeof context.active>) => void) {
  const span = tracer.startSpan("chat m", { attributes });
  emit(trace.setSpan(context.active(), span));
  span.end();
  return exporter.getFinishedSpans().at(-1)!;
}

describe("GenAIEventsProcessor", () => {
  it("puts the older per-message events on their span as gen_ai.input/output.messages", () => {
    const span = inSpan({ [GenAI.OPERATION_NAME]: "chat" }, (ctx) => {
      const base = { context: ctx, severityNumber: SeverityNumber.INFO };
      logger.emit({ ...base, attributes: { "event.name": "gen_ai.system.message" }, body: { content: "Be brief." } });
      logger.emit({ ...base, attributes: { "event.name": "gen_ai.user.message" }, body: { content: "Hi" } });
      logger.emit({ ...base, attributes: { "event.name": "gen_ai.tool.message" }, body: { id: "c1", content: "20" } });
      logger.emit({ ...base, attributes: { "event.name": "gen_ai.choice" }, body: { index: 0, finish_reason: "stop", message: { content: "Hello." } } });
      logger.emit({ ...base, attributes: { "event.name": "app.other" }, body: { content: "ignored" } });
    });
    expect(JSON.parse(span.attributes[GenAI.INPUT_MESSAGES] as string)).toEqual([
      { role: "system", parts: [{ type: "text", content: "Be brief." }] },
      { role: "user", parts: [{ type: "text", content: "Hi" }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "c1", response: "20" }] },
    ]);
    expect(JSON.parse(span.attributes[GenAI.OUTPUT_MESSAGES] as string)).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello." }], finish_reason: "stop" }]);
  });

  it("copies the newer inference details event; a span's own messages win", () => {
    const details = { role: "user", parts: [{ type: "text", content: "from event" }] };
    const span = inSpan({ [GenAI.OPERATION_NAME]: "chat", [GenAI.OUTPUT_MESSAGES]: "own" }, (ctx) => {
      logger.emit({ context: ctx, eventName: "gen_ai.client.inference.operation.details", attributes: { [GenAI.INPUT_MESSAGES]: [details], [GenAI.OUTPUT_MESSAGES]: "from event" } });
    });
    expect(JSON.parse(span.attributes[GenAI.INPUT_MESSAGES] as string)).toEqual([details]);
    expect(span.attributes[GenAI.OUTPUT_MESSAGES]).toBe("own");
  });
});

describe("gen_ai.conversation.id", () => {
  it("is the session id the app gave, on GenAI spans only; never a generated id", () => {
    session("conv-1", () => {
      tracer.startSpan("chat m", { attributes: { [GenAI.OPERATION_NAME]: "chat" } }).end();
      tracer.startSpan("GET /x").end();
    });
    session({ name: "no id" }, () => tracer.startSpan("chat m", { attributes: { [GenAI.OPERATION_NAME]: "chat" } }).end());
    const [chat, http, generated] = exporter.getFinishedSpans().slice(-3);
    expect(chat!.attributes[GenAI.CONVERSATION_ID]).toBe("conv-1");
    expect(http!.attributes[GenAI.CONVERSATION_ID]).toBeUndefined();
    expect(generated!.attributes["humanloop.session.id"]).toBeDefined();
    expect(generated!.attributes[GenAI.CONVERSATION_ID]).toBeUndefined();
  });
});
