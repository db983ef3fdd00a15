/**
 * A failure in our own set-up after the span was started (here: reading the
 * request for content capture) must not leave that span open: an open span
 * stays in the Humanloop processor's index, with its ancestors, forever.
 */
import { afterAll, expect, it } from "vitest";
import * as anthropic from "@anthropic-ai/sdk";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { AnthropicTestServer } from "../exporters/testing/anthropic-server.js";
import { TracerProvider, type SdkSpan, type SpanProcessor } from "../src/otel-sdk.js";

let started = 0;
let ended = 0;
const counter: SpanProcessor = {
  onStart: (_span: SdkSpan) => void started++,
  onEnd: () => void ended++,
  forceFlush: async () => {},
  shutdown: async () => {},
};
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
  expect(started).toBe(1);
  expect(ended).toBe(started);
});
