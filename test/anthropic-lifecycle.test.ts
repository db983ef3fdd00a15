/**
 * Span lifecycle and coexistence for the Anthropic instrumentation: every
 * way a stream can end, the SDK's own tracing, double registration, Bedrock
 * and Vertex clients, unknown events.
 */
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type Anthropic from "@anthropic-ai/sdk";
import { SpanStatusCode } from "@opentelemetry/api";
import { AnthropicInstrumentation } from "../instrumentations/anthropic/index.js";
import { endPendingCalls, isPatched } from "../instrumentations/shared/index.js";
import { MODEL, onlySpan, ourSpans, sdkSpans, startHarness, until, type Harness } from "./anthropic-fixture.js";

const require = createRequire(import.meta.url);
let h: Harness;
let instrumentation: AnthropicInstrumentation;
let AnthropicClient: typeof Anthropic;
let client: Anthropic;
const params = { model: MODEL, max_tokens: 64, messages: [{ role: "user" as const, content: "Hi" }] };
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Collects garbage a few times, letting finalization callbacks run between. */
async function collect(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 10));
    gc();
  }
}
const longText = { kind: "message" as const, content: [{ type: "text", text: "x".repeat(200) }], eventDelayMs: 5 };

beforeAll(async () => {
  h = await startHarness();
  instrumentation = new AnthropicInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(h.provider);
  instrumentation.enable();
  AnthropicClient = (require("@anthropic-ai/sdk") as { default: typeof Anthropic }).default;
  client = new AnthropicClient({ apiKey: "test-key", baseURL: h.server.url, maxRetries: 0 });
});
afterAll(async () => {
  instrumentation.disable();
  await h.server.close();
});
afterEach(() => h.exporter.reset());

