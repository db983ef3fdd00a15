/**
 * End to end: the real Anthropic client -> AnthropicInstrumentation ->
 * HumanloopSpanProcessor -> the local Humanloop v4 server. The stored logs
 * carry the model config, the messages (the system prompt first, role
 * system), the output and the token counts.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, expect, it } from "vitest";
import type Anthropic from "@anthropic-ai/sdk";
import { context } from "@opentelemetry/api";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { HumanloopTestServer } from "../testing/index.js";
import { AnthropicTestServer } from "../testing/anthropic-server.js";
import { AsyncLocalStorageContextManager, TracerProvider } from "../src/core/otel-sdk.js";

const require = createRequire(import.meta.url);
let humanloop: HumanloopTestServer;
let anthropic: AnthropicTestServer;
let processor: HumanloopSpanProcessor;
let provider: TracerProvider;
let instrumentation: AnthropicInstrumentation;
let client: Anthropic;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  humanloop = await HumanloopTestServer.start();
  anthropic = await AnthropicTestServer.start();
  processor = new HumanloopSpanProcessor({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "anthropic-e2e", scheduledDelayMillis: 10 });
  provider = new TracerProvider({ spanProcessors: [processor] });
  instrumentation = new AnthropicInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  const AnthropicClient = (require("@anthropic-ai/sdk") as { default: typeof Anthropic }).default;
  client = new AnthropicClient({ apiKey: "test-key", baseURL: anthropic.url, maxRetries: 0, openTelemetry: false });
});
afterAll(async () => {
  instrumentation.disable();
  await provider.shutdown();
  await anthropic.close();
  await humanloop.close();
});

it("delivers a plain and a streamed call as model logs with config, messages, output and tokens", async () => {
  anthropic.reply(
    { kind: "message", content: [{ type: "text", text: "Paris is sunny." }], usage: { input_tokens: 12, output_tokens: 4, cache_read_input_tokens: 8 } },
    {
      kind: "message",
      content: [{ type: "tool_use", id: "toolu_9", name: "get_weather", input: { city: "Paris" } }],
      stop_reason: "tool_use",
      usage: { input_tokens: 20, output_tokens: 9 },
    },
  );
  const request = {
    model: "claude-test-1",
    max_tokens: 256,
    temperature: 0.3,
    system: "You are a weather bot.",
    messages: [{ role: "user" as const, content: "Weather in Paris?" }],
  };
  await client.messages.create(request);
  await client.messages
    .stream({ ...request, thinking: { type: "enabled", budget_tokens: 1024 }, tools: [{ name: "get_weather", input_schema: { type: "object" } }] })
    .finalMessage();
  await processor.forceFlush();

  const logs = humanloop.logs();
  expect(logs).toHaveLength(2);
  const plain = logs.find((l) => l.output === "Paris is sunny.");
  expect(plain).toBeDefined();
  const log = plain as unknown as Record<string, any>;
  expect(log.config).toMatchObject({ type: "model", provider: "anthropic", model: "claude-test-1", temperature: 0.3, max_tokens: 256 });
  expect(log.messages[0]).toEqual({ role: "system", content: "You are a weather bot." });
  expect(log.messages[1]).toMatchObject({ role: "user", content: "Weather in Paris?" });
  expect(log.output_message).toMatchObject({ role: "assistant", content: "Paris is sunny." });
  expect(log.prompt_tokens).toBe(20);
  expect(log.output_tokens).toBe(4);

  const streamed = logs.find((l) => l !== plain) as unknown as Record<string, any>;
  expect(streamed.config).toMatchObject({ type: "model", provider: "anthropic", model: "claude-test-1" });
  expect(streamed.config.other).toMatchObject({ thinking: { type: "enabled", budget_tokens: 1024 } });
  expect(streamed.config.tools).toEqual([{ name: "get_weather", parameters: { type: "object" } }]);
  expect(streamed.messages[0]).toEqual({ role: "system", content: "You are a weather bot." });
  expect(streamed.output_message.tool_calls?.[0]).toMatchObject({ id: "toolu_9", function: { name: "get_weather" } });
  expect(JSON.parse(streamed.output_message.tool_calls[0].function.arguments)).toEqual({ city: "Paris" });
  expect(streamed.prompt_tokens).toBe(20);
  expect(streamed.output_tokens).toBe(9);
});
