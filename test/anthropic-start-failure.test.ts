/**
 * A failure in our own set-up after the span was started (here: reading the
 * request for content capture) must not leave that span open: an open span
 * stays in the Humanloop processor's index, with its ancestors, forever.
 */
import { afterAll, expect, it } from "vitest";
import * as anthropic from "@anthropic-ai/sdk";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { AnthropicTestServer } from "../testing/anthropic-server.js";
import { TracerProvider } from "../src/core/otel-sdk.js";
import { SpanCounter } from "./fixtures/span-counter.js";

const counter = new SpanCounter();
const instrumentation = new AnthropicInstrumentation();
instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [counter] }));
instrumentation.manuallyInstrument(anthropic);
let server: AnthropicTestServer | undefined;
afterAll(() => server?.close());

it("a span whose set-up fails after it started is still ended, and the call goes through untouched", async () => {
  server = await AnthropicTestServer.start();
  server.reply({ kind: "message", content: [{ type: "text", text: "Hi" }] });
  const client = new anthropic.default({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
  let reads = 0;
  const body = { model: "claude-test", max_tokens: 10, messages: [{ role: "user" as const, content: "hi" }] };
  // Only our request snapshot (content capture) reads this key first; the SDK reads it afterwards without trouble.
  Object.defineProperty(body, "x_probe", {
    enumerable: true,
    get() {
      if (reads++ === 0) throw new Error("first read fails");
      return "u-1";
    },
  });
  const message = await client.messages.create(body);
  expect(message.role).toBe("assistant");
  expect(reads).toBeGreaterThan(1);
  expect(counter.started).toBe(1);
  expect(counter.ended).toBe(counter.started);
});
