import { describe, expect, it } from "vitest";
import { SpanStatusCode, type Attributes } from "@opentelemetry/api";
import { isLoggedSpan, logKindOf, mapProvider, resolveExporterOptions, toLogCompletion, toLogRequest } from "../exporters/humanloop/index.js";
import { GenAI, Humanloop } from "../src/core/attributes.js";
import { mappableSpan as span, TRACE } from "./mapping-helpers.js";

describe("span filter", () => {
  it("logs our spans, traced spans, GenAI and Vercel AI SDK calls, and nothing else", () => {
    expect(logKindOf("chat", { [Humanloop.INSTRUMENTED]: true })).toBe("model");
    expect(logKindOf("f", { [Humanloop.KIND]: "agent" })).toBe("tool");
    expect(logKindOf("x", { [GenAI.OPERATION_NAME]: "chat" })).toBe("model");
    expect(logKindOf("x", { [GenAI.OPERATION_NAME]: "execute_tool" })).toBe("tool");
    expect(logKindOf("x", { [GenAI.SYSTEM]: "openai" })).toBe("model");
    expect(logKindOf("ai.generateText.doGenerate", {})).toBe("model");
    expect(logKindOf("ai.streamText.doStream", {})).toBe("model");
    // The AI SDK's operation spans are the parent log of their model calls and tool executions (issue 11).
    expect(logKindOf("ai.generateText", { "ai.model.id": "gpt-4o" })).toBe("tool");
    expect(logKindOf("x", { "ai.operationId": "ai.streamObject" })).toBe("tool");
    expect(logKindOf("ai.toolCall", { "ai.operationId": "ai.toolCall" })).toBe("tool");
    expect(isLoggedSpan("ai.embed", { "ai.operationId": "ai.embed" })).toBe(false);
    expect(logKindOf("x", { "openinference.span.kind": "LLM" })).toBe("model");
    expect(logKindOf("x", { "openinference.span.kind": "EMBEDDING" })).toBe("model");
    expect(logKindOf("x", { "openinference.span.kind": "CHAIN" })).toBe("tool");
    expect(logKindOf("x", { "openinference.span.kind": "RETRIEVER" })).toBe("tool");
    expect(isLoggedSpan("GET /users", { "http.request.method": "GET" })).toBe(false);
    expect(isLoggedSpan("SELECT", { "db.system": "postgresql" })).toBe(false);
  });
});

