/**
 * OpenInference (`@arizeai/openinference-instrumentation-openai`) and
 * LangChain (`@langchain/openai`) with the real packages against the local
 * OpenAI server, checked on what the strict Humanloop server stored.
 */
import { afterEach, describe, expect, it } from "vitest";
import * as openai from "openai";
import { OpenAIInstrumentation as OpenInferenceInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { ChatOpenAI } from "@langchain/openai";
import { tool as langchainTool } from "@langchain/core/tools";
import { z } from "zod";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { session } from "../src/tracing/session.js";
import { setContentPolicy } from "../src/core/content-policy.js";
import { traced } from "../src/tracing/traced.js";
import { frameworkHarness, modelLogs, tokenSum } from "./fixtures/framework-harness.js";

const h = frameworkHarness("frameworks");
let undo: (() => void)[] = [];
afterEach(() => {
  for (const u of undo.reverse()) u();
  undo = [];
});

function openInference(): void {
  const oi = new OpenInferenceInstrumentation({ tracerProvider: h.provider });
  oi.manuallyInstrument(openai as never);
  undo.push(() => oi.disable());
}

function ours(): void {
  const i = new OpenAIInstrumentation({ enabled: false });
  i.setTracerProvider(h.provider);
  i.enable();
  i.manuallyInstrument(openai);
  undo.push(() => (i as unknown as { unpatch(m: unknown): void }).unpatch(openai));
}

const client = () => new openai.OpenAI({ apiKey: "k", baseURL: h.openai.url, maxRetries: 0 });
const tools = [{ type: "function" as const, function: { name: "weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } } } } }];

describe("OpenInference spans", () => {
  it("LLM spans become model logs (messages, tools, parameters, output, tool calls, tokens); embeddings one model log", async () => {
    openInference();
    h.openai.reply(
      { kind: "answer", toolCalls: [{ id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' }], usage: { input: 10, output: 5, cached: 2, reasoning: 1 } },
      { kind: "answer", text: "It is 20.", usage: { input: 20, output: 4 } },
    );
    const c = client();
    await c.chat.completions.create({ model: "gpt-4o-mini", temperature: 0.2, max_tokens: 50, messages: [{ role: "system", content: "Be brief" }, { role: "user", content: "Weather in Oslo?" }], tools });
    const stream = await c.chat.completions.create({
      model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true },
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "20" },
      ],
    });
    for await (const _ of stream) void _;
    await c.embeddings.create({ model: "text-embedding-3-small", input: "hello" });
    const { logs, roots } = await h.delivered();
    expect(logs).toHaveLength(3);
    expect(roots).toHaveLength(3);
    const [first, second, embedding] = logs;
    expect(first!.config).toMatchObject({ type: "model", provider: "openai", endpoint: "chat", temperature: 0.2, max_tokens: 50, tools: [{ name: "weather", description: "Weather of a city" }] });
    expect(first!.messages).toEqual([{ role: "system", content: "Be brief" }, { role: "user", content: "Weather in Oslo?" }]);
    expect(first!.output_message.tool_calls).toEqual([{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }]);
    expect(first).toMatchObject({ prompt_tokens: 10, output_tokens: 5, metadata: { cache_read_input_tokens: 2, reasoning_output_tokens: 1 } });
    expect(second!.messages).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] },
      { role: "tool", content: "20", tool_call_id: "call_1" },
    ]);
    expect(second!.output).toBe("It is 20.");
    expect(embedding!.config).toMatchObject({ type: "model", model: "text-embedding-3-small", other: { operation: "embeddings" } });
  });

  it("with our instrumentation active too: one model log per call, tokens once", async () => {
    openInference();
    ours();
    h.openai.reply({ kind: "answer", text: "Hi.", usage: { input: 7, output: 2 } });
    await client().chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] });
    const { logs } = await h.delivered();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ prompt_tokens: 7, output_tokens: 2, output: "Hi.", messages: [{ role: "user", content: "Hello" }] });
  });


  it("the mask applies to OpenInference content", async () => {
    openInference();
    setContentPolicy({ mask: (text) => text.replaceAll("Oslo", "[city]") });
    try {
      h.openai.reply({ kind: "answer", text: "Oslo is cold.", usage: { input: 3, output: 3 } });
      await client().chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Oslo?" }] });
      const { logs } = await h.delivered();
      expect(logs[0]).toMatchObject({ messages: [{ role: "user", content: "[city]?" }], output: "[city] is cold." });
      expect(JSON.stringify(logs[0])).not.toContain("Oslo");
    } finally {
      setContentPolicy({ mask: undefined });
    }
  });
});

describe("LangChain (@langchain/openai)", () => {
  it("a tool-using chat inside traced(): one model log per provider call under the traced root, in the session", async () => {
    ours();
    h.openai.reply(
      { kind: "answer", toolCalls: [{ id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' }], usage: { input: 10, output: 5 } },
      { kind: "answer", text: "It is 20.", usage: { input: 20, output: 4 } },
    );
    const weather = langchainTool(async ({ city }: { city: string }) => `${city}: 20`, { name: "weather", description: "Weather of a city", schema: z.object({ city: z.string() }) });
    const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "k", configuration: { baseURL: h.openai.url }, maxRetries: 0 }).bindTools([weather]);
    const agent = traced(async function agent(question: string) {
      const first = await model.invoke(question);
      const call = first.tool_calls![0]!;
      const result = await traced(weather.invoke.bind(weather), { name: "weather", kind: "tool" })(call.args as { city: string });
      const answer = await model.invoke([["human", question], first, { role: "tool", content: result, tool_call_id: call.id! }]);
      return answer.content;
    }, { kind: "agent" });
    expect(await session("chat-7", () => agent("Weather in Oslo?"))).toBe("It is 20.");
    const { logs, roots } = await h.delivered();
    expect(roots).toHaveLength(1);
    expect(roots[0]!.config).toMatchObject({ type: "tool", name: "agent" });
    const models = modelLogs(logs);
    expect(models).toHaveLength(2);
    for (const m of models) expect(m.parent_id).toBe(roots[0]!.id);
    expect(models[0]!.messages).toEqual([{ role: "user", content: "Weather in Oslo?" }]);
    expect(models[1]!.output).toBe("It is 20.");
    expect(tokenSum(logs, "prompt_tokens")).toBe(30);
    expect(tokenSum(logs, "output_tokens")).toBe(9);
    expect(logs.every((l) => l.session_reference_id === "chat-7")).toBe(true);
    expect(models[0]!.metadata.conversation_id).toBe("chat-7");
  });
});
