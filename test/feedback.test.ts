import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { context, diag, DiagLogLevel, trace } from "@opentelemetry/api";
import * as openai from "openai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { HumanloopTestServer } from "../testing/index.js";
import { OpenAITestServer } from "../testing/openai-server.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { HumanloopFeedbackError } from "../src/feedback/feedback-error.js";
import { getFeedbackSink } from "../src/core/feedback-sink.js";
import { feedback } from "../src/feedback/feedback.js";
import { currentLogRef, logRefOf } from "../src/feedback/log-ref.js";
import { AsyncLocalStorageContextManager, TracerProvider } from "../src/core/otel-sdk.js";
import { referenceIdOf } from "../src/core/reference.js";
import { traced } from "../src/tracing/traced.js";
import { updateCurrentLog } from "../src/feedback/update-log.js";

// feedback() and updateCurrentLog() end to end: a real TracerProvider, the
// OpenAI instrumentation against its wire-format test server, traced(), the
// Humanloop span processor and the strict local Humanloop server.

let humanloop: HumanloopTestServer;
let model: OpenAITestServer;
let processor: HumanloopSpanProcessor;
let provider: TracerProvider;
let client: openai.OpenAI;
const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn(), verbose: vi.fn() };
const reports = () => [...logger.error.mock.calls, ...logger.warn.mock.calls].map((c) => String(c[0]));

beforeAll(async () => {
  vi.stubEnv("HUMANLOOP_API_KEY", "");
  humanloop = await HumanloopTestServer.start();
  model = new OpenAITestServer();
  await model.start();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  processor = new HumanloopSpanProcessor({
    apiKey: humanloop.apiKey,
    baseUrl: humanloop.url,
    project: "support-bot",
    // Batches wait 100 ms: feedback given right after a call always comes before its log is delivered.
    scheduledDelayMillis: 100,
    retryInitialDelayMillis: 2,
    retryMaxDelayMillis: 20,
    parentWaitMillis: 2_000,
  });
  provider = new TracerProvider({ spanProcessors: [processor] });
  trace.setGlobalTracerProvider(provider);
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(provider);
  instrumentation.manuallyInstrument(openai);
  client = new openai.OpenAI({ apiKey: "k", baseURL: model.url, maxRetries: 0 });
});
afterAll(async () => {
  await provider.shutdown();
  await model.close();
  await humanloop.close();
  trace.disable();
  context.disable();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  humanloop.reset();
  for (const fn of Object.values(logger)) fn.mockReset();
  diag.setLogger(logger, DiagLogLevel.WARN);
});
afterEach(() => diag.disable());

const ask = (content: string) => client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content }] });
const json = (text: unknown) => (typeof text === "string" ? (JSON.parse(text) as unknown) : text);

