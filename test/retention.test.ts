/**
 * Nothing of a traced call stays alive once it returned: after the event loop
 * turned and a GC, no CallSpan or SDK span of a finished call is left (the
 * span processor here keeps nothing), and a result taken at once is not held
 * for a later check either: its objects go in the same macrotask.
 */
import { queryObjects, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CallSpan, traceApiPromise, traceStream } from "../instrumentations/shared/index.js";
import { finalizationStats } from "../instrumentations/shared/call-span.js";
import { OpenAIInstrumentation } from "../instrumentations/openai/index.js";
import { TracerProvider, type SpanProcessor } from "../src/core/otel-sdk.js";
import { OpenAITestServer } from "../testing/openai-server.js";
import { SDKS } from "./openai-helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let ended = 0;
let spanClass: Function | undefined;
const keepsNothing: SpanProcessor = {
  onStart: (span) => void (spanClass ??= span.constructor),
  onEnd: () => void ended++,
  forceFlush: async () => {},
  shutdown: async () => {},
};
const provider = new TracerProvider({ spanProcessors: [keepsNothing] });
const tracer = provider.getTracer("retention-test");
const server = new OpenAITestServer();
beforeAll(() => server.start());
afterAll(() => server.close());

const live = (ctor: Function | undefined): number => (ctor ? (queryObjects(ctor, { format: "count" }) as number) : 0);
const microtasks = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};
const plainCall = (): CallSpan => new CallSpan(tracer.startSpan("chat m"), undefined, undefined, false);
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

it("a result awaited at once holds nothing after it settled, before the event loop turns", async () => {
  const before = ended;
  // The calls are made in a function that has returned, so the test's own frame holds none of them.
  const ids = await (async () => {
    const seen: unknown[] = [];
    for (let i = 0; i < 20; i++) seen.push(((await traceApiPromise(Promise.resolve({ id: i }), plainCall(), (_v, c) => c.finish())) as { id: number }).id);
    return seen;
  })();
  expect(ids).toHaveLength(20);
  await microtasks(5);
  gc();
  expect(ended - before).toBe(20);
  expect(live(CallSpan)).toBe(0);
  expect(live(spanClass)).toBe(0);
});

it("a stream read to its end holds nothing after it ended, before the event loop turns", async () => {
  async function* events(): AsyncGenerator<number> {
    yield 1;
    yield 2;
  }
  const before = ended;
  const seen = await (async () => {
    const chunks: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const stream = { iterator: () => events(), [Symbol.asyncIterator]() { return (this.iterator as () => AsyncIterator<number>)(); } };
      const value = await traceApiPromise(Promise.resolve(stream), new CallSpan(tracer.startSpan("chat m")), (v, c) => {
        if (!traceStream(v, c, { onChunk: (chunk) => chunks.push(chunk) })) c.finish();
      });
      for await (const _ of value as AsyncIterable<number>) void _;
    }
    return chunks;
  })();
  expect(seen).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
  await microtasks(5);
  gc();
  expect(ended - before).toBe(5);
  expect(live(CallSpan)).toBe(0);
});

it("no per-call object of real openai calls (plain, streamed, withResponse) is alive after the loop turned and a GC", async () => {
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(provider);
  const mod = SDKS[0].mod;
  instrumentation.manuallyInstrument(mod);
  const client = new mod.OpenAI({ apiKey: "k", baseURL: server.url, maxRetries: 0 });
  const messages = [{ role: "system" as const, content: "Be terse." }, { role: "user" as const, content: "Where is my order?" }];
  const before = ended;
  const answers = await (async () => {
    let n = 0;
    for (let i = 0; i < 10; i++) n += (await client.chat.completions.create({ model: "gpt-4o-mini", messages })).choices.length;
    for (let i = 0; i < 3; i++) {
      for await (const _ of await client.chat.completions.create({ model: "gpt-4o-mini", messages, stream: true })) void _;
    }
    n += (await client.chat.completions.create({ model: "gpt-4o-mini", messages }).withResponse()).data.choices.length;
    return n;
  })();
  expect(answers).toBe(11);
  await turn();
  gc();
  expect(ended - before).toBe(14);
  expect(live(CallSpan)).toBe(0);
  expect(live(spanClass)).toBe(0);
  instrumentation.disable();
});

it("calls that ended leave nothing for the finalization registry: only a result dropped unread is cleaned up at GC", async () => {
  async function* events(): AsyncGenerator<number> {
    for (let i = 0; i < 5; i++) {
      await turn(); // a stream outlives the ownership check, so its iterator is registered
      yield i;
    }
  }
  const sdkStream = () => ({ iterator: () => events(), [Symbol.asyncIterator]() { return (this.iterator as () => AsyncIterator<number>)(); } });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await turn();
      gc();
    }
    await turn();
  };
  await settle();
  const before = finalizationStats.cleanups;
  const endedBefore = ended;
  const read = await (async () => {
    let n = 0;
    for (let i = 0; i < 10; i++) {
      const value = await traceApiPromise(Promise.resolve(sdkStream()), new CallSpan(tracer.startSpan("chat m")), (v, c) => {
        if (!traceStream(v, c, { onChunk: () => n++ })) c.finish();
      });
      for await (const _ of value as AsyncIterable<number>) void _;
    }
    // a result taken after the ownership check (registered), then settled
    const late = traceApiPromise(Promise.resolve({ id: 1 }), plainCall(), (_v, c) => c.finish());
    await turn();
    await late;
    return n;
  })();
  expect(read).toBe(50);
  await settle();
  expect(ended - endedBefore).toBe(11);
  expect(finalizationStats.cleanups - before).toBe(0);

  // the control: a stream dropped unread is found by the registry and ends "abandoned"
  (() => {
    void traceApiPromise(Promise.resolve(sdkStream()), new CallSpan(tracer.startSpan("chat m")), (v, c) => {
      if (!traceStream(v, c, { onChunk: () => {} })) c.finish();
    });
  })();
  await settle();
  await settle();
  expect(finalizationStats.cleanups - before).toBeGreaterThan(0);
  expect(ended - endedBefore).toBe(12);
});
