import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../src/core/attributes.js";
import { setContentPolicy } from "../src/core/content-policy.js";
import { spanContextOfResult } from "../src/core/log-ref-registry.js";
import { endPendingCalls } from "../instrumentations/shared/index.js";
import { allText, harness, SDKS, tick, type Harness } from "./openai-helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.server.close();
});
afterEach(() => {
  h.exporter.reset();
  setContentPolicy({ captureContent: true });
});

const json = (v: unknown) => JSON.parse(String(v)) as unknown;

describe.each(SDKS)("openai $major", ({ major, mod }) => {
  const client = () => new mod.OpenAI({ apiKey: "k", baseURL: h.server.url, maxRetries: 0 });

  it("chat.completions.create: one CLIENT span with request, response, usage and messages", async () => {
    h.server.reply({ kind: "answer", text: "Hi!", usage: { input: 20, output: 5, cached: 3, reasoning: 2 } });
    const res = await client().chat.completions.create({
      model: "gpt-4o-mini", temperature: 0.2, top_p: 0.9, max_tokens: 50, stop: ["\n"], presence_penalty: 0.1, frequency_penalty: 0.3, seed: 7,
      response_format: { type: "json_object" },
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "https://x.test/cat.png", detail: "low" } }] }],
      tools: [{ type: "function", function: { name: "lookup", description: "Find", parameters: { type: "object" } } }],
    });
    expect(res.choices[0]!.message.content).toBe("Hi!");
    const [span, ...rest] = h.spans();
    expect(rest).toHaveLength(0);
    expect(span!.name).toBe("chat gpt-4o-mini");
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(spanContextOfResult(res)?.spanId).toBe(span!.spanContext().spanId);
    const a = span!.attributes;
    expect(a).toMatchObject({
      [GenAI.PROVIDER_NAME]: "openai", [GenAI.OPERATION_NAME]: "chat", [GenAI.REQUEST_MODEL]: "gpt-4o-mini",
      [GenAI.REQUEST_TEMPERATURE]: 0.2, [GenAI.REQUEST_TOP_P]: 0.9, [GenAI.REQUEST_MAX_TOKENS]: 50, [GenAI.REQUEST_STOP_SEQUENCES]: ["\n"],
      [GenAI.REQUEST_PRESENCE_PENALTY]: 0.1, [GenAI.REQUEST_FREQUENCY_PENALTY]: 0.3, [GenAI.REQUEST_SEED]: 7, [GenAI.OUTPUT_TYPE]: "json",
      [GenAI.RESPONSE_ID]: "chatcmpl-1", [GenAI.RESPONSE_MODEL]: "gpt-4o-mini-2025-01-01", [GenAI.RESPONSE_FINISH_REASONS]: ["stop"],
      [GenAI.USAGE_INPUT_TOKENS]: 20, [GenAI.USAGE_OUTPUT_TOKENS]: 5, [GenAI.USAGE_CACHE_READ_INPUT_TOKENS]: 3, [GenAI.USAGE_REASONING_OUTPUT_TOKENS]: 2,
      "server.address": "127.0.0.1", [Humanloop.INSTRUMENTED]: true,
    });
    expect(a["server.port"]).toBeTypeOf("number");
    expect(json(a[GenAI.INPUT_MESSAGES])).toEqual([
      { role: "system", parts: [{ type: "text", content: "Be brief." }] },
      { role: "user", parts: [{ type: "text", content: "What is this?" }, { type: "uri", modality: "image", uri: "https://x.test/cat.png", detail: "low" }] },
    ]);
    expect(json(a[GenAI.OUTPUT_MESSAGES])).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hi!" }], finish_reason: "stop" }]);
    expect(json(a[GenAI.TOOL_DEFINITIONS])).toEqual([{ type: "function", name: "lookup", description: "Find", parameters: { type: "object" } }]);
  });

  it("tool calls and tool results, plain and streamed", async () => {
    const toolCalls = [{ id: "call_1", name: "lookup", arguments: '{"id":"A-17"}' }];
    const messages = [
      { role: "user" as const, content: "Where?" },
      { role: "assistant" as const, content: null, tool_calls: [{ id: "call_0", type: "function" as const, function: { name: "lookup", arguments: '{"id":"A-1"}' } }] },
      { role: "tool" as const, tool_call_id: "call_0", content: "shipped" },
    ];
    h.server.reply({ kind: "answer", toolCalls }, { kind: "answer", toolCalls });
    await client().chat.completions.create({ model: "m", messages });
    const stream = await client().chat.completions.create({ model: "m", messages, stream: true });
    for await (const _ of stream) void _;
    const [plain, streamed] = h.spans();
    for (const s of [plain!, streamed!]) {
      expect(s.attributes[GenAI.RESPONSE_FINISH_REASONS]).toEqual(["tool_calls"]);
      expect(json(s.attributes[GenAI.OUTPUT_MESSAGES])).toEqual([
        { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "lookup", arguments: { id: "A-17" } }], finish_reason: "tool_calls" },
      ]);
      const input = json(s.attributes[GenAI.INPUT_MESSAGES]) as unknown[];
      expect(input[1]).toEqual({ role: "assistant", parts: [{ type: "tool_call", id: "call_0", name: "lookup", arguments: { id: "A-1" } }] });
      expect(input[2]).toEqual({ role: "tool", parts: [{ type: "tool_call_response", id: "call_0", response: "shipped" }] });
    }
  });

  it("streamed chat: text, usage, finish reason and time to first chunk rebuilt from chunks", async () => {
    h.server.reply({ kind: "answer", text: "Hello streaming world", chunks: 6, usage: { input: 9, output: 4, cached: 1 } });
    const stream = await client().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
    expect(h.spans()).toHaveLength(0);
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
    expect(text).toBe("Hello streaming world");
    const [s] = h.spans();
    expect(spanContextOfResult(stream)?.spanId).toBe(s!.spanContext().spanId);
    expect(s!.attributes).toMatchObject({ [GenAI.REQUEST_STREAM]: true, [GenAI.USAGE_INPUT_TOKENS]: 9, [GenAI.USAGE_OUTPUT_TOKENS]: 4, [GenAI.USAGE_CACHE_READ_INPUT_TOKENS]: 1, [GenAI.RESPONSE_FINISH_REASONS]: ["stop"], [GenAI.RESPONSE_ID]: "chatcmpl-1" });
    expect(s!.attributes[GenAI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(json(s!.attributes[GenAI.OUTPUT_MESSAGES])).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello streaming world" }], finish_reason: "stop" }]);
    expect(s!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("stream left with break: the span ends once, the request is cancelled", async () => {
    h.server.reply({ kind: "answer", text: "a b c d e f g h", chunks: 8 });
    const stream = await client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    let n = 0;
    for await (const _ of stream) if (++n === 2) break;
    expect(stream.controller.signal.aborted).toBe(true);
    await tick();
    expect(h.spans()).toHaveLength(1);
    expect(h.spans()[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("stream aborted with its AbortController: ERROR span with error.type AbortError", async () => {
    h.server.reply({ kind: "stream-hang", afterChunks: 2 });
    const stream = await client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    let n = 0;
    for await (const _ of stream) if (++n === 2) stream.controller.abort();
    expect(h.spans()).toHaveLength(1);
    expect(h.spans()[0]!.attributes["error.type"]).toBe("AbortError");
  });

  it("stream failing mid-way: the caller gets the SDK's APIError; the span records it", async () => {
    h.server.reply({ kind: "stream-error", afterChunks: 2 });
    const stream = await client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    const err = await (async () => { for await (const _ of stream) void _; })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mod.APIError);
    const [s] = h.spans();
    expect(s!.status.code).toBe(SpanStatusCode.ERROR);
    expect(s!.attributes["error.type"]).toBe((err as Error).constructor.name);
    expect(s!.events.some((e) => e.name === "exception")).toBe(true);
  });

  it("stream never read: ended by endPendingCalls (shutdown)", async () => {
    h.server.reply({ kind: "answer" });
    const stream = await client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    await tick();
    expect(h.spans()).toHaveLength(0);
    expect(endPendingCalls()).toBeGreaterThanOrEqual(1);
    expect(h.spans()).toHaveLength(1);
    stream.controller.abort();
  });

  it("HTTP errors: the caller gets the SDK's own error class; span ERROR with error.type", async () => {
    h.server.reply({ kind: "error", status: 429, message: "slow down" });
    const err = await client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mod.RateLimitError);
    expect((err as { status: number }).status).toBe(429);
    const [s] = h.spans();
    expect(s!.status.code).toBe(SpanStatusCode.ERROR);
    expect(s!.attributes["error.type"]).toBe("RateLimitError");
    expect(s!.events[0]!.name).toBe("exception");
  });

  it("withResponse, asResponse (body left unread for the caller), tee, toReadableStream", async () => {
    const c = client();
    const { data, response } = await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello there");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    const raw = await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).asResponse();
    expect(((await raw.json()) as { id: string }).id).toBe("chatcmpl-1");
    const [left, right] = (await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true })).tee();
    let l = 0;
    let r = 0;
    for await (const _ of left) l++;
    for await (const _ of right) r++;
    expect(l).toBe(r);
    const readable = (await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true })).toReadableStream();
    const text = await new Response(readable).text();
    expect(text.split("\n").filter(Boolean).length).toBe(l);
    await tick();
    const spans = h.spans();
    expect(spans).toHaveLength(4);
    expect(json(spans[2]!.attributes[GenAI.OUTPUT_MESSAGES])).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello there" }], finish_reason: "stop" }]);
    expect(json(spans[3]!.attributes[GenAI.OUTPUT_MESSAGES])).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello there" }], finish_reason: "stop" }]);
  });

  it("records the messages as sent, even when the caller adds to them before the span ends", async () => {
    const messages: { role: "user" | "assistant"; content: string; name?: string }[] = [{ role: "user", content: "x", name: "ann" }];
    const stream = await client().chat.completions.create({ model: "m", messages, stream: true });
    messages.push({ role: "assistant", content: "changed" });
    for await (const _ of stream);
    const [span] = h.spans();
    expect(json(span!.attributes[GenAI.INPUT_MESSAGES])).toEqual([{ role: "user", parts: [{ type: "text", content: "x" }], name: "ann" }]);
  });

  it("the promise handed back is the SDK's: instanceof and constructor as without instrumentation", async () => {
    const p = client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    const { APIPromise } = await import(`${major === 7 ? "openai" : `openai${major}`}/core/api-promise`);
    expect(p).toBeInstanceOf(APIPromise);
    expect(p.constructor).toBe(APIPromise);
    await p;
    expect(h.spans()).toHaveLength(1);
  });

  it("chat.completions.stream() and parse() helpers: exactly one span each", async () => {
    const runner = client().chat.completions.stream({ model: "m", messages: [{ role: "user", content: "x" }] });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("Hello there");
    h.server.reply({ kind: "answer", text: '{"a":1}' });
    const parsed = await client().chat.completions.parse({ model: "m", messages: [{ role: "user", content: "x" }], response_format: { type: "json_object" } });
    expect(parsed.choices[0]!.message.content).toBe('{"a":1}');
    await tick();
    const spans = h.spans();
    expect(spans).toHaveLength(2);
    expect(json(spans[0]!.attributes[GenAI.OUTPUT_MESSAGES])).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello there" }], finish_reason: "stop" }]);
    expect(spanContextOfResult(parsed)?.spanId).toBe(spans[1]!.spanContext().spanId);
  });

  it("responses.create (plain and streamed), responses.stream() and parse()", async () => {
    const c = client();
    const r = await c.responses.create({ model: "gpt-5", instructions: "Be nice", input: "Hi", max_output_tokens: 30, temperature: 0.5 });
    expect(r.output_text).toBe("Hello there");
    const s = await c.responses.create({ model: "gpt-5", input: [{ role: "user", content: [{ type: "input_text", text: "Hi" }] }], stream: true });
    for await (const _ of s) void _;
    const helper = c.responses.stream({ model: "gpt-5", input: "Hi" });
    await helper.finalResponse();
    await c.responses.parse({ model: "gpt-5", input: "Hi" });
    await tick();
    const spans = h.spans();
    expect(spans).toHaveLength(4);
    for (const sp of spans) {
      expect(sp.name).toBe("chat gpt-5");
      expect(sp.attributes).toMatchObject({ [GenAI.RESPONSE_ID]: "resp_1", [GenAI.USAGE_INPUT_TOKENS]: 12, [GenAI.USAGE_OUTPUT_TOKENS]: 7, [GenAI.RESPONSE_FINISH_REASONS]: ["stop"] });
      expect(json(sp.attributes[GenAI.OUTPUT_MESSAGES])).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello there" }], finish_reason: "stop" }]);
    }
    expect(spans[0]!.attributes).toMatchObject({ [GenAI.REQUEST_MAX_TOKENS]: 30, [GenAI.REQUEST_TEMPERATURE]: 0.5 });
    expect(json(spans[0]!.attributes[GenAI.SYSTEM_INSTRUCTIONS])).toEqual([{ type: "text", content: "Be nice" }]);
    expect(json(spans[1]!.attributes[GenAI.INPUT_MESSAGES])).toEqual([{ role: "user", parts: [{ type: "text", content: "Hi" }] }]);
    expect(spans[1]!.attributes[GenAI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
  });

  it("completions.create (plain and streamed) and embeddings.create", async () => {
    const c = client();
    await c.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "Say hi", max_tokens: 5 });
    const s = await c.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "Say hi", stream: true });
    for await (const _ of s) void _;
    const e = await c.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "float" });
    expect(e.data).toHaveLength(2);
    const [plain, streamed, emb] = h.spans();
    for (const sp of [plain!, streamed!]) {
      expect(sp.name).toBe("text_completion gpt-3.5-turbo-instruct");
      expect(json(sp.attributes[GenAI.INPUT_MESSAGES])).toEqual([{ role: "user", parts: [{ type: "text", content: "Say hi" }] }]);
      expect(json(sp.attributes[GenAI.OUTPUT_MESSAGES])).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Hello there" }], finish_reason: "stop" }]);
    }
    expect(emb!.name).toBe("embeddings text-embedding-3-small");
    expect(emb!.attributes).toMatchObject({ [GenAI.USAGE_INPUT_TOKENS]: 4, [GenAI.EMBEDDINGS_DIMENSION_COUNT]: 4, [GenAI.REQUEST_ENCODING_FORMATS]: ["float"] });
  });

  it("content capture off: no content in any attribute or event", async () => {
    setContentPolicy({ captureContent: false });
    const c = client();
    h.server.reply({ kind: "answer", text: "SECRET-OUT" }, { kind: "answer", text: "SECRET-OUT" }, { kind: "answer", text: "SECRET-OUT" });
    await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "SECRET-IN" }], tools: [{ type: "function", function: { name: "SECRET-TOOL" } }] });
    const s = await c.chat.completions.create({ model: "m", messages: [{ role: "user", content: "SECRET-IN" }], stream: true });
    for await (const _ of s) void _;
    await c.responses.create({ model: "m", instructions: "SECRET-IN", input: "SECRET-IN" });
    const spans = h.spans();
    expect(spans).toHaveLength(3);
    expect(allText(spans)).not.toMatch(/SECRET/);
    expect(spans[0]!.attributes[GenAI.USAGE_INPUT_TOKENS]).toBe(12);
  });

  it("unexpected body shapes pass through untouched", async () => {
    h.server.reply({ kind: "raw", body: JSON.stringify({ weird: true, choices: "nope" }) });
    const res = (await client().chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })) as unknown;
    expect(res).toMatchObject({ weird: true, choices: "nope" });
    expect(h.spans()).toHaveLength(1);
  });

  it("Azure client: provider azure.ai.openai", async () => {
    const azure = new mod.AzureOpenAI({ apiKey: "k", endpoint: h.server.origin, apiVersion: "2024-10-21", deployment: "dep", maxRetries: 0 });
    await azure.chat.completions.create({ model: "dep", messages: [{ role: "user", content: "x" }] });
    expect(h.spans()[0]!.attributes[GenAI.PROVIDER_NAME]).toBe("azure.ai.openai");
    expect(h.server.requests.at(-1)!.path).toBe("/openai/deployments/dep/chat/completions");
  });
});
