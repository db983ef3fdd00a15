/**
 * The OpenAI Agents SDK (real `@openai/agents`) against the local OpenAI
 * server, bridged by `humanloop-otel/openai-agents`: the agent's tree on the
 * strict Humanloop server, one model log per provider call, tokens once,
 * with and without our OpenAI instrumentation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as agents from "@openai/agents";
import * as openai from "openai";
import { z } from "zod";
import { instrumentOpenAIAgents, type OpenAIAgentsTraceProcessor } from "../instrumentations/openai-agents/index.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { session } from "../src/tracing/session.js";
import { frameworkHarness, modelLogs, tokenSum, type Log } from "./fixtures/framework-harness.js";

const h = frameworkHarness("agents");
let processor: OpenAIAgentsTraceProcessor;
beforeAll(() => {
  // vitest sets NODE_ENV=test, under which the SDK turns tracing off; and no export to OpenAI's backend.
  agents.setTracingDisabled(false);
  agents.setTraceProcessors([]);
  processor = instrumentOpenAIAgents(agents);
  agents.setDefaultOpenAIClient(new openai.OpenAI({ apiKey: "k", baseURL: h.openai.url, maxRetries: 0 }) as never);
});
afterAll(() => processor.shutdown());
let undo: (() => void) | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
});

async function runAgent(stream = false): Promise<unknown> {
  h.openai.reply(
    { kind: "answer", toolCalls: [{ id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' }], usage: { input: 30, output: 8, cached: 10 } },
    { kind: "answer", text: "It is 20 degrees in Oslo.", usage: { input: 50, output: 9 } },
  );
  const weather = agents.tool({ name: "weather", description: "Weather of a city", parameters: z.object({ city: z.string() }), execute: async ({ city }) => `${city}: 20 degrees` });
  const agent = new agents.Agent({ name: "Forecaster", instructions: "Answer briefly.", model: "gpt-4o-mini", tools: [weather] });
  if (!stream) return (await session("conv-9", () => agents.run(agent, "Weather in Oslo?"))).finalOutput;
  return session("conv-9", async () => {
    const result = await agents.run(agent, "Weather in Oslo?", { stream: true });
    for await (const _ of result) void _;
    await result.completed;
    return result.finalOutput;
  });
}

function expectAgentTree(logs: Log[], roots: Log[]): void {
  expect(roots).toHaveLength(1);
  const workflow = roots[0]!;
  expect(workflow.config).toMatchObject({ type: "tool", name: "Agent workflow" });
  const agent = logs.find((l) => l.config.other?.kind === "invoke_agent")!;
  expect(agent).toMatchObject({ parent_id: workflow.id, config: { name: "Forecaster" } });
  const models = modelLogs(logs);
  expect(models).toHaveLength(2);
  for (const m of models) expect(m.parent_id).toBe(agent.id);
  expect(models.map((m) => [m.prompt_tokens, m.output_tokens])).toEqual([[30, 8], [50, 9]]);
  expect(tokenSum(logs, "prompt_tokens")).toBe(80);
  expect(tokenSum(logs, "output_tokens")).toBe(17);
  expect(models[0]!.messages).toEqual([{ role: "system", content: "Answer briefly." }, { role: "user", content: "Weather in Oslo?" }]);
  expect(models[0]!.output_message.tool_calls[0]).toMatchObject({ id: "call_1", function: { name: "weather", arguments: '{"city":"Oslo"}' } });
  expect(models[1]!.output).toBe("It is 20 degrees in Oslo.");
  expect(models[0]!.metadata.cache_read_input_tokens).toBe(10);
  const tool = logs.find((l) => l.config.other?.kind === "execute_tool")!;
  expect(tool).toMatchObject({ parent_id: agent.id, config: { name: "weather" }, inputs: { city: "Oslo" }, output: "Oslo: 20 degrees" });
  expect(logs.every((l) => l.session_reference_id === "conv-9")).toBe(true);
}

describe("OpenAI Agents SDK", () => {
  it("bridged alone: workflow, agent, its model calls (responses) and the function call", async () => {
    expect(await runAgent()).toBe("It is 20 degrees in Oslo.");
    const { logs, roots } = await h.delivered();
    expectAgentTree(logs, roots);
    expect(logs).toHaveLength(5);
    expect(modelLogs(logs).every((m) => m.metadata.server_address === undefined)).toBe(true);
  });

  it("with our OpenAI instrumentation too: each model call is logged once (ours), under the agent", async () => {
    const ours = new OpenAIInstrumentation({ enabled: false });
    ours.setTracerProvider(h.provider);
    ours.enable();
    ours.manuallyInstrument(openai);
    undo = () => (ours as unknown as { unpatch(m: unknown): void }).unpatch(openai);
    expect(await runAgent()).toBe("It is 20 degrees in Oslo.");
    const { logs, roots } = await h.delivered();
    expectAgentTree(logs, roots);
    expect(logs).toHaveLength(5);
    // Ours (it knows the server it called); the Agents SDK's response spans around them are not logged.
    expect(modelLogs(logs).every((m) => m.metadata.server_address === "127.0.0.1" && m.metadata.response_id === "resp_1")).toBe(true);
  });

  it("with the Chat Completions API (generation spans): the same tree", async () => {
    agents.setOpenAIAPI("chat_completions");
    undo = () => agents.setOpenAIAPI("responses");
    expect(await runAgent()).toBe("It is 20 degrees in Oslo.");
    const { logs, roots } = await h.delivered();
    expectAgentTree(logs, roots);
    expect(logs).toHaveLength(5);
  });

  it("a streamed run, with our OpenAI instrumentation: the same tree, each model call once", async () => {
    const ours = new OpenAIInstrumentation({ enabled: false });
    ours.setTracerProvider(h.provider);
    ours.enable();
    ours.manuallyInstrument(openai);
    undo = () => (ours as unknown as { unpatch(m: unknown): void }).unpatch(openai);
    expect(await runAgent(true)).toBe("It is 20 degrees in Oslo.");
    const { logs, roots } = await h.delivered();
    expectAgentTree(logs, roots);
    expect(logs).toHaveLength(5);
  });
});
