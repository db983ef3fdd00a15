/**
 * The pure parts of the Anthropic instrumentation: content blocks -> GenAI
 * parts, request params -> attributes, the stream event accumulator.
 */
import { describe, expect, it } from "vitest";
import { blockToPart, inputMessages, systemParts, toolDefinitions } from "../instrumentations/anthropic/content-parts.js";
import { requestContentAttributes, requestParamAttributes } from "../instrumentations/anthropic/request-attributes.js";
import { usageAttributes } from "../instrumentations/anthropic/response-attributes.js";
import { MessageAccumulator } from "../instrumentations/anthropic/stream-accumulator.js";
import { providerNameOf, clientAttributes } from "../instrumentations/anthropic/client-attributes.js";

describe("content parts", () => {
  it("maps media, documents, tool results with blocks, server tools and unknown blocks", () => {
    expect(blockToPart({ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } })).toEqual({ type: "blob", modality: "image", mime_type: "image/png", content: "iVBOR" });
    expect(blockToPart({ type: "image", source: { type: "url", url: "https://x/y.png" } })).toEqual({ type: "uri", modality: "image", uri: "https://x/y.png" });
    expect(blockToPart({ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBER" } })).toEqual({ type: "blob", modality: "file", mime_type: "application/pdf", content: "JVBER" });
    expect(blockToPart({ type: "document", source: { type: "text", media_type: "text/plain", data: "plain doc" } })).toEqual({ type: "text", content: "plain doc" });
    expect(blockToPart({ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] })).toEqual({ type: "tool_call_response", id: "t1", response: "ab" });
    expect(blockToPart({ type: "tool_result", tool_use_id: "t2", content: [{ type: "image", source: { type: "url", url: "u" } }] })).toEqual({
      type: "tool_call_response",
      id: "t2",
      response: [{ type: "uri", modality: "image", uri: "u" }],
    });
    expect(blockToPart({ type: "server_tool_use", id: "s1", name: "web_search", input: { query: "q" } })).toEqual({ type: "tool_call", id: "s1", name: "web_search", arguments: { query: "q" } });
    expect(blockToPart({ type: "web_search_tool_result", tool_use_id: "s1", content: [{ url: "u" }] })).toEqual({ type: "tool_call_response", id: "s1", response: [{ url: "u" }] });
    expect(blockToPart({ type: "brand_new_block", x: 1 })).toEqual({ type: "brand_new_block" });
    expect(blockToPart(null)).toEqual({ type: "unknown" });
  });

  it("maps messages, the system prompt and tools", () => {
    expect(inputMessages([{ role: "user", content: "hi" }, { role: "assistant", content: [{ type: "text", text: "yo" }] }])).toEqual([
      { role: "user", parts: [{ type: "text", content: "hi" }] },
      { role: "assistant", parts: [{ type: "text", content: "yo" }] },
    ]);
    expect(systemParts("")).toBeUndefined();
    expect(systemParts(undefined)).toBeUndefined();
    expect(systemParts([{ type: "text", text: "a" }, { type: "text", text: "b" }])).toEqual([{ type: "text", content: "a" }, { type: "text", content: "b" }]);
    expect(toolDefinitions([{ name: "f", input_schema: { type: "object" } }, { type: "web_search_20250305", name: "web_search" }])).toEqual([
      { type: "function", name: "f", parameters: { type: "object" } },
      { type: "web_search_20250305", name: "web_search" },
    ]);
    expect(toolDefinitions([])).toBeUndefined();
  });
});

describe("request attributes", () => {
  it("records only the parameters given, and the thinking config in config.other", () => {
    const attrs = requestParamAttributes({ model: "m", max_tokens: 10, messages: [], thinking: { type: "enabled", budget_tokens: 2048 }, tool_choice: { type: "auto" } });
    expect(attrs).toEqual({
      "gen_ai.request.model": "m",
      "gen_ai.request.max_tokens": 10,
      "gen_ai.request.stream": false,
      "humanloop.config.other": JSON.stringify({ thinking: { type: "enabled", budget_tokens: 2048 }, tool_choice: { type: "auto" } }),
    });
  });

  it("captures no content when capture is off", () => {
    const params = { model: "m", system: "secret", messages: [{ role: "user", content: "secret" }], tools: [{ name: "secret" }] };
    expect(requestContentAttributes(params, { captureContent: false, maxContentLength: 1000 })).toEqual({});
    expect(Object.keys(requestContentAttributes(params, { captureContent: true, maxContentLength: 1000 })).sort()).toEqual([
      "gen_ai.input.messages",
      "gen_ai.system_instructions",
      "gen_ai.tool.definitions",
    ]);
  });

  it("counts every input token, cache reads and writes included", () => {
    expect(usageAttributes({ input_tokens: 5, output_tokens: 2, cache_creation_input_tokens: 10, cache_read_input_tokens: null })).toEqual({
      "gen_ai.usage.input_tokens": 15,
      "gen_ai.usage.output_tokens": 2,
      "gen_ai.usage.cache_creation.input_tokens": 10,
    });
  });
});

describe("stream accumulator", () => {
  const start = { type: "message_start", message: { id: "msg_1", model: "m", usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 3 } } };

  it("rebuilds tool input from input_json_delta, keeps partial JSON of a cut stream, and merges message_delta usage", () => {
    const acc = new MessageAccumulator(true);
    for (const e of [
      start,
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"a":' } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "[1,2]}" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "u", name: "g", input: {} } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"b": tr' } },
      { type: "message_delta", delta: { stop_reason: "max_tokens" }, usage: { output_tokens: 9, input_tokens: null } },
    ]) acc.add(e);
    expect(acc.message()).toEqual({
      id: "msg_1",
      model: "m",
      stop_reason: "max_tokens",
      usage: { input_tokens: 7, output_tokens: 9, cache_read_input_tokens: 3 },
      content: [
        { type: "tool_use", id: "t", name: "f", input: { a: [1, 2] } },
        { type: "tool_use", id: "u", name: "g", input: '{"b": tr' },
      ],
    });
  });

  it("keeps no content when capture is off, and ignores unknown events", () => {
    const acc = new MessageAccumulator(false);
    acc.add(start);
    acc.add({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    acc.add({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "secret" } });
    acc.add({ type: "who_knows" });
    acc.add("not an object");
    expect(acc.message()).toEqual({ id: "msg_1", model: "m", stop_reason: undefined, usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 3 } });
  });
});

