/** A stream (or a promise) the caller drops unread ends its span at garbage collection. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GenAI } from "../src/core/attributes.js";
import { harness, SDKS, tick, type Harness } from "./openai-helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.server.close());

async function collect(): Promise<void> {
  for (let i = 0; i < 10 && h.spans().length === 0; i++) {
    gc();
    await tick(30);
  }
}

it("a stream never read ends its span at garbage collection", async () => {
  const client = new SDKS[0].mod.OpenAI({ apiKey: "k", baseURL: h.server.url, maxRetries: 0 });
  await (async () => {
    const stream = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    stream.controller.abort();
  })();
  expect(h.spans()).toHaveLength(0);
  await collect();
  expect(h.spans()).toHaveLength(1);
  expect(h.spans()[0]!.attributes[GenAI.REQUEST_STREAM]).toBe(true);
});

it("a call never awaited ends its span at garbage collection", async () => {
  h.exporter.reset();
  const client = new SDKS[0].mod.OpenAI({ apiKey: "k", baseURL: h.server.url, maxRetries: 0 });
  (() => {
    void client.embeddings.create({ model: "e", input: "x" });
  })();
  await tick(50);
  expect(h.spans()).toHaveLength(0);
  await collect();
  expect(h.spans().map((s) => s.name)).toEqual(["embeddings e"]);
});

it("a call taken after a macrotask is not ended by garbage collection while the caller awaits it", async () => {
  h.exporter.reset();
  // The response waits for the gate, so garbage is collected while the request is in flight.
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const gatedFetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    await gate;
    return fetch(url, init);
  };
  const client = new SDKS[0].mod.OpenAI({ apiKey: "k", baseURL: h.server.url, maxRetries: 0, fetch: gatedFetch });
  // The promise stays untaken past the ownership check; then the async function
  // hands it on (`return p` keeps only the promise `then` returned, not `p`).
  const completion = (async () => {
    const p = client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    await tick(20);
    return p;
  })();
  for (let i = 0; i < 5; i++) {
    gc();
    await tick(20);
  }
  expect(h.spans()).toHaveLength(0);
  open();
  const result = await completion;
  expect(h.spans()).toHaveLength(1);
  expect(h.spans()[0]!.attributes[GenAI.RESPONSE_ID]).toBe(result.id);
});