describe("model logs", () => {
  const attrs: Attributes = {
    [GenAI.PROVIDER_NAME]: "anthropic",
    [GenAI.OPERATION_NAME]: "chat",
    [GenAI.REQUEST_MODEL]: "claude-sonnet-4",
    [GenAI.REQUEST_MAX_TOKENS]: 256,
    [GenAI.REQUEST_TEMPERATURE]: 0.2,
    [GenAI.REQUEST_STOP_SEQUENCES]: ["END"],
    [GenAI.REQUEST_TOP_K]: 5,
    [GenAI.SYSTEM_INSTRUCTIONS]: JSON.stringify([{ type: "text", content: "Be brief." }]),
    [GenAI.INPUT_MESSAGES]: JSON.stringify([
      { role: "user", parts: [{ type: "text", content: "What is this?" }, { type: "uri", modality: "image", uri: "https://x/y.png" }] },
      { role: "assistant", parts: [{ type: "tool_call", id: "t1", name: "lookup", arguments: { q: "y" } }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "t1", response: { found: true } }] },
    ]),
    [GenAI.OUTPUT_MESSAGES]: JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "A cat." }], finish_reason: "end_turn" }]),
    [GenAI.TOOL_DEFINITIONS]: JSON.stringify([{ type: "function", name: "lookup", description: "d", parameters: { type: "object" } }]),
    [GenAI.USAGE_INPUT_TOKENS]: 10,
    [GenAI.USAGE_OUTPUT_TOKENS]: 3,
    [GenAI.USAGE_CACHE_READ_INPUT_TOKENS]: 4,
    [GenAI.RESPONSE_ID]: "msg_1",
    [GenAI.RESPONSE_FINISH_REASONS]: ["end_turn"],
    [Humanloop.CONFIG_OTHER]: JSON.stringify({ thinking_budget: 1024 }),
    [Humanloop.METADATA]: JSON.stringify({ team: "a" }),
    [Humanloop.SESSION_METADATA]: JSON.stringify({ channel: "web" }),
    [Humanloop.USER_ID]: "u1",
    [Humanloop.FEEDBACK]: JSON.stringify([{ type: "rating", value: "good", extra: 1 }]),
    [Humanloop.SOURCE]: "ci",
  };

  it("maps config, messages, output, tokens, timing and metadata to the strict v4 shapes", () => {
    const log = toLogRequest(span("chat claude", attrs), "model", { parentReferenceId: "p" }, { project: "proj", environment: "prod" });
    expect(log).toEqual({
      project: "proj",
      reference_id: `${TRACE}-b7ad6b7169203331`,
      parent_reference_id: "p",
      session_reference_id: TRACE,
      config: {
        type: "model",
        model: "claude-sonnet-4",
        provider: "anthropic",
        endpoint: "chat",
        max_tokens: 256,
        temperature: 0.2,
        stop: ["END"],
        tools: [{ name: "lookup", description: "d", parameters: { type: "object" } }],
        other: { top_k: 5, thinking_budget: 1024 },
      },
      created_at: "2023-11-14T22:13:20.500Z",
      source: "ci",
      environment: "prod",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
        { role: "assistant", tool_calls: [{ id: "t1", type: "function", function: { name: "lookup", arguments: '{"q":"y"}' } }] },
        { role: "tool", content: '{"found":true}', tool_call_id: "t1" },
      ],
      prompt_tokens: 10,
      output_tokens: 3,
      metadata: { channel: "web", user_id: "u1", finish_reasons: ["end_turn"], response_id: "msg_1", cache_read_input_tokens: 4, team: "a" },
      feedback: [{ type: "rating", value: "good" }],
      output_message: { role: "assistant", content: "A cat." },
      output: "A cat.",
      duration: 0.5,
    });
  });

  it("maps an error from the status and exception event", () => {
    const failed = span("chat", attrs, {
      status: { code: SpanStatusCode.ERROR, message: "overloaded" },
      events: [{ name: "exception", attributes: { "exception.type": "APIError" }, time: [0, 0], droppedAttributesCount: 0 }],
    });
    expect(toLogCompletion(failed, "model").error).toBe("APIError: overloaded");
  });

  it("maps providers to Humanloop's enum", () => {
    expect(mapProvider("azure.ai.openai", "gpt-4o")).toEqual({ provider: "openai_azure" });
    expect(mapProvider("openai.chat", "gpt-4o")).toEqual({ provider: "openai" });
    expect(mapProvider("aws.bedrock", "anthropic.claude-3-haiku")).toEqual({ provider: "anthropic", platform: "aws.bedrock" });
    expect(mapProvider("gcp.vertex_ai", "gemini-2.0-flash")).toEqual({ provider: "google", platform: "gcp.vertex_ai" });
    expect(mapProvider("mistral_ai", "mistral-large")).toEqual({ unmapped: "mistral_ai" });
  });

  it("reads the legacy flattened prompt attributes", () => {
    const log = toLogRequest(
      span("openai.chat", {
        [GenAI.SYSTEM]: "openai",
        [GenAI.REQUEST_MODEL]: "gpt-4o",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "hi",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.tool_calls.0.name": "f",
        "gen_ai.completion.0.tool_calls.0.id": "c1",
        "gen_ai.completion.0.tool_calls.0.arguments": '{"a":1}',
        [GenAI.USAGE_PROMPT_TOKENS]: 5,
      }),
      "model",
      {},
      {},
    );
    expect(log.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(log.output_message).toEqual({ role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] });
    expect(log.output).toBe('[{"name":"f","arguments":"{\\"a\\":1}"}]');
    expect(log.prompt_tokens).toBe(5);
    expect(log.project).toBe("default");
  });

  it("reads the Vercel AI SDK's prompt and response attributes", () => {
    const log = toLogRequest(
      span("ai.generateText.doGenerate", {
        "ai.model.provider": "openai.chat",
        "ai.model.id": "gpt-4o-mini",
        "ai.prompt.messages": JSON.stringify([
          { role: "system", content: "sys" },
          { role: "user", content: [{ type: "text", text: "hello" }] },
          { role: "tool", content: [{ type: "tool-result", toolCallId: "x", toolName: "f", output: { ok: 1 } }] },
        ]),
        "ai.response.text": "hey",
        "ai.usage.promptTokens": 7,
        "ai.usage.completionTokens": 1,
      }),
      "model",
      {},
      {},
    );
    expect(log.config).toMatchObject({ model: "gpt-4o-mini", provider: "openai" });
    expect(log.messages).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "hello" },
      { role: "tool", content: '{"ok":1}', tool_call_id: "x" },
    ]);
    expect(log).toMatchObject({ output: "hey", prompt_tokens: 7, output_tokens: 1 });
  });

  it("maps an embeddings call to a model log without endpoint or messages", () => {
    const log = toLogRequest(
      span("embeddings", { [GenAI.PROVIDER_NAME]: "openai", [GenAI.OPERATION_NAME]: "embeddings", [GenAI.REQUEST_MODEL]: "text-embedding-3-small", [GenAI.EMBEDDINGS_DIMENSION_COUNT]: 1536 }),
      "model",
      {},
      {},
    );
    expect(log.config).toEqual({ type: "model", model: "text-embedding-3-small", provider: "openai", other: { operation: "embeddings" } });
    expect(log.metadata).toEqual({ embedding_dimensions: 1536 });
    expect(log.output).toBeUndefined();
  });
});

