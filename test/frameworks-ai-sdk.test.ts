/**
 * The Vercel AI SDK (7 with `@ai-sdk/otel`, both integrations, and 6 with its
 * built-in `experimental_telemetry`) against the local OpenAI and Anthropic
 * servers, checked on what the strict Humanloop server stored: one model log
 * per provider call, the operation as their parent, tool executions as tool
 * logs under it, tokens as the provider reported them, counted once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { embed, embedMany, generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import * as ai6 from "ai6";
import { createOpenAI } from "@ai-sdk/openai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI as createOpenAI3 } from "ai-sdk-openai3";
import { LegacyOpenTelemetry, OpenTelemetry } from "@ai-sdk/otel";
import { z } from "zod";
import { frameworkHarness, modelLogs, tokenSum, type Log } from "./fixtures/framework-harness.js";
import { HumanloopSpanExporter } from "../exporters/humanloop/index.js";
import { SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";

const h = frameworkHarness("ai-sdk");
const weather = tool({ description: "Weather of a city", inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, celsius: 20 }) });

function toolThenAnswer(): void {
  h.openai.reply(
    { kind: "answer", toolCalls: [{ id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' }], usage: { input: 10, output: 5 } },
    { kind: "answer", text: "It is 20 degrees.", usage: { input: 20, output: 4, cached: 8 } },
  );
}

/** The operation tree every tool-using generateText must make: one root, two model logs, one tool log. */
function expectToolTree(logs: Log[], roots: Log[]): void {
  expect(roots).toHaveLength(1);
  const root = roots[0]!;
  expect(root.config).toMatchObject({ type: "tool" });
  expect(root.prompt_tokens).toBeUndefined();
  expect(root.output).toBe("It is 20 degrees.");
  const models = modelLogs(logs);
  expect(models).toHaveLength(2);
  for (const m of models) expect(isUnder(logs, m, root.id)).toBe(true);
  expect(models.map((m) => [m.prompt_tokens, m.output_tokens]).sort()).toEqual([[10, 5], [20, 4]]);
  expect(tokenSum(logs, "prompt_tokens")).toBe(30);
  expect(tokenSum(logs, "output_tokens")).toBe(9);
  const first = models.find((m) => m.prompt_tokens === 10)!;
  expect(first.config).toMatchObject({ model: "gpt-4o-mini", provider: "openai" });
  expect(first.messages).toEqual([{ role: "user", content: "Weather in Oslo?" }]);
  expect(first.output_message.tool_calls[0]).toMatchObject({ id: "call_1", function: { name: "weather" } });
  const second = models.find((m) => m.prompt_tokens === 20)!;
  expect(second.output).toBe("It is 20 degrees.");
  expect(second.messages.map((m: Log) => m.role)).toEqual(["user", "assistant", "tool"]);
  const tools = logs.filter((l) => l.config.type === "tool" && l.config.other?.kind === "execute_tool");
  expect(tools).toHaveLength(1);
  expect(tools[0]!.config.name).toBe("weather");
  expect(tools[0]!.inputs).toEqual({ city: "Oslo" });
  expect(JSON.parse(tools[0]!.output as string)).toEqual({ city: "Oslo", celsius: 20 });
  expect(isUnder(logs, tools[0]!, root.id)).toBe(true);
}

function isUnder(logs: Log[], log: Log, ancestorId: string): boolean {
  for (let at: Log | undefined = log; at?.parent_id; at = logs.find((l) => l.id === at!.parent_id)) if (at.parent_id === ancestorId) return true;
  return false;
}

