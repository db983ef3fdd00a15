import { afterEach, describe, expect, it } from "vitest";
import type { HumanloopTestServer } from "../testing/index.js";
import type { DeliveryQueue } from "../exporters/humanloop/delivery-queue.js";
import { RECENT_DROPS } from "../exporters/humanloop/log-ids.js";
import { llm, refOf, startChild, startServer, tool, withProcessor } from "./exporter-helpers.js";

/** What the exporter keeps per span while the backend is down (see bench/RESULTS.md, "backend down"). */

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