describe("feedback() on this process's logs", () => {
  it("the processor registers itself as the feedback sink", () => {
    expect(getFeedbackSink()).toBe(processor);
  });

  it("feedback given right after a call, before its log is delivered, arrives attached to that log", async () => {
    model.reply({ kind: "answer", text: "Your order ships today." }, { kind: "answer", text: "You're welcome!" });
    const first = await ask("Where is my order?");
    const second = await ask("Thanks!");
    const ref = logRefOf(first)!;
    expect(humanloop.log(ref)).toBeUndefined(); // not delivered yet
    await feedback(ref, { type: "rating", value: "good", user: "user-42" });
    const log = humanloop.log(ref)!;
    expect(log.output).toBe("Your order ships today.");
    expect(humanloop.feedback()).toEqual([expect.objectContaining({ data_id: log.id, type: "rating", value: "good", user: "user-42" })]);
    expect(humanloop.log(logRefOf(second)!)?.id).not.toBe(log.id);
    expect(processor.stats?.feedback).toBeGreaterThanOrEqual(1);
  });

  it("every feedback type reaches the server as the v4 body: built-in, custom, unset", async () => {
    const ref = logRefOf(await ask("rate me"))!;
    await Promise.all([
      feedback(ref, { type: "issue", value: "Not factual", user: "agent-7", createdAt: "2025-03-01T11:00:00+01:00" }),
      feedback(ref, { type: "resolved", value: true }),
      feedback(ref, { type: "helpfulness", value: 4 }),
      feedback(ref, { type: "rating", unset: true }),
    ]);
    const id = humanloop.log(ref)!.id;
    const stored = humanloop.feedback().map(({ id: _id, created_at, ...rest }) => ({ ...rest, created: typeof created_at }));
    expect(stored).toEqual(
      expect.arrayContaining([
        { data_id: id, type: "issue", value: "Not factual", user: "agent-7", created: "string" },
        { data_id: id, type: "resolved", value: true, created: "string" },
        { data_id: id, type: "helpfulness", value: 4, created: "string" },
        { data_id: id, type: "rating", unset: true, created: "string" },
      ]),
    );
    expect(stored).toHaveLength(4);
    expect(humanloop.feedback().find((f) => f.type === "issue")?.created_at).toBe("2025-03-01T11:00:00+01:00");
  });

  it("feedback on a streamed call's log, given before the stream is read, waits for the log", async () => {
    model.reply({ kind: "answer", text: "Streaming answer here", chunks: 4 });
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "stream please" }], stream: true });
    const ref = logRefOf(stream)!;
    expect(ref).toBeDefined();
    const given = feedback(ref, { type: "correction", value: "Streaming answer, corrected" });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    await given;
    const log = humanloop.log(ref)!;
    expect(log.output).toBe(text);
    expect(humanloop.feedback()).toEqual([expect.objectContaining({ data_id: log.id, type: "correction", value: "Streaming answer, corrected" })]);
  });

  it("currentLogRef() inside a traced function: feedback given while it runs attaches to its log", async () => {
    let pending: Promise<void> | undefined;
    let ref: string | undefined;
    const answer = traced(
      async function answer(question: string) {
        ref = currentLogRef();
        pending = feedback(ref!, { type: "action", value: "copy" });
        return (await ask(question)).choices[0]?.message.content;
      },
      { kind: "agent" },
    );
    await answer("Where is my order?");
    await pending;
    const agent = humanloop.log(ref!)!;
    expect((agent.config as { name?: string }).name).toBe("answer");
    expect(humanloop.feedback()).toEqual([expect.objectContaining({ data_id: agent.id, type: "action", value: "copy" })]);
  });

  it("arrives exactly once through 503, 502, 429 and a store-then-reset of its log", async () => {
    humanloop.failNext(1, { reset: true, path: "/logs" });
    humanloop.failNext(2, { status: 503, path: "/feedback" });
    humanloop.failNext(1, { status: 429, retryAfter: 0, path: "/feedback" });
    humanloop.failNext(1, { status: 502, path: "/feedback" });
    const refs = [];
    for (let i = 0; i < 3; i++) refs.push(logRefOf(await ask(`question ${i}`))!);
    await Promise.all(refs.map((ref, i) => feedback(ref, { type: "rating", value: i === 1 ? "bad" : "good" })));
    expect(humanloop.stats.resetsInjected).toBe(1);
    expect(humanloop.logs()).toHaveLength(3);
    const byLog = new Map(refs.map((ref) => [humanloop.log(ref)!.id, ref]));
    expect(humanloop.feedback()).toHaveLength(3);
    expect(new Set(humanloop.feedback().map((f) => f.data_id))).toEqual(new Set(byLog.keys()));
    expect(humanloop.feedback().find((f) => f.value === "bad")?.data_id).toBe(humanloop.log(refs[1]!)!.id);
  });

  it("arrives exactly once per log under random 5xx/429 everywhere and resets of log creation", async () => {
    humanloop.setFaults({ status: { 500: 0.15, 503: 0.1, 429: 0.1 }, retryAfter: 0 }, 11);
    humanloop.failNext(3, { reset: true, path: "/logs" });
    try {
      const refs = await Promise.all(Array.from({ length: 12 }, async (_, i) => logRefOf(await ask(`q${i}`))!));
      await Promise.all(refs.map((ref) => feedback(ref, { type: "rating", value: "good" })));
      const ids = refs.map((ref) => humanloop.log(ref)!.id);
      expect(humanloop.feedback().map((f) => f.data_id).sort()).toEqual([...ids].sort());
      expect(humanloop.logs()).toHaveLength(12);
      expect(humanloop.stats.resetsInjected).toBe(3);
      expect(Object.keys(humanloop.stats.faultsInjected).length).toBeGreaterThan(0);
      expect(humanloop.stats.requests["POST /v4/feedback"]).toMatchObject({ "200": expect.any(Number) });
    } finally {
      humanloop.setFaults({});
    }
  });

  it("a log that could not be delivered: feedback rejects saying so", async () => {
    humanloop.failNext(20, { status: 400, path: "/logs" });
    const ref = logRefOf(await ask("doomed"))!;
    const err = (await feedback(ref, { type: "rating", value: "good" }).catch((e: unknown) => e)) as HumanloopFeedbackError;
    expect(err).toBeInstanceOf(HumanloopFeedbackError);
    expect(err.message).toMatch(new RegExp(`feedback for ${ref} not delivered: its log was not stored`));
    expect(humanloop.feedback()).toEqual([]);
  });

  it("a 404 from POST /feedback: rejects with the server's detail, reported once through diag", async () => {
    const ref = logRefOf(await ask("soon forgotten"))!;
    await feedback(ref, { type: "rating", value: "good" });
    const id = humanloop.log(ref)!.id;
    humanloop.reset(); // the server forgets the log; the processor still knows its id
    const err = (await feedback(ref, { type: "comment", value: "late" }).catch((e: unknown) => e)) as HumanloopFeedbackError;
    expect(err).toBeInstanceOf(HumanloopFeedbackError);
    expect(err.status).toBe(404);
    expect(err.detail).toEqual([{ loc: ["body", "data_id"], msg: `Log ${id} not found`, type: "not_found" }]);
    expect(err.message).toContain(`Log ${id} not found`);
    const about404 = reports().filter((r) => r.includes("404"));
    expect(about404).toHaveLength(1);
    expect(about404[0]).toContain(`Log ${id} not found`);
  });

  it("a reference from another process is resolved by PATCH, with the processor's credentials", async () => {
    const ref = referenceIdOf({ traceId: randomBytes(16).toString("hex"), spanId: randomBytes(8).toString("hex") });
    const script = `
      const [url, key, ref] = process.argv.slice(1);
      const res = await fetch(url + "/logs", { method: "POST", headers: { "X-API-KEY": key, "Content-Type": "application/json" },
        body: JSON.stringify({ project: "support-bot", reference_id: ref, config: { type: "model", model: "gpt-4o-mini" }, output: "hi" }) });
      if (res.status !== 200) throw new Error(String(res.status));`;
    await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, humanloop.url, humanloop.apiKey, ref]);
    expect(processor.hasLog(ref)).toBe(false);
    await feedback(ref, { type: "rating", value: "bad", createdAt: new Date("2025-03-01T10:00:00Z") });
    expect(humanloop.feedback()).toEqual([
      expect.objectContaining({ data_id: humanloop.log(ref)!.id, type: "rating", value: "bad", created_at: "2025-03-01T10:00:00.000Z" }),
    ]);
  });
});

