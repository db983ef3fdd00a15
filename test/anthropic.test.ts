/**
 * The real Anthropic client (1.x through the require hook, 1.x ESM and 0.x
 * through manuallyInstrument) against the local wire-format server: one span
 * per call with the GenAI attributes, for every Messages method.
 */
import { createRequire } from "node:module";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type Anthropic from "@anthropic-ai/sdk";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { setContentPolicy } from "../src/core/content-policy.js";
import { spanContextOfResult } from "../src/core/log-ref-registry.js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { json, MODEL, onlySpan, startHarness, type Harness } from "./anthropic-fixture.js";

const require = createRequire(import.meta.url);
let h: Harness;
const instrumentation = new AnthropicInstrumentation({ enabled: false });

type AnthropicClass = typeof Anthropic;
const variants: Array<[string, () => Promise<AnthropicClass>]> = [
  ["1.x via the require hook", async () => (require("@anthropic-ai/sdk") as { default: AnthropicClass }).default],
  [
    "1.x ESM via manuallyInstrument(namespace)",
    async () => {
      const ns = await import("@anthropic-ai/sdk");
      instrumentation.manuallyInstrument(ns);
      return ns.default;
    },
  ],
  [
    "0.x via manuallyInstrument(default export)",
    async () => {
      const mod = require("anthropic0") as { default: AnthropicClass };
      instrumentation.manuallyInstrument(mod.default);
      return mod.default;
    },
  ],
];

beforeAll(async () => {
  h = await startHarness();
  instrumentation.setTracerProvider(h.provider);
  instrumentation.enable();
});
afterAll(async () => {
  instrumentation.disable();
  await h.server.close();
});
afterEach(() => {
  h.exporter.reset();
  setContentPolicy({ captureContent: true });
});

const thinkingReply = {
  kind: "message" as const,
  content: [
    { type: "thinking", thinking: "Let me think about the weather.", signature: "sig-abc" },
    { type: "redacted_thinking", data: "ENCRYPTED" },
    { type: "text", text: "Checking the weather." },
    { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris", units: ["c", "f"], nested: { a: 1 } } },
  ],
  stop_reason: "tool_use",
  usage: { input_tokens: 100, output_tokens: 40, cache_creation_input_tokens: 20, cache_read_input_tokens: 300 },
};

const toolParams = {
  model: MODEL,
  max_tokens: 2048,
  temperature: 0.5,
  top_p: 0.9,
  top_k: 40,
  stop_sequences: ["END"],
  thinking: { type: "enabled" as const, budget_tokens: 1024 },
  system: [{ type: "text" as const, text: "You are a weather bot.", cache_control: { type: "ephemeral" as const } }],
  tools: [{ name: "get_weather", description: "Weather for a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } }],
  messages: [
    { role: "user" as const, content: "Weather in Paris?" },
    { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "toolu_00", name: "get_weather", input: { city: "Lyon" } }] },
    { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: "toolu_00", content: "12C" }] },
  ],
};

/** The attributes every call of `toolParams` answered with `thinkingReply` must carry, streamed or not. */
function expectToolCallSpan(attrs: Record<string, unknown>, stream: boolean): void {
  expect(attrs["gen_ai.provider.name"]).toBe("anthropic");
  expect(attrs["gen_ai.operation.name"]).toBe("chat");
  expect(attrs["humanloop.instrumented"]).toBe(true);
  expect(attrs["gen_ai.request.model"]).toBe(MODEL);
  expect(attrs["gen_ai.request.max_tokens"]).toBe(2048);
  expect(attrs["gen_ai.request.temperature"]).toBe(0.5);
  expect(attrs["gen_ai.request.top_p"]).toBe(0.9);
  expect(attrs["gen_ai.request.top_k"]).toBe(40);
  expect(attrs["gen_ai.request.stop_sequences"]).toEqual(["END"]);
  expect(attrs["gen_ai.request.stream"]).toBe(stream);
  expect(json(attrs["humanloop.config.other"] as string)).toMatchObject({ thinking: { type: "enabled", budget_tokens: 1024 } });
  expect(attrs["server.address"]).toBe("127.0.0.1");
  expect(typeof attrs["server.port"]).toBe("number");
  expect(json(attrs["gen_ai.system_instructions"] as string)).toEqual([{ type: "text", content: "You are a weather bot." }]);
  expect(json(attrs["gen_ai.input.messages"] as string)).toEqual([
    { role: "user", parts: [{ type: "text", content: "Weather in Paris?" }] },
    { role: "assistant", parts: [{ type: "tool_call", id: "toolu_00", name: "get_weather", arguments: { city: "Lyon" } }] },
    { role: "user", parts: [{ type: "tool_call_response", id: "toolu_00", response: "12C" }] },
  ]);
  expect(json(attrs["gen_ai.tool.definitions"] as string)).toEqual([
    { type: "function", name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } },
  ]);
  expect(json(attrs["gen_ai.output.messages"] as string)).toEqual([
    {
      role: "assistant",
      finish_reason: "tool_use",
      parts: [
        { type: "reasoning", content: "Let me think about the weather.", signature: "sig-abc" },
        { type: "reasoning", content: "ENCRYPTED", redacted: true },
        { type: "text", content: "Checking the weather." },
        { type: "tool_call", id: "toolu_01", name: "get_weather", arguments: { city: "Paris", units: ["c", "f"], nested: { a: 1 } } },
      ],
    },
  ]);
  expect(attrs["gen_ai.response.finish_reasons"]).toEqual(["tool_use"]);
  expect(attrs["gen_ai.response.model"]).toBe(MODEL);
  expect(String(attrs["gen_ai.response.id"])).toMatch(/^msg_test_/);
  expect(attrs["gen_ai.usage.input_tokens"]).toBe(420);
  expect(attrs["gen_ai.usage.output_tokens"]).toBe(40);
  expect(attrs["gen_ai.usage.cache_creation.input_tokens"]).toBe(20);
  expect(attrs["gen_ai.usage.cache_read.input_tokens"]).toBe(300);
}

