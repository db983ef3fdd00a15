import { it, expect, beforeAll, afterAll } from "vitest";
import OpenAI from "openai";
import { register, traced, session, type Tracing } from "../src/index.js";
import { HumanloopTestServer, OpenAITestServer } from "../testing/index.js";

let humanloop: HumanloopTestServer;
const model = new OpenAITestServer();
let tracing: Tracing;
beforeAll(async () => {
  humanloop = await HumanloopTestServer.start();
  await model.start();
  tracing = register({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "streams", instrumentModules: { openai: OpenAI } });
});
afterAll(async () => {
  await tracing.shutdown();
  await Promise.all([humanloop.close(), model.close()]);
});

it("a traced function returning an OpenAI Stream keeps its log open until the caller has read the stream", async () => {
  const client = new OpenAI({ apiKey: "sk-test", baseURL: model.url });
  model.reply({ kind: "answer", text: "Hello there, streaming world", chunks: 4 });
  const ask = traced(async function ask(q: string) {
    return client.chat.completions.create({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: q }] });
  }, { kind: "chain" });

  const stream = await session("stream-session", () => ask("hi"));
  expect(stream).toBeInstanceOf((await import("openai/streaming")).Stream);
  expect(typeof stream.toReadableStream).toBe("function");
  expect(stream.controller).toBeInstanceOf(AbortController);
  await tracing.forceFlush();
  expect(humanloop.logs().filter((l) => (l.config as { name?: string }).name === "ask")).toHaveLength(0);

  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  expect(text).toBe("Hello there, streaming world");
  await tracing.forceFlush();

  const tree = humanloop.trees().find((t) => t.session_reference_id === "stream-session")!;
  expect(tree.roots).toHaveLength(1);
  const root = tree.roots[0]!;
  expect(root.config).toMatchObject({ type: "tool", name: "ask" });
  expect(root.children.map((c) => (c.config as { type: string }).type)).toEqual(["model"]);
  expect(root.children[0]!.output).toBe("Hello there, streaming world");
});

it("a traced async generator that streams a model answer: one log per call, its output the joined text", async () => {
  const client = new OpenAI({ apiKey: "sk-test", baseURL: model.url });
  model.reply({ kind: "answer", text: "one two three", chunks: 3 });
  const words = traced(async function* words(q: string) {
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: q }] });
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) yield delta;
    }
  });
  let out = "";
  for await (const w of session("gen-session", () => words("count"))) out += w;
  expect(out).toBe("one two three");
  await tracing.forceFlush();
  const tree = humanloop.trees().find((t) => t.session_reference_id === "gen-session")!;
  const root = tree.roots[0]!;
  expect(root.output).toBe("one two three");
  expect(root.children).toHaveLength(1);
  expect(root.children[0]!.config).toMatchObject({ type: "model", model: "gpt-4o-mini" });
});
