import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { HumanloopOtlpBridge } from "../bridge/index.js";
import { BatchSpanProcessor, InMemorySpanExporter, resourceFromAttributes, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";
import type { HumanloopTestServer } from "../testing/index.js";
import { FAST, serverPool } from "./exporter-helpers.js";
import { makeFixtureTraces } from "./fixtures/otlp-traces.js";
import { comparable, postOtlp, protobufJsonShape } from "./otlp-helpers.js";

const { server, closeServers } = serverPool();
const bridges: HumanloopOtlpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
  await closeServers();
});

const otlpUrl = (s: HumanloopTestServer) => s.url.replace(/\/v4$/, "/v1/traces");
const headers = (s: HumanloopTestServer) => ({ "x-api-key": s.apiKey });

async function bridgeTo(target: HumanloopTestServer): Promise<HumanloopOtlpBridge> {
  const spoolPath = path.join(mkdtempSync(path.join(tmpdir(), "hl-bridge-")), "spool.sqlite");
  const bridge = await HumanloopOtlpBridge.start({ apiKey: target.apiKey, baseUrl: target.url, port: 0, spoolPath, delivery: FAST });
  bridges.push(bridge);
  return bridge;
}

describe("OTLP in: the same logs as the in-process processor (shared fixture)", () => {
  it("from the OTel JS OTLP exporters (proto and JSON) to the server's /v1/traces and to the bridge, and from recorded payloads in other SDKs' shapes", async () => {
    const [inProcess, viaJson, viaProto, viaBridgeJson, viaBridgeProto, viaBase64, viaSnake] = (await Promise.all(Array.from({ length: 7 }, () => server()))) as [
      HumanloopTestServer, HumanloopTestServer, HumanloopTestServer, HumanloopTestServer, HumanloopTestServer, HumanloopTestServer, HumanloopTestServer,
    ];
    const [bridgeJson, bridgeProto] = await Promise.all([bridgeTo(viaBridgeJson), bridgeTo(viaBridgeProto)]);
    const processor = new HumanloopSpanProcessor({ apiKey: inProcess.apiKey, baseUrl: inProcess.url, ...FAST });
    const batch = (exporter: JsonExporter | ProtoExporter) => new BatchSpanProcessor({ exporter, scheduledDelayMillis: 5 });
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "fixture-app" }),
      spanProcessors: [
        processor,
        batch(new JsonExporter({ url: otlpUrl(viaJson), headers: headers(viaJson) })),
        batch(new ProtoExporter({ url: otlpUrl(viaProto), headers: headers(viaProto) })),
        batch(new JsonExporter({ url: `${bridgeJson.url}/v1/traces`, headers: headers(viaBridgeJson) })),
        batch(new ProtoExporter({ url: `${bridgeProto.url}/v1/traces`, headers: headers(viaBridgeProto) })),
        new SimpleSpanProcessor({ exporter: memory }),
      ],
    });
    const logged = makeFixtureTraces(provider.getTracer("fixture"));
    await provider.forceFlush();
    // the same spans as other SDKs send them: base64 ids, 64-bit numbers as strings, enums by name (camelCase, then snake_case)
    const recorded = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(memory.getFinishedSpans())!).toString("utf8")) as unknown;
    for (const [target, snakeCase] of [[viaBase64, false], [viaSnake, true]] as const) {
      const res = await postOtlp(otlpUrl(target), JSON.stringify(protobufJsonShape(recorded, snakeCase)), { key: target.apiKey });
      expect(res.status).toBe(200);
    }
    await provider.shutdown();
    await Promise.all([bridgeJson.close(), bridgeProto.close()]);

    const expected = comparable(inProcess.logs());
    expect(expected).toHaveLength(logged);
    for (const target of [viaJson, viaProto, viaBridgeJson, viaBridgeProto, viaBase64, viaSnake]) {
      expect(comparable(target.logs()), target.url).toEqual(expected);
      expect(target.stats.rejected).toEqual([]);
    }
    expect(bridgeProto.stats).toMatchObject({ logged, delivered: logged, duplicates: 0, unlinkedTimeout: 0, refused: 0, deferred: 0, waiting: 0, pendingLogs: 0 });
    // the tree: the model log hangs under the agent (through the HTTP span); sessions as the spans name them
    for (const target of [viaProto, viaBridgeProto]) {
      const tree = target.sessionTree("conv-7")!;
      expect(tree.roots).toHaveLength(1);
      const names = tree.roots[0]!.children.map((c) => (c.config as { name?: string; model?: string }).name ?? (c.config as { model: string }).model);
      expect(names.sort()).toEqual(["gpt-4o-mini", "lookup"]);
      expect(target.sessionTree("thread-42")!.roots[0]!.children).toHaveLength(1);
    }
  });
});
