/**
 * With content capture off, a streamed OpenAI call keeps no content while it
 * streams (a long answer would otherwise sit in memory until the stream
 * ends, for nothing): the accumulators keep ids, usage and finish reasons
 * only. Shown by asking such an accumulator for content at the end: it has
 * none of the text.
 */
import { describe, expect, it } from "vitest";
import { GenAI } from "../src/core/attributes.js";
import { chatEndpoint } from "../instrumentations/openai/chat.js";
import { completionsEndpoint } from "../instrumentations/openai/completions.js";
import { responsesEndpoint } from "../instrumentations/openai/responses.js";
import type { Endpoint } from "../instrumentations/openai/common.js";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";

const exporter = new InMemorySpanExporter();
const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer("accumulators-test");

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
const chatChunks = [
  { id: "c1", model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null }] },
  { id: "c1", model: "m", choices: [{ index: 0, delta: { content: "lo", tool_calls: [{ index: 0, id: "t1", function: { name: "f", arguments: "{}" } }] }, finish_reason: "stop" }] },
  { id: "c1", model: "m", choices: [], usage },
];
const completionChunks = [
  { id: "k1", model: "m", choices: [{ index: 0, text: "Hel", finish_reason: null }] },
  { id: "k1", model: "m", choices: [{ index: 0, text: "lo", finish_reason: "stop" }], usage },
];
const responseEvents = [
  { type: "response.created", response: { id: "r1", model: "m" } },
  { type: "response.output_text.delta", delta: "Hel" },
  { type: "response.output_text.delta", delta: "lo" },
];

/** Feeds `chunks` to an accumulator made with `captureWhileStreaming`, then writes it asking for content. */
function written(endpoint: Endpoint, chunks: unknown[], captureWhileStreaming: boolean) {
  exporter.reset();
  const acc = endpoint.accumulator(captureWhileStreaming);
  for (const c of chunks) acc.onChunk(c);
  const span = tracer.startSpan("x");
  acc.write(span, true);
  span.end();
  return exporter.getFinishedSpans()[0]!.attributes;
}

describe.each([
  ["chat", chatEndpoint, chatChunks],
  ["completions", completionsEndpoint, completionChunks],
  ["responses", responsesEndpoint, responseEvents],
] as const)("%s stream accumulator", (_name, endpoint, chunks) => {
  it("keeps the answer with capture on", () => {
    expect(String(written(endpoint, [...chunks], true)[GenAI.OUTPUT_MESSAGES])).toContain("Hello");
  });

  it("keeps no content with capture off, but still the response's identity", () => {
    const attrs = written(endpoint, [...chunks], false);
    expect(String(attrs[GenAI.OUTPUT_MESSAGES])).not.toContain("Hel");
    expect(attrs[GenAI.RESPONSE_ID]).toBeDefined();
  });
});

it("chat, capture off: finish reasons and usage are still recorded", () => {
  const attrs = written(chatEndpoint, chatChunks, false);
  expect(attrs[GenAI.RESPONSE_FINISH_REASONS]).toEqual(["stop"]);
  expect(attrs[GenAI.USAGE_INPUT_TOKENS]).toBe(3);
  expect(attrs[GenAI.USAGE_OUTPUT_TOKENS]).toBe(2);
});
