/**
 * End to end: the real OpenAI client -> OpenAIInstrumentation ->
 * HumanloopSpanProcessor -> the local Humanloop v4 server. The stored logs
 * carry the model config, the messages, the output and the token counts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import * as openai from "openai";
import { context } from "@opentelemetry/api";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { HumanloopTestServer } from "../testing/index.js";
import { OpenAITestServer } from "../testing/openai-server.js";
import { AsyncLocalStorageContextManager, TracerProvider } from "../src/core/otel-sdk.js";

let humanloop: HumanloopTestServer;
const server = new OpenAITestServer();
let processor: HumanloopSpanProcessor;
let provider: TracerProvider;
let instrumentation: OpenAIInstrumentation;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  humanloop = await HumanloopTestServer.start();
  await server.start();
  processor = new HumanloopSpanProcessor({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "openai-e2e", scheduledDelayMillis: 10 });
  provider = new TracerProvider({ spanProcessors: [processor] });
  instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(provider);
  instrumentation.manuallyInstrument(openai);
});
afterAll(async () => {
  await provider.shutdown();
  await server.close();
  await humanloop.close();
});

it("delivers plain, streamed and Azure calls as model logs with config, messages, output and tokens", async () => {
  const client = new openai.OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
  server.reply(
    { kind: "answer", text: "It shipped.", usage: { input: 15, output: 3 } },
    { kind: "answer", toolCalls: [{ id: "call_1", name: "lookup", arguments: '{"id":"A-17"}' }], usage: { input: 30, output: 9 } },
  );
  const messages = [{ role: "system" as const, content: "Be brief." }, { role: "user" as const, content: "Where is A-17?" }];
  await client.chat.completions.create({ model: "gpt-4o-mini", temperature: 0.3, max_tokens: 64, messages });
  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true },
    tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
  });
  for await (const _ of stream) void _;
  const azure = new openai.AzureOpenAI({ apiKey: "k", endpoint: server.origin, apiVersion: "2024-10-21", deployment: "dep", maxRetries: 0 });
  await azure.chat.completions.create({ model: "dep", messages });
  await processor.forceFlush();

  const logs = humanloop.logs() as unknown as Record<string, any>[];
  expect(logs).toHaveLength(3);
  const plain = logs.find((l) => l.output === "It shipped.")!;
  expect(plain.config).toMatchObject({ type: "model", provider: "openai", model: "gpt-4o-mini", temperature: 0.3, max_tokens: 64 });
  expect(plain.messages[0]).toMatchObject({ role: "system", content: "Be brief." });
  expect(plain.messages[1]).toMatchObject({ role: "user", content: "Where is A-17?" });
  expect(plain.output_message).toMatchObject({ role: "assistant", content: "It shipped." });
  expect(plain.prompt_tokens).toBe(15);
  expect(plain.output_tokens).toBe(3);

  const streamed = logs.find((l) => l.prompt_tokens === 30)!;
  expect(streamed.config).toMatchObject({ type: "model", provider: "openai", model: "gpt-4o-mini" });
  expect(streamed.output_tokens).toBe(9);
  expect(JSON.stringify(streamed.output_message)).toContain("lookup");

  const az = logs.find((l) => l.config?.provider === "openai_azure");
  expect(az).toBeDefined();
});
