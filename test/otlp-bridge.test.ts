import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HumanloopOtlpBridge, type BridgeOptions } from "../bridge/index.js";
import { Spool } from "../bridge/spool.js";
import { UNLINKED_REASON_KEY } from "../exporters/humanloop/index.js";
import type { HumanloopTestServer } from "../testing/index.js";
import { FAST, serverPool } from "./exporter-helpers.js";
import { otlpJson, postOtlp, tool, type SpanSpec } from "./otlp-helpers.js";

const { server, closeServers } = serverPool();
const bridges: HumanloopOtlpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close(500)));
  await closeServers();
});

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const ref = (spanId: string) => `${T}-${spanId}`;
const spool = () => path.join(mkdtempSync(path.join(tmpdir(), "hl-bridge-")), "spool.sqlite");

async function startBridge(target: HumanloopTestServer, options: BridgeOptions = {}): Promise<HumanloopOtlpBridge> {
  const bridge = await HumanloopOtlpBridge.start({ apiKey: target.apiKey, baseUrl: target.url, port: 0, spoolPath: spool(), delivery: FAST, ...options });
  bridges.push(bridge);
  return bridge;
}

const send = (endpoint: string, key: string, spans: SpanSpec[]) => postOtlp(endpoint, JSON.stringify(otlpJson(spans)), { key });

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** root R (tool) <- H (HTTP, not logged) <- M (model); root R <- S (tool) */
const R = tool(T, "a000000000000001", "root");
const H: SpanSpec = { traceId: T, spanId: "a000000000000002", parentSpanId: R.spanId, name: "GET /x", attributes: { "http.request.method": "GET" } };
const M: SpanSpec = { traceId: T, spanId: "a000000000000003", parentSpanId: H.spanId, name: "chat m", attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" } };
const S = tool(T, "a000000000000004", "step", R.spanId);

describe("OTLP in: out of order, split, duplicated, orphaned", () => {
  for (const where of ["server", "bridge"] as const) {
    it(`${where}: children sent before their parent, in other requests, follow it; a resent span is logged once`, async () => {
      const s = await server();
      const endpoint = where === "server" ? s.url.replace(/\/v4$/, "/v1/traces") : `${(await startBridge(s)).url}/v1/traces`;
      for (const batch of [[M], [S, H], [M], [R], [S]]) expect((await send(endpoint, s.apiKey, batch)).status).toBe(200);
      await until(() => s.logCount === 3);
      await new Promise((r) => setTimeout(r, 50));
      const logs = s.logs();
      expect(logs.map((l) => [l.reference_id, l.parent_reference_id]).sort()).toEqual([
        [ref(R.spanId), undefined],
        [ref(M.spanId), ref(R.spanId)],
        [ref(S.spanId), ref(R.spanId)],
      ]);
      expect(s.trees()).toHaveLength(1);
      expect(s.stats.rejected).toEqual([]);
    });
  }

  it("a parent that never arrives: its children go out unlinked after maxWaitMillis, the reason in metadata, grandchildren linked to them", async () => {
    const s = await server();
    const bridge = await startBridge(s, { maxWaitMillis: 200 });
    const child = tool(T, "b000000000000001", "orphan", "bfffffffffffffff");
    const grandchild = tool(T, "b000000000000002", "under-orphan", child.spanId);
    expect((await send(`${bridge.url}/v1/traces`, s.apiKey, [grandchild, child])).status).toBe(200);
    expect(bridge.stats.waiting).toBe(2);
    await until(() => s.logCount === 2 && bridge.stats.pendingLogs === 0);
    const orphan = s.log(ref(child.spanId))!;
    expect(orphan.parent_reference_id).toBeUndefined();
    expect((orphan.metadata as Record<string, unknown> | undefined)?.[UNLINKED_REASON_KEY]).toMatch(/parent span bfffffffffffffff not received within 200 ms/);
    expect(s.log(ref(grandchild.spanId))!.parent_reference_id).toBe(ref(child.spanId));
    expect(bridge.stats).toMatchObject({ unlinkedTimeout: 1, waiting: 0, delivered: 2 });
  });

  it("bounded waiting: beyond maxWaitingSpans the oldest wait ends (unlinked, counted)", async () => {
    const s = await server();
    const bridge = await startBridge(s, { maxWaitingSpans: 2 });
    const orphans = ["c000000000000001", "c000000000000002", "c000000000000003"].map((id, i) => tool(T, id, `o${i}`, `d00000000000000${i + 1}`));
    for (const o of orphans) await send(`${bridge.url}/v1/traces`, s.apiKey, [o]);
    await until(() => s.logCount === 1);
    expect((s.logs()[0]!.metadata as Record<string, unknown> | undefined)?.[UNLINKED_REASON_KEY]).toMatch(/maxWaitingSpans 2/);
    expect(bridge.stats).toMatchObject({ unlinkedCapacity: 1, waiting: 2 });
  });

  it("answers 429 with Retry-After when it holds maxPendingSpans undelivered spans", async () => {
    const s = await server({ status: { 503: 1 } });
    const bridge = await startBridge(s, { maxPendingSpans: 2 });
    const first = await send(`${bridge.url}/v1/traces`, s.apiKey, [tool(T, "e000000000000001", "a"), tool(T, "e000000000000002", "b")]);
    expect(first.status).toBe(200);
    const second = await send(`${bridge.url}/v1/traces`, s.apiKey, [tool(T, "e000000000000003", "c")]);
    expect([second.status, second.retryAfter, JSON.parse(second.bytes.toString()).code]).toEqual([429, "1", 8]);
    expect(bridge.stats.busy).toBe(1);
  });
});

describe("the bridge's durable spool", () => {
  it("what was acknowledged but not delivered is delivered by the next bridge on the same spool, once, in the right tree", async () => {
    const s = await server({ status: { 503: 1 } });
    const file = spool();
    const first = await startBridge(s, { spoolPath: file });
    expect((await send(`${first.url}/v1/traces`, s.apiKey, [M, H])).status).toBe(200); // children: wait for R
    expect((await send(`${first.url}/v1/traces`, s.apiKey, [R, S])).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    await first.close(200);
    expect(s.logCount).toBe(0);
    expect(first.stats.deferred).toBeGreaterThan(0);

    s.setFaults({});
    const second = await startBridge(s, { spoolPath: file });
    await until(() => s.logCount === 3 && second.stats.pendingLogs === 0);
    expect(s.logs().map((l) => [l.reference_id, l.parent_reference_id]).sort()).toEqual([
      [ref(R.spanId), undefined],
      [ref(M.spanId), ref(R.spanId)],
      [ref(S.spanId), ref(R.spanId)],
    ]);
    expect(second.spooled).toBe(0);
  });

  it("a child arriving after a restart links to the parent the previous bridge delivered", async () => {
    const s = await server();
    const file = spool();
    const first = await startBridge(s, { spoolPath: file });
    await send(`${first.url}/v1/traces`, s.apiKey, [R, H]);
    await until(() => s.logCount === 1 && first.stats.pendingLogs === 0);
    await first.close(500);
    const second = await startBridge(s, { spoolPath: file, maxWaitMillis: 100 });
    await send(`${second.url}/v1/traces`, s.apiKey, [M, R]); // M under H (passed through before the restart); R again: a duplicate
    await until(() => s.logCount === 2 && second.stats.pendingLogs === 0);
    expect(s.log(ref(M.spanId))!.parent_reference_id).toBe(ref(R.spanId));
    expect(second.stats).toMatchObject({ duplicates: 1, unlinkedTimeout: 0, delivered: 1 });
    expect(s.stats.rejected).toEqual([]);
  });
});

describe("Spool", () => {
  it("keeps request bodies until finished, then their spans' anchors; a restart reads back only the newest anchors and the unfinished requests", () => {
    const file = new Spool(spool(), 60_000);
    const body = (n: number) => ({ format: "json" as const, bytes: Buffer.from(`{"n":${n}}`) });
    const ids = [1, 2, 3].map((n) => file.append(body(n)));
    file.markDone(ids[0]!, [{ key: "k1", anchor: { ref: "k1" }, outcome: "confirmed", logId: "data_1" }]);
    file.markDone(ids[1]!, [{ key: "k2", anchor: {} }, { key: "k3", anchor: { ref: "k1" } }]);
    expect(file.pendingCount).toBe(3); // finishing is buffered until commit
    file.commit();
    expect(file.pendingCount).toBe(1);
    const { done, pending } = file.load(2);
    expect(done.map((d) => d.key)).toEqual(["k2", "k3"]);
    expect(pending.map((p) => [p.id, p.format, Buffer.from(p.bytes).toString()])).toEqual([[ids[2], "json", '{"n":3}']]);
    expect(file.load(10).done.map((d) => d.key)).toEqual(["k1", "k2", "k3"]);
    file.close();
  });
});