describe("stream endings", () => {
  it("ends the span once when the caller breaks, and cancels the request as without instrumentation", async () => {
    h.server.reply(longText);
    const stream = await client.messages.create({ ...params, stream: true });
    let n = 0;
    for await (const _event of stream) if (++n === 3) break;
    expect(stream.controller.signal.aborted).toBe(true);
    const span = onlySpan(h.exporter);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(span.attributes["gen_ai.response.id"]).toMatch(/^msg_test_/);
  });

  it("ends the span as aborted when the controller aborts mid-stream", async () => {
    h.server.reply(longText);
    const stream = await client.messages.create({ ...params, stream: true });
    let n = 0;
    for await (const _event of stream) if (++n === 3) stream.controller.abort();
    const span = onlySpan(h.exporter);
    expect(span.attributes["error.type"]).toBe("AbortError");
  });

  it("ends the span when a MessageStream is aborted", async () => {
    h.server.reply(longText);
    const ms = client.messages.stream(params);
    ms.on("error", () => undefined);
    await new Promise<void>((resolve) => ms.on("streamEvent", () => resolve()));
    ms.abort();
    await ms.done().catch(() => undefined);
    await until(() => h.exporter.getFinishedSpans().length === 1);
    expect(onlySpan(h.exporter).attributes["gen_ai.request.model"]).toBe(MODEL);
  });

  it("ends a stream never read, and a promise never awaited, at endPendingCalls (shutdown)", async () => {
    h.server.reply(longText, { kind: "message" });
    const unread = await client.messages.create({ ...params, stream: true });
    // Held (never awaited) so that a garbage collection the test runner happens to run meanwhile cannot end it as abandoned first.
    const unawaited = client.messages.create(params);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.exporter.getFinishedSpans()).toHaveLength(0);
    expect(endPendingCalls()).toBe(2);
    expect(ourSpans(h.exporter)).toHaveLength(2);
    unread.controller.abort();
    void unawaited;
  });

  it("is not ended early by garbage collection while the caller awaits (plain, withResponse, stream())", async () => {
    h.server.reply({ kind: "message", delayMs: 1500 }, { kind: "message", delayMs: 1500 }, { kind: "message", delayMs: 1500 });
    const plain = (async () => client.messages.create(params))();
    const withResponse = (async () => (await client.messages.create(params).withResponse()).data)();
    const streamed = client.messages.stream(params).finalMessage();
    await collect();
    expect(h.exporter.getFinishedSpans()).toHaveLength(0);
    const messages = await Promise.all([plain, withResponse, streamed]);
    const ids = ourSpans(h.exporter).map((s) => s.attributes["gen_ai.response.id"]);
    expect(ids.sort()).toEqual(messages.map((m) => m.id).sort());
  });

  it("is not ended early by garbage collection when the caller takes the call after a macrotask", async () => {
    // The response waits for the gate, so garbage is collected while the request is in flight.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gatedFetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      await gate;
      return fetch(url, init);
    };
    const gated = new AnthropicClient({ apiKey: "test-key", baseURL: h.server.url, maxRetries: 0, fetch: gatedFetch });
    // The promise stays untaken past the ownership check; then the async function
    // hands it on (`return p` keeps only the promise `then` returned, not `p`).
    const message = (async () => {
      const p = gated.messages.create(params);
      await new Promise((r) => setTimeout(r, 20));
      return p;
    })();
    await collect();
    expect(h.exporter.getFinishedSpans()).toHaveLength(0);
    open();
    const result = await message;
    expect(onlySpan(h.exporter).attributes["gen_ai.response.id"]).toBe(result.id);
  });

  it("ends a promise never awaited, and a stream never read, at garbage collection", async () => {
    h.server.reply({ kind: "message" }, longText);
    // Held until the check that nothing ended by itself, so that a garbage collection the runner
    // happens to run meanwhile cannot end them first; then dropped (the stream unread).
    const held: unknown[] = [client.messages.create(params)];
    await (async () => {
      held.push(await client.messages.create({ ...params, stream: true }));
    })();
    await new Promise((r) => setTimeout(r, 30));
    expect(h.exporter.getFinishedSpans()).toHaveLength(0);
    held.length = 0;
    await collect(10);
    await until(() => h.exporter.getFinishedSpans().length === 2);
    expect(ourSpans(h.exporter)).toHaveLength(2);
  });

  it("keeps tee() and toReadableStream() working, with one span", async () => {
    h.server.reply({ kind: "message", content: [{ type: "text", text: "tee me" }] });
    const stream = await client.messages.create({ ...params, stream: true });
    const [a, b] = stream.tee();
    const left: string[] = [];
    const right: string[] = [];
    for await (const e of a) left.push(e.type);
    for await (const e of b) right.push(e.type);
    expect(left).toEqual(right);
    expect(left.at(-1)).toBe("message_stop");
    expect(onlySpan(h.exporter).attributes["gen_ai.output.messages"]).toContain("tee me");
    h.exporter.reset();
    h.server.reply({ kind: "message", content: [{ type: "text", text: "readable" }] });
    const readable = (await client.messages.create({ ...params, stream: true })).toReadableStream();
    const text = await new Response(readable).text();
    expect(text).toContain("message_stop");
    expect(onlySpan(h.exporter).attributes["gen_ai.output.messages"]).toContain("readable");
  });

  it("passes unknown event types through untouched", async () => {
    h.server.reply({
      kind: "events",
      events: [
        { event: "message_start", data: { type: "message_start", message: { id: "msg_u", type: "message", role: "assistant", model: MODEL, content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } } } },
        { event: "future_event", data: { type: "future_event", payload: { a: 1 } } },
        { event: "content_block_delta", data: { type: "content_block_delta", index: 7, delta: { type: "future_delta", x: 1 } } },
        { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } } },
        { event: "message_stop", data: { type: "message_stop" } },
      ],
    });
    const stream = await client.messages.create({ ...params, stream: true });
    const seen: unknown[] = [];
    for await (const e of stream) seen.push(e);
    expect(seen[1]).toEqual({ type: "future_event", payload: { a: 1 } });
    expect(seen[2]).toEqual({ type: "content_block_delta", index: 7, delta: { type: "future_delta", x: 1 } });
    const span = onlySpan(h.exporter);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(2);
    expect(span.attributes["gen_ai.response.finish_reasons"]).toEqual(["end_turn"]);
  });
});

describe("the SDK's own tracing", () => {
  it("is on by default in this SDK, yet each call has exactly one span: ours", async () => {
    expect(Boolean((client as unknown as { _tracer?: unknown })._tracer)).toBe(true);
    await client.messages.create(params);
    await client.messages.stream(params).finalMessage();
    await client.beta.messages.stream(params).finalMessage();
    expect(h.exporter.getFinishedSpans()).toHaveLength(3);
    expect(sdkSpans(h.exporter)).toHaveLength(0);
  });

  it("with sdkSpans: 'defer', leaves the call to the SDK's own span (and traces clients without one)", async () => {
    instrumentation.setConfig({ sdkSpans: "defer" });
    try {
      await client.messages.create(params);
      await client.messages.stream(params).finalMessage();
      expect(ourSpans(h.exporter)).toHaveLength(0);
      expect(sdkSpans(h.exporter).map((s) => s.name)).toEqual(["anthropic.messages.create", "anthropic.messages.create"]);
      h.exporter.reset();
      const quiet = new AnthropicClient({ apiKey: "test-key", baseURL: h.server.url, maxRetries: 0, openTelemetry: false });
      await quiet.messages.create(params);
      expect(ourSpans(h.exporter)).toHaveLength(1);
      expect(sdkSpans(h.exporter)).toHaveLength(0);
    } finally {
      instrumentation.setConfig({});
    }
  });
});