describe("updateCurrentLog() on this process's logs", () => {
  it("metadata, inputs, source, environment and feedback land on the traced function's log only", async () => {
    const lookup = traced(async function lookup(id: string) {
      return { id, status: "shipped" };
    }, { kind: "tool" });
    const resolve = traced(
      async function resolve(question: string) {
        updateCurrentLog({
          metadata: { customer_tier: "gold" },
          inputs: { locale: "de" },
          source: "chat-widget",
          environment: "staging",
          feedback: { type: "rating", value: "good" },
        });
        const order = await lookup("A-17");
        return (await ask(`${question} ${order.status}`)).choices[0]?.message.content;
      },
      { kind: "chain", metadata: { version: 3 } },
    );
    const answer = traced(async function answer(question: string) {
      return resolve(question);
    }, { kind: "agent" });
    await answer("Where is my order?");
    await processor.forceFlush();

    const byName = (name: string) => humanloop.logs().find((l) => (l.config as { name?: string }).name === name)!;
    const mid = byName("resolve");
    expect(mid.metadata).toMatchObject({ version: 3, customer_tier: "gold" });
    expect(mid.inputs).toMatchObject({ question: "Where is my order?", locale: "de" });
    expect(mid.source).toBe("chat-widget");
    expect(mid.environment).toBe("staging");
    expect(json(mid.feedback)).toEqual([{ type: "rating", value: "good" }]);

    const parent = byName("answer");
    const child = byName("lookup");
    const llm = humanloop.logs().find((l) => (l.config as { type: string }).type === "model")!;
    expect(child.parent_id).toBe(mid.id);
    expect(llm.parent_id).toBe(mid.id);
    expect(mid.parent_id).toBe(parent.id);
    for (const other of [parent, child, llm]) {
      expect(JSON.stringify(other.metadata ?? {})).not.toContain("customer_tier");
      expect(JSON.stringify(other.inputs ?? {})).not.toContain("locale");
      expect(other.source).toBeUndefined();
      expect(other.environment).toBeUndefined();
      expect(other.feedback).toBeUndefined();
    }
  });
});
