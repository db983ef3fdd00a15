import { describe, expect, it } from "vitest";
import { parseOtelImport } from "../server/v5/otel-import.js";
import { validateV5Body } from "../server/v5/rules.js";

// Payloads exactly as Humanloop's SDK 0.8.20 sent them to a recorder (docs/humanloop-sdks.md).
const s = (key: string, value: string) => ({ key, value: { stringValue: value } });
const payload = (scope: string, span: Record<string, unknown>) => ({ resourceSpans: [{ scopeSpans: [{ scope: { name: scope }, spans: [span] }] }] });
const toolSpan = {
  traceId: "95cf8d7723927970c87c52fce7ee1018",
  spanId: "2066d9070e48d264",
  traceState: "",
  name: "humanloop.tool",
  kind: 0,
  startTimeUnixNano: 1796199681693000000,
  endTimeUnixNano: 1796199681693691100,
  attributes: [
    s("humanloop.file.function.parameters.properties.b.type", "number"),
    s("humanloop.file.function.parameters.properties.a.type", "number"),
    s("humanloop.file.function.parameters.type", "object"),
    s("humanloop.file.function.description", "add"),
    s("humanloop.file.function.name", "calc"),
    s("humanloop.file.type", "tool"),
    s("humanloop.file.path", "proj/calc"),
    s("humanloop.log.trace_parent_id", "log_f10"),
    s("humanloop.log.output", "3"),
    s("humanloop.log.inputs.b", "2"),
    s("humanloop.log.inputs.a", "1"),
  ],
  droppedAttributesCount: 0,
  events: [],
  links: [],
};
const flowEnd = {
  traceId: "02a9a5a5368ae09cbff18b171c20632a",
  spanId: "aa4175b17a07566c",
  name: "humanloop.flow",
  kind: 0,
  startTimeUnixNano: 1796199681684000000,
  endTimeUnixNano: 1796199681719521500,
  attributes: [
    s("humanloop.file.path", "proj/flowdeco"),
    s("humanloop.file.type", "flow"),
    s("humanloop.log.id", "log_f10"),
    s("humanloop.log.output", '{"sum":3}'),
    s("humanloop.log.log_status", "complete"),
  ],
};
const providerSpan = {
  traceId: "106406801cd33c35b71c6f77e0975e96",
  spanId: "4629595d165b5df2",
  name: "chat gpt-4o-mini",
  kind: 2,
  startTimeUnixNano: 1796199704313000000,
  endTimeUnixNano: 1796199704326203100,
  attributes: [
    s("gen_ai.provider.name", "openai"),
    s("gen_ai.operation.name", "chat"),
    s("gen_ai.request.model", "gpt-4o-mini"),
    s("gen_ai.request.max_tokens", "50"),
    s("gen_ai.request.temperature", "0.3"),
    s("gen_ai.input.messages", '[{"role":"system","parts":[{"type":"text","content":"be brief"}]},{"role":"user","parts":[{"type":"text","content":"hello?"}]}]'),
    s("humanloop.file.path", "proj/asker"),
    s("humanloop.file.type", "prompt"),
    s("humanloop.log.trace_parent_id", "log_f1"),
    s("gen_ai.response.model", "gpt-4o-mini-2025-01-01"),
    s("gen_ai.response.id", "chatcmpl-1"),
    s("gen_ai.usage.total_tokens", "19"),
    s("gen_ai.usage.output_tokens", "7"),
    s("gen_ai.usage.input_tokens", "12"),
    s("gen_ai.response.finish_reasons", "stop"),
    s("gen_ai.output.messages", '[{"role":"assistant","finish_reason":"stop","parts":[{"type":"text","content":"Hello there"}]}]'),
  ],
};

describe("the v5 OTel import", () => {
  it("turns a tool() span into a Tool log with its kernel, inputs, output, parent and times", () => {
    const out = parseOtelImport(payload("humanloop.sdk.decorator", toolSpan));
    expect(out).toEqual({
      ok: true,
      ops: [
        {
          op: "create",
          kind: "tool",
          body: {
            path: "proj/calc",
            tool: { function: { name: "calc", description: "add", parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } } } },
            trace_parent_id: "log_f10",
            output: "3",
            inputs: { a: "1", b: "2" },
            start_time: "2026-12-02T08:21:21.693Z",
            end_time: "2026-12-02T08:21:21.693Z",
          },
        },
      ],
    });
    expect(out.ok && validateV5Body("tool_log", out.ops[0]!.body, "strict").ok).toBe(true);
  });

  it("turns the flow() end span into the update that completes the Flow log", () => {
    expect(parseOtelImport(payload("humanloop.sdk.decorator", flowEnd))).toEqual({
      ok: true,
      ops: [{ op: "update_flow", logId: "log_f10", body: { log_status: "complete", output: '{"sum":3}' } }],
    });
  });

  it("maps a provider span under prompt() to a Prompt log like the exporter maps a model call", () => {
    const out = parseOtelImport(payload("humanloop.sdk.provider", providerSpan));
    expect(out.ok).toBe(true);
    const op = out.ok ? out.ops[0]! : undefined;
    expect(op).toMatchObject({
      op: "create",
      kind: "prompt",
      body: {
        path: "proj/asker",
        trace_parent_id: "log_f1",
        prompt: { model: "gpt-4o-mini", provider: "openai", max_tokens: 50, temperature: 0.3 },
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "hello?" },
        ],
        output_message: { role: "assistant", content: "Hello there" },
        output: "Hello there",
        prompt_tokens: 12,
        output_tokens: 7,
      },
    });
    expect(op && "body" in op && op.body.log_id).toBeUndefined();
    expect(op && validateV5Body("prompt_log", op.body, "strict").ok).toBe(true);
  });

  it("answers 422 for what is not a Humanloop span", () => {
    const out = parseOtelImport(payload("x", { name: "GET /", attributes: [s("http.method", "GET")] }));
    expect(!out.ok && out.error.body.detail[0]).toMatchObject({ type: "missing", loc: ["body", "resourceSpans", 0, "scopeSpans", 0, "spans", 0, "attributes"] });
    expect(parseOtelImport({}).ok).toBe(false);
  });
});