describe("tool logs and early logs", () => {
  it("maps a traced span; an early log carries neither output nor duration", () => {
    const s = span("lookup", { [Humanloop.KIND]: "tool", [Humanloop.INPUTS]: JSON.stringify({ id: "A-17" }), [Humanloop.OUTPUT]: "ok", [Humanloop.SESSION_ID]: "s1", [Humanloop.PROJECT]: "p2" });
    const early = toLogRequest(s, "tool", {}, { project: "p" }, false);
    expect(early).toEqual({
      project: "p2",
      reference_id: `${TRACE}-b7ad6b7169203331`,
      session_reference_id: "s1",
      config: { type: "tool", name: "lookup", other: { kind: "tool" } },
      created_at: "2023-11-14T22:13:20.500Z",
      inputs: { id: "A-17" },
    });
    expect(toLogCompletion(s, "tool")).toEqual({ output: "ok", duration: 0.5 });
  });
});

describe("options", () => {
  it("resolves env and defaults, and refuses invalid or unknown options with a fix", () => {
    const o = resolveExporterOptions({}, { HUMANLOOP_API_KEY: "k", HUMANLOOP_BASE_URL: "http://h/v4/", HUMANLOOP_PROJECT: "p" });
    expect(o).toMatchObject({ apiKey: "k", baseUrl: "http://h/v4", project: "p", maxBatchSize: 100, parentWaitMillis: 30_000 });
    expect(resolveExporterOptions({ apiKey: "own" }, { HUMANLOOP_API_KEY: "env" }).apiKey).toBe("own");
    expect(() => resolveExporterOptions({ maxBatchSize: 0 }, {})).toThrow(/maxBatchSize.*>= 1/);
    expect(() => resolveExporterOptions({ batchSize: 3 } as never, {})).toThrow(/unknown option "batchSize"/);
    expect(() => resolveExporterOptions({ baseUrl: "ftp://x" }, {})).toThrow(/HUMANLOOP_BASE_URL/);
  });
});
