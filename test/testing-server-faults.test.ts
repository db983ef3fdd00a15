import { afterEach, describe, expect, it } from "vitest";
import { HumanloopTestServer, type Faults, type HumanloopTestServerOptions } from "../testing/index.js";

const servers: HumanloopTestServer[] = [];
async function start(options: HumanloopTestServerOptions = {}) {
  const server = await HumanloopTestServer.start(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let counter = 0;
const log = (extra: Record<string, unknown> = {}) => ({ project: "p", reference_id: `r${++counter}`, config: { type: "tool", name: "t" }, ...extra });

async function post(server: HumanloopTestServer, body: unknown, path = "/logs") {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": server.apiKey },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res;
}

/** The status of each of `n` sequential requests, "reset" for a destroyed connection. */
async function statuses(server: HumanloopTestServer, n: number): Promise<Array<number | "reset">> {
  const out: Array<number | "reset"> = [];
  for (let i = 0; i < n; i += 1) {
    out.push(await post(server, log()).then((r) => r.status, () => "reset" as const));
  }
  return out;
}

describe("scripted faults", () => {
  it("failNext answers the status before validation, storing nothing, then recovers", async () => {
    const server = await start();
    server.failNext(2, { status: 503 });
    expect((await post(server, { not: "valid" })).status).toBe(503);
    expect((await post(server, log())).status).toBe(503);
    expect((await post(server, log())).status).toBe(200);
    expect(server.logs()).toHaveLength(1);
    expect(server.stats.faultsInjected).toEqual({ "503": 2 });
    expect(server.stats.rejected).toEqual([]);
    expect(server.stats.requests["POST /v4/logs"]).toEqual({ "503": 2, "200": 1 });
  });

  it("sends Retry-After with a scripted 429", async () => {
    const server = await start();
    server.failNext(1, { status: 429, retryAfter: 7 });
    const res = await post(server, log());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
  });

  it("store-then-reset stores the log, destroys the connection, and a retry is a duplicate", async () => {
    const server = await start();
    server.failNext(1, { reset: true });
    const body = log();
    await expect(post(server, body)).rejects.toThrow();
    expect(server.logs().map((l) => l.reference_id)).toEqual([body.reference_id]);
    const retry = await fetch(`${server.url}/logs`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": server.apiKey },
      body: JSON.stringify(body),
    });
    expect(retry.status).toBe(422);
    expect(((await retry.json()) as { detail: Array<{ type: string }> }).detail[0]!.type).toBe("duplicate_reference_id");
    expect(server.stats.resetsInjected).toBe(1);
    expect(server.stats.requests["POST /v4/logs"]).toEqual({ reset: 1, "422": 1 });
  });

  it("gives an injected 4xx the usual body shape", async () => {
    const server = await start();
    server.failNext(1, { status: 422 });
    const res = await post(server, log());
    expect(res.status).toBe(422);
    server.failNext(1, { status: 422 });
    const again = await fetch(`${server.url}/sessions`, { method: "POST", headers: { "x-api-key": server.apiKey } });
    expect(await again.json()).toEqual({ detail: [expect.objectContaining({ loc: ["body"], type: "injected" })] });
    expect(server.logs()).toEqual([]);
  });

  it("applies only to matching paths", async () => {
    const server = await start();
    server.failNext(1, { status: 500, path: "/feedback" });
    expect((await post(server, log())).status).toBe(200);
    expect((await post(server, { type: "rating", data_id: server.logs()[0]!.id }, "/feedback")).status).toBe(500);
    expect((await post(server, { type: "rating", data_id: server.logs()[0]!.id }, "/feedback")).status).toBe(200);
  });
});

describe("random faults", () => {
  it.each([500, 502, 503, 504] as const)("injects %i at rate 1", async (status) => {
    const server = await start({ faults: { status: { [status]: 1 } } });
    expect(await statuses(server, 3)).toEqual([status, status, status]);
    expect(server.logs()).toEqual([]);
  });

  it("injects 429 with Retry-After (default 1 second, configurable, or none)", async () => {
    const server = await start({ faults: { status: { 429: 1 } } });
    expect((await post(server, log())).headers.get("retry-after")).toBe("1");
    server.setFaults({ status: { 429: 1 }, retryAfter: 3 });
    expect((await post(server, log())).headers.get("retry-after")).toBe("3");
    server.setFaults({ status: { 429: 1 }, retryAfter: null });
    const res = await post(server, log());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeNull();
  });

  it("stores then resets at rate 1", async () => {
    const server = await start({ faults: { reset: 1 } });
    expect(await statuses(server, 2)).toEqual(["reset", "reset"]);
    expect(server.logs()).toHaveLength(2);
    expect(server.stats.resetsInjected).toBe(2);
  });

  it("filters by path (prefix or RegExp)", async () => {
    const server = await start({ faults: { status: { 500: 1 }, path: "/feedback" } });
    expect((await post(server, log())).status).toBe(200);
    server.setFaults({ status: { 500: 1 }, path: /^\/logs$/ });
    expect((await post(server, log())).status).toBe(500);
  });

  it("repeats the same faults for the same seed, and differs for another", async () => {
    const faults: Faults = { status: { 500: 0.15, 502: 0.1, 503: 0.1, 504: 0.1, 429: 0.1 }, reset: 0.15 };
    const a = await statuses(await start({ faults, seed: 42 }), 40);
    const b = await statuses(await start({ faults, seed: 42 }), 40);
    const c = await statuses(await start({ faults, seed: 7 }), 40);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBeGreaterThan(4);
    const server = servers[0]!;
    server.reset();
    expect(await statuses(server, 40)).toEqual(a);
    server.setFaults(faults, 7);
    expect(await statuses(server, 40)).toEqual(c);
  });

  it("adds fixed or ranged latency, and counts concurrent requests", async () => {
    const server = await start({ faults: { latency: 80 } });
    let t0 = performance.now();
    await post(server, log());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    // Long enough that the five requests overlap even on a loaded machine; served one after another they would take >= 1,500 ms.
    server.setFaults({ latency: [300, 400] });
    t0 = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => post(server, log())));
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(299);
    expect(elapsed).toBeLessThan(1500);
    expect(server.stats.maxConcurrent).toBe(5);
    server.setFaults({});
    await post(server, [log(), log(), log()]);
    expect(server.stats.maxBatchSize).toBe(3);
  });

  it("refuses malformed faults with a message saying what is wrong, instead of injecting nothing", async () => {
    await expect(HumanloopTestServer.start({ faults: { rest: 0.5 } as never })).rejects.toThrow(/unknown field "rest" \(expected status, retryAfter, reset, latency, path\)/);
    const server = await start();
    expect(() => server.setFaults({ status: { 404: 0.5 } } as never)).toThrow(/status 404 cannot be injected/);
    expect(() => server.setFaults({ status: { 503: 5 } })).toThrow(/rate of status 503 must be a number in \[0, 1\]/);
    expect(() => server.setFaults({ status: { 503: 0.6, 500: 0.6 } })).toThrow(/add up to 1.2, more than 1/);
    expect(() => server.setFaults({ reset: -1 })).toThrow(/"reset" must be a number in \[0, 1\]/);
    expect(() => server.setFaults({ latency: [40, 20] })).toThrow(/"latency" must be milliseconds/);
    expect(() => server.setFaults({ retryAfter: "1" } as never)).toThrow(/"retryAfter" must be seconds/);
  });
});