describe("client attributes", () => {
  it("names the provider from the SDK's field or the client class, and parses the base URL", () => {
    expect(providerNameOf({ _genAIProviderName: "aws.bedrock" })).toBe("aws.bedrock");
    class AnthropicVertex {}
    expect(providerNameOf(new AnthropicVertex() as never)).toBe("gcp.vertex_ai");
    expect(providerNameOf(undefined)).toBe("anthropic");
    expect(clientAttributes({ baseURL: "https://api.anthropic.com" })).toEqual({ "gen_ai.provider.name": "anthropic", "server.address": "api.anthropic.com", "server.port": 443 });
  });
});

describe("request content with a big inline image", () => {
  it("keeps the messages as parseable JSON, leaving the inline bytes out, when they would be cut", () => {
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "A".repeat(100_000) } };
    const doc = { type: "document", source: { type: "base64", media_type: "application/pdf", data: "B".repeat(50) } };
    const params = {
      model: "claude-sonnet-4",
      messages: [
        { role: "user", content: [image, { type: "text", text: "What is in this picture?" }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [doc] }] },
      ],
    };
    const attrs = requestContentAttributes(params, { captureContent: true, maxContentLength: 64 * 1024 });
    const messages = JSON.parse(attrs["gen_ai.input.messages"] as string) as unknown;
    expect(messages).toEqual([
      { role: "user", parts: [{ type: "blob", modality: "image", mime_type: "image/png", content: "[100000 chars omitted]" }, { type: "text", content: "What is in this picture?" }] },
      { role: "user", parts: [{ type: "tool_call_response", id: "t1", response: [{ type: "blob", modality: "file", mime_type: "application/pdf", content: "[50 chars omitted]" }] }] },
    ]);
    // A small image still fits whole.
    const small = requestContentAttributes({ messages: [{ role: "user", content: [doc] }] }, { captureContent: true, maxContentLength: 64 * 1024 });
    expect(small["gen_ai.input.messages"]).toContain("B".repeat(50));
  });
});
