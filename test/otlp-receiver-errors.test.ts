import { afterEach, describe, expect, it } from "vitest";
import type { HumanloopTestServer } from "../testing/index.js";
import { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from "../server/otlp/proto-codec.js";
import { serverPool } from "./exporter-helpers.js";
import { otlpJson, postOtlp, tool } from "./otlp-helpers.js";

const { server, closeServers } = serverPool();
afterEach(closeServers);

const T = "0af7651916cd43dd8448eb211c80319c";
const url = (s: HumanloopTestServer) => s.url.replace(/\/v4$/, "/v1/traces");
const validBody = (spanId = "b7ad6b7169203331") => JSON.stringify(otlpJson([tool(T, spanId, "step")]));

describe("POST /v1/traces: every malformed request gets its status, and the server is unharmed", () => {
  it("answers 401, 405, 415, 400, 413 with a google.rpc.Status in the request's encoding, then still takes a good request", async () => {
    const s = await server();
    const key = s.apiKey;
    const cases: [string, () => Promise<Awaited<ReturnType<typeof postOtlp>>>, number, string][] = [
      ["no key", () => postOtlp(url(s), validBody()), 401, "application/json"],
      ["wrong key", () => postOtlp(url(s), validBody(), { key: "nope", contentType: "application/x-protobuf" }), 401, "application/x-protobuf"],
      ["GET", () => postOtlp(url(s), "", { key, method: "GET" }), 405, "application/json"],
      ["text/plain", () => postOtlp(url(s), validBody(), { key, contentType: "text/plain" }), 415, "application/json"],
      ["no content type", () => postOtlp(url(s), validBody(), { key, contentType: "" }), 415, "application/json"],
      ["bad JSON", () => postOtlp(url(s), "{not json", { key }), 400, "application/json"],
      ["JSON not an object", () => postOtlp(url(s), "[1,2]", { key }), 400, "application/json"],
      ["resourceSpans not an array", () => postOtlp(url(s), JSON.stringify({ resourceSpans: { a: 1 } }), { key }), 400, "application/json"],
      ["spans items not objects", () => postOtlp(url(s), JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [3] }] }] }), { key }), 400, "application/json"],
      ["bad protobuf", () => postOtlp(url(s), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { key, contentType: "application/x-protobuf" }), 400, "application/x-protobuf"],
      ["gzip header, not gzip", () => rawGzipLie(url(s), key), 400, "application/json"],
      ["too large", () => postOtlp(url(s), Buffer.alloc(11 * 1024 * 1024, 32), { key }), 413, "application/json"],
      ["gzip bomb (12 MiB inflated from ~12 KB)", () => postOtlp(url(s), Buffer.alloc(12 * 1024 * 1024), { key, contentType: "application/x-protobuf", gzip: true }), 413, "application/x-protobuf"],
      ["unknown encoding", () => unknownEncoding(url(s), key), 415, "application/json"],
    ];
    for (const [name, pending, status, type] of cases) {
      const res = await pending();
      expect([name, res.status, res.contentType]).toEqual([name, status, type]);
      const body = type === "application/json" ? (JSON.parse(res.bytes.toString()) as { code: number; message: string }) : (RpcStatus.toObject(RpcStatus.decode(res.bytes)) as { code: number; message: string });
      expect(body.message, name).toEqual(expect.any(String));
      expect(body.code, name).toBeGreaterThan(0);
    }
    expect(s.logCount).toBe(0);
    const ok = await postOtlp(url(s), validBody(), { key, gzip: true });
    expect([ok.status, ok.contentType, ok.bytes.toString()]).toEqual([200, "application/json", "{}"]);
    expect(s.logs().map((l) => l.reference_id)).toEqual([`${T}-b7ad6b7169203331`]);
  });

  it("refuses spans with bad ids one by one: 200 with partial_success (JSON and protobuf), the good spans stored", async () => {
    const s = await server();
    const body = otlpJson([tool(T, "b7ad6b7169203331", "good"), tool("zz", "1111111111111111", "bad trace"), tool(T, "0000000000000000", "zero span")]);
    const json = await postOtlp(url(s), JSON.stringify(body), { key: s.apiKey });
    expect(json.status).toBe(200);
    const answer = JSON.parse(json.bytes.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe("2");
    expect(answer.partialSuccess.errorMessage).toMatch(/invalid trace id/);
    const proto = ExportTraceServiceRequest.fromObject({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(T, "hex"), spanId: Buffer.from("c7ad6b7169203331", "hex"), name: "p", attributes: [{ key: "humanloop.kind", value: { stringValue: "tool" } }] }, { traceId: Buffer.alloc(3), spanId: Buffer.alloc(8, 1), name: "bad" }] }] }],
    });
    const res = await postOtlp(url(s), ExportTraceServiceRequest.encode(proto).finish(), { key: s.apiKey, contentType: "application/x-protobuf" });
    expect([res.status, res.contentType]).toEqual([200, "application/x-protobuf"]);
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.bytes), { longs: Number }) as { partialSuccess: { rejectedSpans: number } };
    expect(decoded.partialSuccess.rejectedSpans).toBe(1);
    expect(s.logs().map((l) => (l.config as { name: string }).name).sort()).toEqual(["good", "p"]);
  });
});

async function rawGzipLie(target: string, key: string) {
  const res = await fetch(target, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip", "x-api-key": key }, body: "not gzip at all" });
  return { status: res.status, contentType: res.headers.get("content-type"), retryAfter: null, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function unknownEncoding(target: string, key: string) {
  const res = await fetch(target, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "br", "x-api-key": key }, body: "{}" });
  return { status: res.status, contentType: res.headers.get("content-type"), retryAfter: null, bytes: Buffer.from(await res.arrayBuffer()) };
}