describe("AI SDK 7, LegacyOpenTelemetry (the ai.* spans)", () => {
  // Made once the provider is global: @ai-sdk/otel pins its own copy of @opentelemetry/api, whose tracer
  // taken before that stays a no-op (so, in an app: register() first, then new LegacyOpenTelemetry()).
  let integrations: LegacyOpenTelemetry[];
  beforeAll(() => {
    integrations = [new LegacyOpenTelemetry()];
  });
  const openai = () => createOpenAI({ apiKey: "k", baseURL: h.openai.url });

  it("generateText with a tool: the operation is the parent log, each model call and the tool execution a child", async () => {
    toolThenAnswer();
    await generateText({ model: openai().chat("gpt-4o-mini"), prompt: "Weather in Oslo?", tools: { weather }, stopWhen: stepCountIs(3), telemetry: { integrations } });
    const { logs, roots } = await h.delivered();
    expect(logs).toHaveLength(4);
    expectToolTree(logs, roots);
    expect(roots[0]!.config.name).toBe("ai.generateText");
    expect(roots[0]!.inputs).toEqual({ messages: [{ role: "user", content: "Weather in Oslo?" }] });
  });

  it("streamText with Anthropic: one parent, one model log with the streamed text and tokens", async () => {
    h.anthropic.reply({ kind: "message", content: [{ type: "text", text: "Bonjour." }], usage: { input_tokens: 12, output_tokens: 3, cache_read_input_tokens: 4 } });
    const anthropic = createAnthropic({ apiKey: "k", baseURL: `${h.anthropic.url}/v1` });
    const result = streamText({ model: anthropic("claude-sonnet-4-6"), system: "Be brief.", prompt: "Say hello in French", telemetry: { integrations, functionId: "greet" } });
    expect(await result.text).toBe("Bonjour.");
    const { logs, roots } = await h.delivered();
    expect(logs).toHaveLength(2);
    expect(roots).toHaveLength(1);
    expect(roots[0]!.config).toMatchObject({ type: "tool", name: "greet" });
    const [model] = modelLogs(logs);
    expect(model!.parent_id).toBe(roots[0]!.id);
    expect(model!.config).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-6" });
    expect(model!.messages).toEqual([{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello in French" }]);
    expect(model!.output).toBe("Bonjour.");
    expect([model!.prompt_tokens, model!.output_tokens]).toEqual([16, 3]);
    expect(model!.metadata.cache_read_input_tokens).toBe(4);
  });

  it("generateObject: a parent and one model log", async () => {
    h.openai.reply({ kind: "answer", text: '{"city":"Oslo"}', usage: { input: 9, output: 6 } });
    const { object } = await generateObject({ model: openai().chat("gpt-4o-mini"), schema: z.object({ city: z.string() }), prompt: "A city", telemetry: { integrations } });
    expect(object).toEqual({ city: "Oslo" });
    const { logs, roots } = await h.delivered();
    expect(logs).toHaveLength(2);
    expect(roots[0]!.config.name).toBe("ai.generateObject");
    expect(roots[0]!.output).toBe('{"city":"Oslo"}');
    expect(modelLogs(logs)[0]).toMatchObject({ parent_id: roots[0]!.id, prompt_tokens: 9, output_tokens: 6, output: '{"city":"Oslo"}' });
  });

  it("embed: one call, one model log with its tokens", async () => {
    await embed({ model: openai().embedding("text-embedding-3-small"), value: "hello", telemetry: { integrations } });
    const { logs } = await h.delivered();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ prompt_tokens: 4, config: { type: "model", model: "text-embedding-3-small", other: { operation: "embeddings" } } });
  });
});

describe("AI SDK 7, OpenTelemetry (GenAI conventions)", () => {
  let integrations: OpenTelemetry[];
  beforeAll(() => {
    integrations = [new OpenTelemetry()];
  });
  const openai = () => createOpenAI({ apiKey: "k", baseURL: h.openai.url });

  it("generateText with a tool: invoke_agent parent, model and tool logs under it", async () => {
    toolThenAnswer();
    await generateText({ model: openai().chat("gpt-4o-mini"), prompt: "Weather in Oslo?", tools: { weather }, stopWhen: stepCountIs(3), telemetry: { integrations } });
    const { logs, roots } = await h.delivered();
    expectToolTree(logs, roots);
  });

  it("embed and embedMany: one model log per embedding call, never a second one for the operation", async () => {
    await embed({ model: openai().embedding("text-embedding-3-small"), value: "hello", telemetry: { integrations } });
    let { logs } = await h.delivered();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ prompt_tokens: 4, config: { type: "model", other: { operation: "embeddings" } } });
    h.humanloop.reset();
    await embedMany({ model: openai().embedding("text-embedding-3-small"), values: ["a", "b"], telemetry: { integrations } });
    ({ logs } = await h.delivered());
    expect(modelLogs(logs)).toHaveLength(1);
    expect(logs).toHaveLength(1);
  });
});

describe("HumanloopSpanExporter (exporter-only pipelines)", () => {
  it("embed with the OpenTelemetry integration: one model log, the operation span around it is not logged", async () => {
    const exporter = new HumanloopSpanExporter({ apiKey: h.humanloop.apiKey, baseUrl: h.humanloop.url, project: "ai-sdk-exporter", parentWaitMillis: 2_000 });
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const integrations = [new OpenTelemetry({ tracer: provider.getTracer("ai") as never })];
    await embed({ model: createOpenAI({ apiKey: "k", baseURL: h.openai.url }).embedding("text-embedding-3-small"), value: "hello", telemetry: { integrations } });
    await provider.forceFlush();
    await exporter.forceFlush();
    expect(h.humanloop.stats.rejected).toEqual([]);
    const logs = h.humanloop.logs() as Log[];
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ prompt_tokens: 4, config: { type: "model", other: { operation: "embeddings" } } });
    await provider.shutdown();
  });
});

describe("AI SDK 6 (experimental_telemetry)", () => {
  it("generateText with a tool, and embed", async () => {
    toolThenAnswer();
    const openai = createOpenAI3({ apiKey: "k", baseURL: h.openai.url });
    const weather6 = ai6.tool({ description: "Weather of a city", inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, celsius: 20 }) });
    await ai6.generateText({ model: openai.chat("gpt-4o-mini"), prompt: "Weather in Oslo?", tools: { weather: weather6 }, stopWhen: ai6.stepCountIs(3), experimental_telemetry: { isEnabled: true } });
    const { logs, roots } = await h.delivered();
    expect(logs).toHaveLength(4);
    expectToolTree(logs, roots);
    h.humanloop.reset();
    await ai6.embed({ model: openai.embedding("text-embedding-3-small"), value: "hello", experimental_telemetry: { isEnabled: true } });
    const embedded = await h.delivered();
    expect(embedded.logs).toHaveLength(1);
    expect(embedded.logs[0]).toMatchObject({ prompt_tokens: 4 });
  });
});
