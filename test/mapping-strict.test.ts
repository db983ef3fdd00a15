import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Attributes } from "@opentelemetry/api";
import { toLogRequest } from "../exporters/humanloop/index.js";
import { HumanloopTestServer } from "../testing/index.js";
import { GenAI, Humanloop } from "../src/core/attributes.js";
import { truncate } from "../src/core/serialize.js";
import { mappableSpan } from "./mapping-helpers.js";

// Odd spans run through toLogRequest and sent, one by one, to the strict local server: each must be stored, never a 422.
let next = 0;
function logOf(attributes: Attributes, kind: "model" | "tool" = "model") {
  const spanId = (++next).toString(16).padStart(16, "0");
  return toLogRequest(mappableSpan("odd", attributes, {}, spanId), kind, {}, { project: "strict" });
}

const model = { [GenAI.PROVIDER_NAME]: "openai", [GenAI.OPERATION_NAME]: "chat", [GenAI.REQUEST_MODEL]: "m" };
const messages = (key: string, value: unknown): Attributes => ({ ...model, [key]: JSON.stringify(value) });

const cases: [string, Attributes, ("model" | "tool")?][] = [
  ["a tool call without arguments", messages(GenAI.OUTPUT_MESSAGES, [{ role: "assistant", parts: [{ type: "tool_call", id: "a", name: "f" }] }])],
  ["a tool call with null arguments, no id, a non-string name", messages(GenAI.OUTPUT_MESSAGES, [{ role: "assistant", parts: [{ type: "tool_call", name: 5, arguments: null }] }])],
  ["empty content", { ...messages(GenAI.INPUT_MESSAGES, [{ role: "user", parts: [] }]), [GenAI.OUTPUT_MESSAGES]: "[]" }],
  ["multimodal user content, an image detail Humanloop does not know", messages(GenAI.INPUT_MESSAGES, [{ role: "user", parts: [
    { type: "text", content: "a" },
    { type: "uri", modality: "image", uri: "data:image/png;base64,[12 chars omitted]", detail: "original" },
    { type: "blob", modality: "audio", mime_type: "audio/wav", content: "[omitted]" },
    { type: "file", modality: "file", file_id: "f1" },
  ] }])],
  ["n > 1 choices with a hole", messages(GenAI.OUTPUT_MESSAGES, [null, { role: "assistant", parts: [{ type: "text", content: "b" }] }])],
  ["an Anthropic tool_result with blocks", messages(GenAI.INPUT_MESSAGES, [{ role: "user", parts: [{ type: "tool_call_response", id: "t", response: [{ type: "text", content: "x" }, { type: "blob", modality: "image", content: "AA" }] }, { type: "text", content: "more" }] }])],
  ["Responses API output items", messages(GenAI.OUTPUT_MESSAGES, [{ role: "assistant", parts: [{ type: "reasoning", content: "r" }, { type: "web_search_call", id: "ws" }, { type: "text", content: "t" }, { type: "tool_call", id: "", name: "f", arguments: "{" }] }])],
  ["a refusal only", messages(GenAI.OUTPUT_MESSAGES, [{ role: "assistant", parts: [{ type: "text", content: "I can't" }], finish_reason: "stop" }])],
  ["content truncated mid-JSON", {
    ...model,
    [GenAI.INPUT_MESSAGES]: truncate(JSON.stringify([{ role: "user", parts: [{ type: "text", content: "x".repeat(200) }] }]), 100),
    [GenAI.TOOL_DEFINITIONS]: truncate(JSON.stringify([{ name: "f", parameters: { a: "x".repeat(200) } }]), 50),
    [Humanloop.METADATA]: truncate(JSON.stringify({ a: "x".repeat(200) }), 40),
  }],
  ["tool inputs truncated mid-JSON", { [Humanloop.KIND]: "tool", [Humanloop.INPUTS]: truncate(JSON.stringify({ a: "x".repeat(300) }), 100), [Humanloop.OUTPUT]: "o" }, "tool"],
  ["feedback values that are not string, number or boolean", { ...model, [Humanloop.FEEDBACK]: JSON.stringify([{ type: "rating", value: null }, { type: "comment", value: { a: 1 } }, { type: "flag", value: true }]) }],
  ["a system prompt with an image", messages(GenAI.SYSTEM_INSTRUCTIONS, [{ type: "text", content: "s" }, { type: "uri", modality: "image", uri: "u", detail: "low" }])],
  ["negative and fractional token counts", { ...model, [GenAI.USAGE_INPUT_TOKENS]: -1, [GenAI.USAGE_OUTPUT_TOKENS]: 1.5, [GenAI.REQUEST_STOP_SEQUENCES]: [] }],
  ["a message with a non-string role and content", messages(GenAI.INPUT_MESSAGES, [{ role: 5, parts: [{ type: "text", content: 5 }], name: "", tool_call_id: 4 }])],
];

describe("odd spans against the strict server", () => {
  let server: HumanloopTestServer;
  beforeAll(async () => {
    server = await HumanloopTestServer.start();
  });
  afterAll(() => server.close());

  it.each(cases)("stores %s", async (_name, attributes, kind) => {
    const log = logOf(attributes, kind);
    const res = await fetch(`${server.url}/logs`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": server.apiKey },
      body: JSON.stringify(log),
    });
    expect({ status: res.status, body: (await res.json()) as unknown }).toMatchObject({ status: 200 });
  });

  it("keeps a known image detail and scalar feedback values, and names other values as text", () => {
    const image = logOf(messages(GenAI.INPUT_MESSAGES, [{ role: "user", parts: [{ type: "uri", modality: "image", uri: "u", detail: "low" }, { type: "uri", modality: "image", uri: "v", detail: "original" }] }]));
    expect(image.messages?.[0]?.content).toEqual([{ type: "image_url", image_url: { url: "u", detail: "low" } }, { type: "image_url", image_url: { url: "v" } }]);
    const feedback = logOf({ ...model, [Humanloop.FEEDBACK]: JSON.stringify([{ type: "a", value: 1 }, { type: "b", value: null }, { type: "c", value: { x: 1 } }]) });
    expect(feedback.feedback).toEqual([{ type: "a", value: 1 }, { type: "b" }, { type: "c", value: '{"x":1}' }]);
  });
});
