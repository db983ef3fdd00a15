/**
 * A failure in our own set-up after the span was started (here: reading the
 * request for content capture) must not leave that span open: an open span
 * stays in the Humanloop processor's index, with its ancestors, forever.
 */
import { afterAll, expect, it } from "vitest";
import * as openai from "openai";
const OpenAI = openai.OpenAI;
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { OpenAITestServer } from "../testing/openai-server.js";
import { TracerProvider } from "../src/core/otel-sdk.js";
import { SpanCounter } from "./fixtures/span-counter.js";

const counter = new SpanCounter();
const server = new OpenAITestServer();
const instrumentation = new OpenAIInstrumentation({ captureContent: true });
instrumentation.setTracerProvider(new TracerProvider({ spanProcessors: [counter] }));
instrumentation.manuallyInstrument(openai);
afterAll(() => server.close());

it("a span whose set-up fails after it started is still ended, and the call goes through untouched", async () => {
  await server.start();
  const client = new OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
  let reads = 0;
  const body = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
  // Only our request snapshot (content capture) reads this key first; the SDK reads it afterwards without trouble.
  Object.defineProperty(body, "x_probe", {
    enumerable: true,
    get() {
      if (reads++ === 0) throw new Error("first read fails");
      return "u-1";
    },
  });
  const completion = await client.chat.completions.create(body);
  expect(completion.choices[0]?.message.role).toBe("assistant");
  expect(reads).toBeGreaterThan(1);
  expect(counter.started).toBe(1);
  expect(counter.ended).toBe(counter.started);
});
