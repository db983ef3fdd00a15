/**
 * The GenAI metrics through an OTLP/HTTP receiver, fed by register() from
 * OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (its own file: a fresh process, so
 * register() runs once).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { register } from "../src/index.js";
import { TOKEN_BUCKETS } from "../instrumentations/shared/metrics.js";
import { HumanloopTestServer } from "../testing/index.js";
import { OtlpReceiver } from "./fixtures/otlp-receiver.js";
import { callServers } from "./fixtures/genai-calls.js";

let humanloop: HumanloopTestServer;
let otlp: OtlpReceiver;
const servers = callServers();
beforeAll(async () => {
  humanloop = await HumanloopTestServer.start();
  otlp = await OtlpReceiver.start();
});
afterAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  await Promise.all([humanloop.close(), otlp.close()]);
});

it("with OTEL_EXPORTER_OTLP_METRICS_ENDPOINT set, register() exports the metrics over OTLP/HTTP", async () => {
  process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT = `${otlp.url}/v1/metrics`;
  const tracing = register({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "metrics-otlp", instrumentModules: { openai: OpenAI, anthropic: Anthropic } });
  await servers.calls();
  await tracing.shutdown();
  expect(otlp.paths).toContain("/v1/metrics");
  expect(otlp.paths).not.toContain("/v1/traces");
  const tokens = otlp.points.filter((p) => p.metric === "gen_ai.client.token.usage");
  expect(tokens.filter((p) => p.attributes["gen_ai.token.type"] === "input").reduce((n, p) => n + p.sum, 0)).toBe(17 + 22);
  expect(tokens[0]!.explicitBounds).toEqual(TOKEN_BUCKETS);
  expect(otlp.points.filter((p) => p.metric === "gen_ai.client.operation.duration").reduce((n, p) => n + p.count, 0)).toBe(4);
  expect(otlp.points.some((p) => p.metric === "gen_ai.client.operation.time_to_first_chunk")).toBe(true);
});