describe.each(variants)("Anthropic SDK %s", (_name, load) => {
  let client: Anthropic;
  beforeAll(async () => {
    const AnthropicClient = await load();
    client = new AnthropicClient({ apiKey: "test-key", baseURL: h.server.url, maxRetries: 0 });
  });

  it("traces messages.create with a string system prompt as one CLIENT span", async () => {
    h.server.reply({ kind: "message", content: [{ type: "text", text: "Bonjour!" }] });
    const message = await client.messages.create({ model: MODEL, max_tokens: 64, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] });
    expect(message.content).toEqual([{ type: "text", text: "Bonjour!" }]);
    const span = onlySpan(h.exporter);
    expect(span.name).toBe(`chat ${MODEL}`);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(json(span.attributes["gen_ai.system_instructions"])).toEqual([{ type: "text", content: "Be brief." }]);
    expect(json(span.attributes["gen_ai.output.messages"])).toEqual([{ role: "assistant", finish_reason: "end_turn", parts: [{ type: "text", content: "Bonjour!" }] }]);
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(10);
    expect(span.attributes["humanloop.config.other"]).toBeUndefined();
    expect(spanContextOfResult(message)?.spanId).toBe(span.spanContext().spanId);
  });

  it("records params, system blocks, tools, tool results, thinking, tool_use and cache tokens (plain)", async () => {
    h.server.reply(thinkingReply);
    await client.messages.create(toolParams);
    expectToolCallSpan(onlySpan(h.exporter).attributes, false);
  });

  it("rebuilds the same message from the event stream (stream: true), with time to first chunk", async () => {
    h.server.reply(thinkingReply);
    const stream = await client.messages.create({ ...toolParams, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe("message_start");
    expect(types).toContain("content_block_delta");
    expect(types.at(-1)).toBe("message_stop");
    const span = onlySpan(h.exporter);
    expectToolCallSpan(span.attributes, true);
    expect(span.attributes["gen_ai.response.time_to_first_chunk"]).toBeGreaterThan(0);
    expect(spanContextOfResult(stream)?.spanId).toBe(span.spanContext().spanId);
  });

  it("traces messages.stream() once: finalMessage, text and message events, and the log reference", async () => {
    h.server.reply(thinkingReply);
    const ms = client.messages.stream(toolParams);
    const texts: string[] = [];
    let fromEvent: unknown;
    ms.on("text", (t) => texts.push(t));
    ms.on("message", (m) => (fromEvent = m));
    const final = await ms.finalMessage();
    expect(texts.join("")).toBe("Checking the weather.");
    expect(fromEvent).toBe(final);
    expect(final.content[3]).toMatchObject({ type: "tool_use", input: { city: "Paris" } });
    const span = onlySpan(h.exporter);
    expectToolCallSpan(span.attributes, true);
    expect(spanContextOfResult(ms)?.spanId).toBe(span.spanContext().spanId);
  });

  it("traces messages.stream().finalText()", async () => {
    h.server.reply({ kind: "message", content: [{ type: "text", text: "A longer answer, streamed in pieces." }] });
    const text = await client.messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }).finalText();
    expect(text).toBe("A longer answer, streamed in pieces.");
    const span = onlySpan(h.exporter);
    expect(json(span.attributes["gen_ai.output.messages"])).toEqual([
      { role: "assistant", finish_reason: "end_turn", parts: [{ type: "text", content: "A longer answer, streamed in pieces." }] },
    ]);
  });

  it("traces beta.messages.create and beta.messages.stream()", async () => {
    h.server.reply(thinkingReply, thinkingReply);
    await client.beta.messages.create(toolParams);
    expectToolCallSpan(onlySpan(h.exporter).attributes, false);
    h.exporter.reset();
    const final = await client.beta.messages.stream(toolParams).finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expectToolCallSpan(onlySpan(h.exporter).attributes, true);
    expect(h.server.requests.at(-1)?.path).toBe("/v1/messages");
  });

  it("keeps withResponse() and asResponse() working", async () => {
    h.server.reply({ kind: "message", content: [{ type: "text", text: "one" }] }, { kind: "message", content: [{ type: "text", text: "two" }] });
    const { data, response, request_id } = await client.messages
      .create({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(data.content).toEqual([{ type: "text", text: "one" }]);
    expect(response.status).toBe(200);
    expect(request_id).toMatch(/^req_/);
    expect(spanContextOfResult(data)).toBeDefined();
    expect(onlySpan(h.exporter).attributes["gen_ai.response.id"]).toBe(data.id);
    h.exporter.reset();
    const raw = await client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "Hi" }] }).asResponse();
    const body = (await raw.json()) as { content: unknown };
    expect(body.content).toEqual([{ type: "text", text: "two" }]);
    expect(onlySpan(h.exporter).status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it("fails the span on an HTTP error and hands the caller the SDK's own error", async () => {
    h.server.reply({ kind: "error", status: 429, type: "rate_limit_error", message: "Slow down." });
    const error = await client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    const AnthropicClient = client.constructor as AnthropicClass;
    expect(error).toBeInstanceOf(AnthropicClient.RateLimitError);
    expect((error as InstanceType<AnthropicClass["APIError"]>).status).toBe(429);
    expect((error as Error).message).toContain("Slow down.");
    expect((error as InstanceType<AnthropicClass["APIError"]>).requestID).toMatch(/^req_/);
    const span = onlySpan(h.exporter);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("RateLimitError");
    expect(span.events.find((e) => e.name === "exception")?.attributes?.["exception.message"]).toBe((error as Error).message);
  });

  it("fails the span on an error event mid-stream; the caller gets the SDK's error", async () => {
    h.server.reply({
      kind: "events",
      events: [
        { event: "message_start", data: { type: "message_start", message: { id: "msg_x", type: "message", role: "assistant", model: MODEL, content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } } },
        { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hal" } } },
        { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      ],
    });
    const stream = await client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "Hi" }], stream: true });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["message_start", "content_block_start", "content_block_delta"]);
    const AnthropicClient = client.constructor as AnthropicClass;
    expect(error).toBeInstanceOf(AnthropicClient.APIError);
    expect((error as Error).message).toContain("Overloaded");
    const span = onlySpan(h.exporter);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBeDefined();
    expect(span.attributes["gen_ai.response.id"]).toBeUndefined();
  });

  it("fails the span of messages.stream() on an HTTP error; finalMessage rejects with the SDK's error", async () => {
    h.server.reply({ kind: "error", status: 400, type: "invalid_request_error", message: "max_tokens: too large" });
    const ms = client.messages.stream({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "Hi" }] });
    ms.on("error", () => undefined);
    const error = await ms.finalMessage().catch((e: unknown) => e);
    const AnthropicClient = client.constructor as AnthropicClass;
    expect(error).toBeInstanceOf(AnthropicClient.BadRequestError);
    const span = onlySpan(h.exporter);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("BadRequestError");
  });

  it("captures no content at all when capture is off", async () => {
    setContentPolicy({ captureContent: false });
    h.server.reply(thinkingReply, thinkingReply);
    await client.messages.create(toolParams);
    const plain = onlySpan(h.exporter);
    h.exporter.reset();
    await client.messages.stream(toolParams).finalMessage();
    const streamed = onlySpan(h.exporter);
    for (const span of [plain, streamed]) {
      const text = JSON.stringify(span.attributes) + JSON.stringify(span.events);
      for (const secret of ["Paris", "Lyon", "weather", "12C", "ENCRYPTED", "sig-abc", "Checking"]) expect(text).not.toContain(secret);
      for (const key of ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions"]) {
        expect(span.attributes[key]).toBeUndefined();
      }
      expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(420);
      expect(span.attributes["gen_ai.response.finish_reasons"]).toEqual(["tool_use"]);
    }
  });

  it("masks and truncates content by the content policy", async () => {
    setContentPolicy({ mask: (text) => text.replaceAll("Paris", "[city]"), maxContentLength: 200 });
    try {
      h.server.reply({ kind: "message", content: [{ type: "text", text: "Paris ".repeat(100) }] });
      await client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: "user", content: "Paris?" }] });
      const attrs = onlySpan(h.exporter).attributes;
      expect(String(attrs["gen_ai.input.messages"])).toContain("[city]");
      expect(String(attrs["gen_ai.output.messages"])).not.toContain("Paris");
      expect(String(attrs["gen_ai.output.messages"]).length).toBeLessThanOrEqual(200);
      expect(String(attrs["gen_ai.output.messages"])).toContain("truncated");
      expect(attrs["humanloop.truncated"]).toEqual(["gen_ai.output.messages"]);
    } finally {
      setContentPolicy({ mask: undefined, maxContentLength: 64 * 1024 });
    }
  });
});