describe("registration", () => {
  it("never double-wraps: a second instrumentation, and patching the module again", async () => {
    const second = new AnthropicInstrumentation({ enabled: false });
    second.setTracerProvider(h.provider);
    second.enable();
    second.manuallyInstrument(require("@anthropic-ai/sdk"));
    instrumentation.manuallyInstrument(AnthropicClient);
    expect(isPatched(AnthropicClient.Messages.prototype.create)).toBe(true);
    await client.messages.create(params);
    await client.messages.stream(params).finalText();
    expect(ourSpans(h.exporter)).toHaveLength(2);
    expect(h.exporter.getFinishedSpans()).toHaveLength(2);
    second.disable();
  });

  it("unpatches on disable (modules patched by hand pass through) and patches again on enable", async () => {
    const byHand = (await import("@anthropic-ai/sdk")).default;
    instrumentation.manuallyInstrument(byHand);
    instrumentation.disable();
    expect(isPatched(AnthropicClient.Messages.prototype.create)).toBe(false);
    await client.messages.create(params);
    await new byHand({ apiKey: "test-key", baseURL: h.server.url, maxRetries: 0, openTelemetry: false }).messages.create(params);
    expect(ourSpans(h.exporter)).toHaveLength(0);
    instrumentation.enable();
    instrumentation.manuallyInstrument(AnthropicClient);
    await client.messages.create(params);
    expect(ourSpans(h.exporter)).toHaveLength(1);
  });
});

describe("Bedrock and Vertex clients", () => {
  it("records aws.bedrock for AnthropicBedrock calls, plain and streamed", async () => {
    const { AnthropicBedrock } = require("@anthropic-ai/bedrock-sdk") as typeof import("@anthropic-ai/bedrock-sdk");
    const bedrock = new AnthropicBedrock({ apiKey: "bedrock-key", awsRegion: "us-east-1", baseURL: h.server.url, maxRetries: 0 });
    h.server.reply({ kind: "message", content: [{ type: "text", text: "from bedrock" }] }, { kind: "message", content: [{ type: "text", text: "streamed bedrock" }] });
    await bedrock.messages.create(params);
    expect(h.server.requests.at(-1)?.path).toBe(`/model/${MODEL}/invoke`);
    const text = await bedrock.messages.stream(params).finalText();
    expect(text).toBe("streamed bedrock");
    expect(h.server.requests.at(-1)?.path).toBe(`/model/${MODEL}/invoke-with-response-stream`);
    const spans = ourSpans(h.exporter);
    expect(h.exporter.getFinishedSpans()).toHaveLength(2);
    expect(spans.map((s) => s.attributes["gen_ai.provider.name"])).toEqual(["aws.bedrock", "aws.bedrock"]);
    expect(spans[1]!.attributes["gen_ai.output.messages"]).toContain("streamed bedrock");
  });

  it("records gcp.vertex_ai for AnthropicVertex calls", async () => {
    const { AnthropicVertex } = require("@anthropic-ai/vertex-sdk") as typeof import("@anthropic-ai/vertex-sdk");
    // A stand-in for google-auth-library's client: the Vertex client asks it for headers only.
    const authClient = { projectId: "proj", getRequestHeaders: async () => new Headers({ authorization: "Bearer test" }) };
    const vertex = new AnthropicVertex({ region: "us-east5", projectId: "proj", baseURL: h.server.url, authClient: authClient as never, maxRetries: 0 });
    h.server.reply({ kind: "message", content: [{ type: "text", text: "from vertex" }] });
    await vertex.messages.create(params);
    expect(h.server.requests.at(-1)?.path).toMatch(/:rawPredict$/);
    const span = onlySpan(h.exporter);
    expect(span.attributes["gen_ai.provider.name"]).toBe("gcp.vertex_ai");
    expect(span.attributes["gen_ai.output.messages"]).toContain("from vertex");
  });
});
