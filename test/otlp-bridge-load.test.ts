import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { HumanloopOtlpBridge } from "../bridge/index.js";
import { parseBridgeArgs, runBridgeCli } from "../bridge/cli-main.js";
import type { HumanloopTestServer } from "../testing/index.js";
import { FAST, serverPool } from "./exporter-helpers.js";
import { expectedParents, loadSpans } from "./fixtures/otlp-load.js";

const { server, closeServers } = serverPool();
afterEach(closeServers);

const spoolPath = () => path.join(mkdtempSync(path.join(tmpdir(), "hl-bridge-")), "spool.sqlite");

it("many concurrent OTel JS exporters (proto and JSON) against one bridge: every span delivered once, in the right tree, nothing left waiting (a CI-sized load run; rates: npm run bench)", async () => {
  const s: HumanloopTestServer = await server();
  const bridge = await HumanloopOtlpBridge.start({ apiKey: s.apiKey, baseUrl: s.url, port: 0, spoolPath: spoolPath(), delivery: { ...FAST, maxBatchSize: 200 } });
  const spans = await loadSpans(1000); // 4,000 spans, 3,000 logs
  const senders = Array.from({ length: 8 }, (_, i) => {
    const Exporter = i % 2 === 0 ? ProtoExporter : JsonExporter;
    return new Exporter({ url: `${bridge.url}/v1/traces`, headers: { "x-api-key": s.apiKey } });
  });
  const batches: (typeof spans)[] = [];
  for (let i = 0; i < spans.length; i += 100) batches.push(spans.slice(i, i + 100));
  let next = 0;
  await Promise.all(
    senders.map(async (exporter) => {
      for (let i = next++; i < batches.length; i = next++) {
        const result = await new Promise<{ code: number }>((resolve) => exporter.export(batches[i]!, resolve));
        expect(result.code).toBe(0);
      }
    }),
  );
  await bridge.close(10_000);
  await Promise.all(senders.map((e) => e.shutdown()));
  const parents = expectedParents(spans);
  const logs = s.logs();
  expect(logs).toHaveLength(parents.size);
  for (const log of logs) expect(log.parent_reference_id).toBe(parents.get(log.reference_id!));
  expect(bridge.stats).toMatchObject({ received: 4000, logged: 3000, delivered: 3000, duplicates: 0, unlinkedTimeout: 0, refused: 0, deferred: 0, waiting: 0 });
  expect(s.stats.rejected).toEqual([]);
}, 60_000);

it("the CLI: flags, usage, and a clear error without an API key", async () => {
  expect(parseBridgeArgs(["--port", "4399", "--spool=/tmp/x.sqlite", "--max-wait-ms", "1000", "--stats-interval", "0"])).toEqual({
    bridge: { port: 4399, spoolPath: "/tmp/x.sqlite", maxWaitMillis: 1000 },
    statsIntervalSeconds: 0,
    help: false,
  });
  expect(() => parseBridgeArgs(["--nope"])).toThrow(/unknown option --nope/);
  const lines: string[] = [];
  expect(await runBridgeCli(["--help"], (l) => lines.push(l))).toBeUndefined();
  expect(lines[0]).toMatch(/^Usage: humanloop-otel-bridge/);
  const saved = process.env.HUMANLOOP_API_KEY;
  delete process.env.HUMANLOOP_API_KEY;
  try {
    await expect(runBridgeCli(["--port", "0"], () => {})).rejects.toThrow(/no Humanloop API key: set HUMANLOOP_API_KEY/);
  } finally {
    if (saved !== undefined) process.env.HUMANLOOP_API_KEY = saved;
  }
});
