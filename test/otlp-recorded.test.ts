import { readFileSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
import { HumanloopSpanProcessor } from "../exporters/humanloop/index.js";
import { resourceFromAttributes, TracerProvider } from "../src/core/otel-sdk.js";
import { FAST, serverPool } from "./exporter-helpers.js";
import { comparable, postOtlp } from "./otlp-helpers.js";

const { server, closeServers } = serverPool();
afterEach(closeServers);

const hex = (b64: string) => Buffer.from(b64, "base64").toString("hex");
const nanos = (text: string): [number, number] => [Number(BigInt(text) / 1_000_000_000n), Number(BigInt(text) % 1_000_000_000n)];

it("a recorded Python (OpenLLMetry) OTLP/JSON payload: snake_case, base64 ids, 64-bit numbers as strings, enum names, kvlist and array values, makes the logs the in-process processor makes from the same spans", async () => {
  const [viaOtlp, inProcess] = await Promise.all([server(), server()]);
  const payload = readFileSync(new URL("./fixtures/otlp-python-openllmetry.json", import.meta.url), "utf8");
  const res = await postOtlp(viaOtlp.url.replace(/\/v4$/, "/v1/traces"), payload, { key: viaOtlp.apiKey, gzip: true });
  expect(res.status).toBe(200);

  // the same two spans, made in-process with the same ids and times (structured values as the JSON text OTel JS attributes hold)
  const ids = ["ESIzRFVmd4g=", "Ac/2Mc3Lh0A="].map(hex);
  const traceId = hex("W47Ab8kpH2Jb3OYJsGeq0Q==");
  const processor = new HumanloopSpanProcessor({ apiKey: inProcess.apiKey, baseUrl: inProcess.url, ...FAST });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "py-support-bot", "telemetry.sdk.language": "python" }),
    spanProcessors: [processor],
    idGenerator: { generateTraceId: () => traceId, generateSpanId: () => ids.shift()! },
  });
  const tracer = provider.getTracer("opentelemetry.instrumentation.openai.v1");
  const agentAttributes: Attributes = {
    "humanloop.kind": "agent",
    "humanloop.inputs": '{"question": "Where is order A-17?"}',
    "humanloop.output": "It ships tomorrow.",
    "humanloop.metadata": JSON.stringify({ region: "eu", attempt: 2, tags: ["vip", "retry"] }),
    "traceloop.association.properties.session_id": "py-session-1",
    "retry.delays": JSON.stringify([0.5, "Infinity"]),
  };
  const agent = tracer.startSpan("answer_question", { kind: SpanKind.INTERNAL, startTime: nanos("1764670000000000000"), attributes: agentAttributes });
  const chat = tracer.startSpan(
    "openai.chat",
    {
      kind: SpanKind.CLIENT,
      startTime: nanos("1764670000100000000"),
      attributes: {
        "gen_ai.system": "OpenAI",
        "llm.request.type": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.3,
        "gen_ai.request.max_tokens": 200,
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "You are a support bot.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": "Where is order A-17?",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "It ships tomorrow.",
        "gen_ai.completion.0.finish_reason": "stop",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.usage.prompt_tokens": 23,
        "gen_ai.usage.completion_tokens": 6,
        "llm.is_streaming": false,
        "traceloop.association.properties.session_id": "py-session-1",
      },
    },
    trace.setSpan(context.active(), agent),
  );
  chat.setStatus({ code: SpanStatusCode.OK });
  chat.end(nanos("1764670001350000000"));
  agent.addEvent("exception", { "exception.type": "TimeoutError", "exception.message": "upstream timeout" }, nanos("1764670001390000000"));
  agent.setStatus({ code: SpanStatusCode.ERROR, message: "upstream timeout" });
  agent.end(nanos("1764670001400000000"));
  await provider.shutdown();

  const expected = comparable(inProcess.logs());
  expect(expected).toHaveLength(2);
  expect(comparable(viaOtlp.logs())).toEqual(expected);
  const model = viaOtlp.logs().find((l) => (l.config as { type: string }).type === "model")!;
  expect(model).toMatchObject({ session_reference_id: "py-session-1", prompt_tokens: 23, output_tokens: 6, parent_reference_id: `${traceId}-${hex("ESIzRFVmd4g=")}` });
  const agentLog = viaOtlp.logs().find((l) => (l.config as { type: string }).type === "tool")!;
  expect(agentLog.metadata).toMatchObject({ region: "eu", attempt: 2, tags: ["vip", "retry"] });
  expect(agentLog.error).toBe("TimeoutError: upstream timeout");
});
