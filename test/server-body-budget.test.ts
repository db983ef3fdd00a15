/**
 * The server holds at most `maxBufferedBodyBytes` of request bodies at once
 * (bounded memory however many clients send): past it a request is answered
 * 503 with Retry-After, stores nothing, and goes through when retried.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BodyBudget } from "../server/http-io.js";
import { HumanloopTestServer } from "../testing/index.js";
import { FAST, llm, startChild, tool, withProcessor } from "./exporter-helpers.js";

const servers: HumanloopTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let counter = 0;
/** `n` logs whose JSON is about `bytes` long in all. */
const logs = (n: number, bytes: number) =>
  Array.from({ length: n }, () => ({ project: "p", reference_id: `r${++counter}`, config: { type: "tool", name: "t" }, output: "x".repeat(Math.floor(bytes / n)) }));

describe("BodyBudget", () => {
  it("holds up to its limit, always lets one body in, and takes back what is given", () => {
    const budget = new BodyBudget(100);
    expect(budget.take(250)).toBe(true); // alone: let in (the size limit decides)
    expect(budget.take(1)).toBe(false);
    budget.give(250);
    expect(budget.take(60)).toBe(true);
    expect(budget.take(40)).toBe(true);
    expect(budget.take(1)).toBe(false);
    budget.give(40);
    expect(budget.held).toBe(60);
  });
});

describe("a server with a small body budget", () => {
  it("answers 503 with Retry-After while another body is held, stores nothing of it, then takes the retry", async () => {
    const server = await HumanloopTestServer.start({ maxBufferedBodyBytes: 256 * 1024 });
    servers.push(server);
    const url = new URL(server.url);

    // A slow sender: 200 KB declared, 150 KB sent, the rest later.
    const slowBody = Buffer.from(JSON.stringify(logs(20, 200 * 1024)));
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    const answer = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString();
        if (text.includes("\r\n\r\n") && text.includes("]")) resolve(text);
      });
    });
    socket.write(
      `POST /v4/logs HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\nx-api-key: ${server.apiKey}\r\ncontent-length: ${slowBody.length}\r\n\r\n`,
    );
    socket.write(slowBody.subarray(0, 150 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const other = logs(10, 150 * 1024);
    const post = () =>
      fetch(`${server.url}/logs`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": server.apiKey }, body: JSON.stringify(other) });
    const busy = await post();
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(await busy.json()).toEqual({ detail: expect.stringMatching(/Server busy: .* nothing was stored, retry later/) });
    expect(server.logs()).toHaveLength(0);

    socket.write(slowBody.subarray(150 * 1024));
    expect(await answer).toMatch(/^HTTP\/1\.1 200/);
    socket.end();
    const retried = await post();
    expect(retried.status).toBe(200);
    expect(server.logs()).toHaveLength(30);
    expect(server.stats.requests).toMatchObject({ "POST /v4/logs": { 200: 2, 503: 1 } });
  });

  it("still gets every log of a busy exporter through exactly once, in the right tree", async () => {
    // Room for about two of the exporter's requests at once, with 8 in flight, each held 20-60 ms (a slow disk).
    const server = await HumanloopTestServer.start({ maxBufferedBodyBytes: 96 * 1024, faults: { latency: [20, 60] } });
    servers.push(server);
    const { processor, provider, tracer } = withProcessor(server, { ...FAST, maxConcurrentRequests: 8, maxBatchSize: 20 });
    const roots = Array.from({ length: 40 }, (_, i) => {
      const root = startChild(tracer, `agent-${i}`, undefined, tool(`agent-${i}`));
      for (let k = 0; k < 5; k += 1) startChild(tracer, "llm", root, { ...llm(), "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "y".repeat(800) }] }]) }).end();
      root.end();
      return root;
    });
    await provider.forceFlush();
    await provider.shutdown();
    expect(roots).toHaveLength(40);
    expect(processor.stats).toMatchObject({ dropped: 0, failed: 0 });
    expect(server.stats.rejected).toEqual([]);
    expect(server.stats.requests["POST /v4/logs"]?.[503] ?? 0).toBeGreaterThan(0);
    const stored = server.logs();
    expect(stored).toHaveLength(240);
    expect(new Set(stored.map((l) => l.reference_id)).size).toBe(240);
    const trees = server.trees();
    expect(trees.flatMap((t) => t.roots)).toHaveLength(40);
    for (const root of trees.flatMap((t) => t.roots)) expect(root.children).toHaveLength(5);
  });
});
