import { afterEach, describe, expect, it } from "vitest";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { BatchSpanProcessor, resourceFromAttributes, TracerProvider } from "../src/core/otel-sdk.js";
import type { HumanloopTestServer } from "../testing/index.js";
import { FAST, serverPool } from "./exporter-helpers.js";
import { makeFixtureTraces } from "./fixtures/otlp-traces.js";
import { comparable } from "./otlp-helpers.js";

const { server, closeServers } = serverPool();
afterEach(closeServers);

const otlpUrl = (s: HumanloopTestServer) => s.url.replace(/\/v4$/, "/v1/traces");

describe("POST /v1/traces on the server", () => {
  it("makes the same logs as the in-process processor from the same spans, through the OTel JS OTLP exporters (proto and JSON)", async () => {
    const [inProcess, viaJson, viaProto] = await Promise.all([server(), server(), server()]);
    const headers = (s: HumanloopTestServer) => ({ "x-api-key": s.apiKey });
    const processor = new HumanloopSpanProcessor({ apiKey: inProcess.apiKey, baseUrl: inProcess.url, ...FAST });
    const json = new BatchSpanProcessor({ exporter: new JsonExporter({ url: otlpUrl(viaJson), headers: headers(viaJson) }), scheduledDelayMillis: 5 });
    const proto = new BatchSpanProcessor({ exporter: new ProtoExporter({ url: otlpUrl(viaProto), headers: headers(viaProto) }), scheduledDelayMillis: 5 });
    const provider = new TracerProvider({ resource: resourceFromAttributes({ "service.name": "fixture-app" }), spanProcessors: [processor, json, proto] });
    const logged = makeFixtureTraces(provider.getTracer("fixture"));
    await provider.shutdown();

    const expected = comparable(inProcess.logs());
    expect(expected).toHaveLength(logged);
    expect(comparable(viaJson.logs())).toEqual(expected);
    expect(comparable(viaProto.logs())).toEqual(expected);
    for (const s of [viaJson, viaProto]) {
      expect(s.stats.rejected).toEqual([]);
      expect(s.stats.requests["POST /v1/traces"]).toMatchObject({ "200": expect.any(Number) });
    }
    // the tree: the model log hangs under the agent (through the HTTP span), sessions as named
    const tree = viaProto.sessionTree("conv-7")!;
    expect(tree.roots).toHaveLength(1);
    const names = tree.roots[0]!.children.map((c) => (c.config as { name?: string; model?: string }).name ?? (c.config as { model: string }).model);
    expect(names.sort()).toEqual(["gpt-4o-mini", "lookup"]);
    expect(viaProto.sessionTree("thread-42")!.roots[0]!.children).toHaveLength(1);
  });
});
