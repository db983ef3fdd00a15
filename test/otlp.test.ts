import { it, expect, beforeAll, afterAll } from "vitest";
import OpenAI from "openai";
import { register, traced, session } from "../src/index.js";
import { HumanloopTestServer, OpenAITestServer } from "../testing/index.js";
import { OtlpReceiver } from "./fixtures/otlp-receiver.js";

let humanloop: HumanloopTestServer;
let otlp: OtlpReceiver;
const model = new OpenAITestServer();
beforeAll(async () => {
  humanloop = await HumanloopTestServer.start();
  otlp = await OtlpReceiver.start();
  await model.start();
});
afterAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  await Promise.all([humanloop.close(), otlp.close(), model.close()]);
});

it("with OTEL_EXPORTER_OTLP_ENDPOINT set, the OTLP backend gets every span Humanloop's logs came from", async () => {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp.url;
  const tracing = register({ apiKey: humanloop.apiKey, baseUrl: humanloop.url, project: "otlp", instrumentModules: { openai: OpenAI } });
  const client = new OpenAI({ apiKey: "sk-test", baseURL: model.url });
  const tool = traced(async function weather(city: string) { return `sunny in ${city}`; }, { kind: "tool" });
  const agent = traced(async function agent(q: string) {
    const w = await tool("Paris");
    const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `${q} ${w}` }] });
    return r.choices[0]?.message.content;
  }, { kind: "agent" });
  await session("otlp-session", () => agent("Weather?"));
  await tracing.shutdown();

  // The same variable sends the GenAI metrics to /v1/metrics (see metrics.test.ts).
  expect(otlp.paths.filter((p) => p !== "/v1/metrics").every((p) => p === "/v1/traces")).toBe(true);
  const logs = humanloop.logs();
  expect(logs).toHaveLength(3);
  const received = new Map(otlp.spans.map((s) => [`${s.traceId}-${s.spanId}`, s]));
  for (const log of logs) {
    const span = received.get(log.reference_id!);
    expect(span, `span for log ${log.reference_id}`).toBeDefined();
    expect(span!.attributes["humanloop.session.id"]).toBe("otlp-session");
    if (log.parent_reference_id) expect(`${span!.traceId}-${span!.parentSpanId}`).toBe(log.parent_reference_id);
  }
  const modelLog = logs.find((l) => (l.config as { type: string }).type === "model");
  expect(modelLog?.config).toMatchObject({ model: "gpt-4o-mini", provider: "openai" });
});
