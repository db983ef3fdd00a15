import { it, expect } from "vitest";
import { context, trace } from "@opentelemetry/api";
import OpenAI from "openai";
import { register } from "../src/index.js";
import { AsyncLocalStorageContextManager, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import { OpenAITestServer } from "../testing/index.js";

it("with the app's own provider, shutdown() also ends an unread provider stream's span, as it does with register()'s own provider", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  const server = new OpenAITestServer();
  await server.start();
  try {
    const tracing = register({ instrumentModules: { openai: OpenAI } });
    expect(tracing.tracerProvider).toBe(provider);
    server.reply({ kind: "answer", text: "never read", chunks: 3 });
    const client = new OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await tracing.shutdown();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["chat m"]);
    stream.controller.abort();
  } finally {
    await server.close();
    await provider.shutdown();
  }
});
