import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { GenAI } from "../src/core/attributes.js";
import type { HumanloopTestServer } from "../testing/index.js";
import type { DeliveryQueue } from "../exporters/humanloop/delivery-queue.js";
import { RECENT_DROPS } from "../exporters/humanloop/log-ids.js";
import { llm, refOf, startChild, startServer, tool, withProcessor } from "./exporter-helpers.js";

/** What the exporter keeps per span while the backend is down (see bench/RESULTS.md, "backend down"). */

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const servers: HumanloopTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A processor whose queue is full at once: the backend answers 503, one item fits. */
async function fullQueue() {
  const s = await startServer({ status: { 503: 1 }, retryAfter: null });
  servers.push(s);
  const setup = withProcessor(s, { maxQueueSize: 1, retryDeadlineMillis: 60_000, shutdownTimeoutMillis: 200 });
  const queue = (setup.processor as unknown as { delivery: { queue: DeliveryQueue } }).delivery.queue;
  startChild(setup.tracer, "first", undefined, llm()).end(); // takes the one place
  return { ...setup, queue };
}

describe("backend down: dropped spans are not remembered one by one", () => {
  it("keeps no registry entry per dropped leaf span", async () => {
    const { processor, tracer, queue } = await fullQueue();
    for (let i = 0; i < 20_000; i++) startChild(tracer, "chat", undefined, llm()).end();
    expect(processor.stats!.dropped).toBe(20_000);
    expect(queue.logIds.size).toBeLessThan(10);
    await processor.shutdown();
  });

  it("still fails a recently dropped log at once", async () => {
    const { processor, tracer } = await fullQueue();
    const span = startChild(tracer, "chat", undefined, llm());
    span.end();
    await expect(processor.logIdOf(refOf(span), 5_000)).rejects.toThrow(/dropped/);
    expect(processor.hasLog(refOf(span))).toBe(true);
    await processor.shutdown();
  });

  it("remembers a dropped parent that a still-open child will name", async () => {
    const { processor, tracer, queue } = await fullQueue();
    const parent = startChild(tracer, "agent", undefined, tool());
    const child = startChild(tracer, "chat", parent, llm());
    parent.end(); // dropped while its child is open
    for (let i = 0; i < RECENT_DROPS * 2; i++) startChild(tracer, "chat", undefined, llm()).end();
    expect(queue.logIds.get(refOf(parent))).toMatchObject({ status: "failed" });
    child.end();
    await processor.shutdown();
  });
});

describe("backend down: a full queue", () => {
  it("holds its logs as bytes outside the JavaScript heap, not as strings the garbage collector copies", async () => {
    const s = await startServer({ status: { 503: 1 }, retryAfter: null });
    servers.push(s);
    const { processor, tracer } = withProcessor(s, { maxQueueSize: 2_000, retryDeadlineMillis: 60_000, shutdownTimeoutMillis: 200 });
    const answer = JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "x".repeat(4_000) }], finish_reason: "stop" }]);
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < 2_000; i++) startChild(tracer, "chat", undefined, { ...llm(), [GenAI.OUTPUT_MESSAGES]: answer }).end();
    gc();
    const after = process.memoryUsage();
    expect(processor.stats!.dropped).toBe(0);
    // 2,000 bodies that carry the 4,000-character answer (as output and output message): about 39 MB of Buffer
    // memory here; the heap keeps only the items' small records (about 1 KB each). Held as strings, the same
    // bodies grew the heap by as much, and Buffer memory by less than 7 MB.
    expect(after.arrayBuffers - before.arrayBuffers).toBeGreaterThan(16 * 2 ** 20);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 2 ** 20);
    await processor.shutdown();
  });
});
