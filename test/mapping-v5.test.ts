import { SpanStatusCode } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { toLogRequest } from "../exporters/humanloop/mapping/log-request.js";
import { fileName, promptKernelOf, toEvaluatorLog, toV5Create, v5Completion, v5FlowCompletion, v5KindOf } from "../exporters/humanloop/mapping/v5-log.js";
import { validateV5Body } from "../server/v5/rules.js";
import { mappableSpan, TRACE } from "./mapping-helpers.js";

const SPAN = "b7ad6b7169203331";
const REF = `${TRACE}-${SPAN}`;

const modelSpan = mappableSpan("chat gpt-4o-mini", {
  "humanloop.instrumented": "openai",
  "gen_ai.operation.name": "chat",
  "gen_ai.provider.name": "openai",
  "gen_ai.request.model": "gpt-4o-mini",
  "gen_ai.request.temperature": 0.2,
  "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "hi" }] }]),
  "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "hello" }], finish_reason: "stop" }]),
  "gen_ai.usage.input_tokens": 3,
  "gen_ai.usage.output_tokens": 2,
  "humanloop.session.id": "conv-7",
  "humanloop.user_id": "u-1",
});

describe("v5 mapping", () => {
  it("maps a model call to a Prompt log with its kernel, log_id, parent, times, session and user", () => {
    const log = toLogRequest(modelSpan, "model", { parentReferenceId: `${TRACE}-aaaaaaaaaaaaaaaa` }, { project: "bot" });
    const create = toV5Create(log);
    expect(create.kind).toBe("prompt");
    expect(create.body).toMatchObject({
      path: "bot/gpt-4o-mini",
      log_id: REF,
      trace_parent_id: `${TRACE}-aaaaaaaaaaaaaaaa`,
      prompt: { model: "gpt-4o-mini", provider: "openai", temperature: 0.2, endpoint: "chat" },
      messages: [{ role: "user", content: "hi" }],
      output_message: { role: "assistant", content: "hello" },
      output: "hello",
      prompt_tokens: 3,
      output_tokens: 2,
      start_time: "2023-11-14T22:13:20.500Z",
      end_time: "2023-11-14T22:13:21.000Z",
      user: "u-1",
      metadata: expect.objectContaining({ session_id: "conv-7", user_id: "u-1" }),
    });
    // what the strict v5 server accepts (no v4-only field such as reference_id or config slips through)
    expect(validateV5Body("prompt_log", create.body, "strict")).toMatchObject({ ok: true });
  });

  it("leaves the trace id out of metadata when there is no session()", () => {
    const span = mappableSpan("chat m", { "humanloop.instrumented": "openai", "gen_ai.operation.name": "chat", "gen_ai.request.model": "m" });
    const create = toV5Create(toLogRequest(span, "model", {}, { project: "p" }));
    expect(create.body.metadata?.session_id).toBeUndefined();
    expect(create.body.trace_parent_id).toBeUndefined();
  });

  it("maps traced() tools to Tool logs and agents/workflows/chains to Flow logs created incomplete", () => {
    const tool = toLogRequest(mappableSpan("search", { "humanloop.kind": "tool", "humanloop.inputs": '{"q":"x"}', "humanloop.output": "found" }), "tool", {}, { project: "p" });
    expect(toV5Create(tool)).toMatchObject({
      kind: "tool",
      body: { path: "p/search", tool: { function: { name: "search", description: "" } }, inputs: { q: "x" }, output: "found", end_time: "2023-11-14T22:13:21.000Z" },
    });
    expect(validateV5Body("tool_log", toV5Create(tool).body, "strict").ok).toBe(true);
    for (const kind of ["agent", "workflow", "chain"]) {
      const log = toLogRequest(mappableSpan("plan/act", { "humanloop.kind": kind, "humanloop.output": "done" }), "tool", {}, { project: "p" });
      const create = toV5Create(log);
      expect(create).toEqual({
        kind: "flow",
        body: { path: "p/plan-act", log_id: REF, flow: { attributes: { kind } }, log_status: "incomplete", inputs: {}, start_time: "2023-11-14T22:13:20.500Z" },
      });
      expect(validateV5Body("flow_log", create.body, "strict").ok).toBe(true);
      expect(v5FlowCompletion(log)).toEqual({ log_status: "complete", output: "done" });
      expect(validateV5Body("flow_update", v5FlowCompletion(log), "strict").ok).toBe(true);
    }
    expect(v5KindOf({ config: { type: "tool", name: "x", other: { kind: "execute_tool" } } })).toBe("tool");
    expect(v5KindOf({ config: { type: "tool", name: "x", other: { kind: "invoke_agent" } } })).toBe("flow");
  });

  it("completes a failed Flow with its error, and one without output with an empty output", () => {
    const failed = toLogRequest(
      mappableSpan("run", { "humanloop.kind": "agent" }, { status: { code: SpanStatusCode.ERROR, message: "boom" } }),
      "tool",
      {},
      { project: "p" },
    );
    expect(v5FlowCompletion(failed)).toEqual({ log_status: "complete", error: "boom" });
    expect(v5FlowCompletion({})).toEqual({ log_status: "complete", output: "" });
  });

  it("completes early Prompt and Tool logs with output, error and end time", () => {
    expect(v5Completion("tool", { output: "x", duration: 2 }, "2025-01-01T00:00:00.000Z")).toEqual({ output: "x", end_time: "2025-01-01T00:00:02.000Z" });
    expect(v5Completion("prompt", { error: "e" }, undefined)).toEqual({ error: "e" });
    expect(v5Completion("flow", { output: "o", duration: 1 }, "2025-01-01T00:00:00.000Z")).toEqual({ log_status: "complete", output: "o" });
  });

  it("builds Prompt kernels v5 accepts from v4 model configs", () => {
    expect(promptKernelOf({ type: "model", model: "j2", provider: "ai21", tools: [{ name: "f" }] })).toEqual({
      model: "j2",
      other: { provider: "ai21" },
      tools: [{ name: "f", description: "" }],
    });
    expect(fileName(" meta-llama/Llama-3 ")).toBe("meta-llama-Llama-3");
    expect(fileName("")).toBe("unnamed");
  });

  it("turns feedback into evaluator judgments", () => {
    expect(toEvaluatorLog("l1", { type: "rating", value: "good", user: "u" })).toEqual({ parent_id: "l1", path: "rating", judgment: "good", user: "u" });
    expect(toEvaluatorLog("l1", { type: "correction", value: "better" })).toEqual({ parent_id: "l1", path: "correction", judgment: "better" });
    expect(toEvaluatorLog("l1", { type: "rating", unset: true })).toEqual({ parent_id: "l1", path: "rating", judgment: null });
    expect(toEvaluatorLog("l1", { type: "evals/helpful", value: 4, created_at: "2025-01-01T00:00:00Z" })).toEqual({
      parent_id: "l1",
      path: "evals/helpful",
      judgment: 4,
      created_at: "2025-01-01T00:00:00Z",
    });
    expect(validateV5Body("evaluator_log", toEvaluatorLog("l1", { type: "rating", unset: true }), "strict").ok).toBe(true);
  });
});
