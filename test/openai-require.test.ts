/** `require("openai")` is patched through the declared module definition (require-in-the-middle), for each supported major. */
import { createRequire } from "node:module";
import { expect, it } from "vitest";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { PATCHED } from "../instrumentations/shared/index.js";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { OpenAITestServer } from "../testing/openai-server.js";

const require = createRequire(import.meta.url);

it("patches require('openai') when enabled, and a call makes one span", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const inst = new OpenAIInstrumentation();
  inst.setTracerProvider(provider);
  const mod = require("openai") as typeof import("openai");
  expect((mod.OpenAI.Chat.Completions.prototype.create as unknown as Record<symbol, unknown>)[PATCHED]).toBe(true);
  const server = new OpenAITestServer();
  await server.start();
  try {
    const client = new mod.OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
    await client.embeddings.create({ model: "e", input: "x" });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["embeddings e"]);
  } finally {
    inst.disable();
    await server.close();
  }
  expect((mod.OpenAI.Chat.Completions.prototype.create as unknown as Record<symbol, unknown>)[PATCHED]).toBeUndefined();
});
