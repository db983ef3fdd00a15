/**
 * `@opentelemetry/instrumentation-openai` sends prompts and completions as
 * Logs API events; with register(), they reach the span's Humanloop log.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import * as openai6 from "openai6";
import { OpenAIInstrumentation as ContribInstrumentation } from "@opentelemetry/instrumentation-openai";
import { metrics } from "@opentelemetry/api";
import { register, type Tracing } from "../src/index.js";
import { HumanloopTestServer } from "../testing/index.js";
import { OpenAITestServer } from "../testing/openai-server.js";
import type { Log } from "./fixtures/framework-harness.js";

let humanloop: HumanloopTestServer;
const model = new OpenAITestServer();
let tracing: Tracing;
let unpatch: () => void;
beforeAll(async () => {
  humanloop = await HumanloopTestServer.start();
  await model.start();
  tracing = register({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "contrib" });
  const contrib = new ContribInstrumentation({ captureMessageContent: true });
  contrib.setMeterProvider(metrics.getMeterProvider()); // makes its metric instruments
  // It hooks the module name "openai" (>=4.19 <7); apply its patch to the alias package directly.
  const def = contrib.getModuleDefinitions()[0]!;
  def.patch!(openai6 as never, "6.49.0");
  unpatch = () => {
    def.unpatch!(openai6 as never, "6.49.0");
    contrib.disable();
  };
});
afterAll(async () => {
  unpatch();
  await tracing.shutdown();
  await Promise.all([humanloop.close(), model.close()]);
});

it("its message events become the log's messages and output", async () => {
  model.reply(
    { kind: "answer", toolCalls: [{ id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' }], usage: { input: 10, output: 5 } },
    { kind: "answer", text: "It is 20.", usage: { input: 20, output: 4 } },
  );
  const client = new openai6.OpenAI({ apiKey: "k", baseURL: model.url, maxRetries: 0 });
  const messages: openai6.OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Oslo?" }];
  const first = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
  messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: "call_1", content: "20 degrees" });
  const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } });
  for await (const _ of stream) void _;
  await tracing.forceFlush();
  expect(humanloop.stats.rejected).toEqual([]);
  const logs = humanloop.logs() as Log[];
  expect(logs).toHaveLength(2);
  expect(logs[0]!.messages).toEqual([{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Oslo?" }]);
  expect(logs[0]!.output_message).toEqual({ role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] });
  expect(logs[0]).toMatchObject({ prompt_tokens: 10, output_tokens: 5 });
  expect(logs[1]!.messages).toEqual([
    { role: "system", content: "Be brief." },
    { role: "user", content: "Weather in Oslo?" },
    { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] },
    { role: "tool", content: "20 degrees", tool_call_id: "call_1" },
  ]);
  expect(logs[1]).toMatchObject({ output: "It is 20.", prompt_tokens: 20, output_tokens: 4 });
});
