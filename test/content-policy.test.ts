import { afterEach, describe, expect, it } from "vitest";
import { applyPolicy, captureContentFromEnv, captureJson, captureOutput, getContentPolicy, setContentPolicy } from "../src/core/content-policy.js";
import { parseReferenceId, referenceIdOf } from "../src/core/reference.js";

const initial = { ...getContentPolicy() };
afterEach(() => setContentPolicy({ ...initial, mask: undefined }));

describe("content policy", () => {
  it("reads the GenAI capture env var", () => {
    expect(captureContentFromEnv({})).toBeUndefined();
    expect(captureContentFromEnv({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "false" })).toBe(false);
    expect(captureContentFromEnv({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "NO_CONTENT" })).toBe(false);
    expect(captureContentFromEnv({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" })).toBe(true);
  });

  it("masks before truncating, so a secret straddling the limit is never partly kept", () => {
    // The mask only recognises whole keys; cutting first would leave "sk-abcdef…" unmatched.
    setContentPolicy({ maxContentLength: 60, mask: (t) => t.replace(/sk-[a-z0-9]{32}/g, "[key]") });
    const out = captureOutput(`${"a".repeat(30)} sk-${"abcdef0123456789".repeat(2)} ${"b".repeat(40)}`, "humanloop.output");
    expect(out).not.toContain("sk-");
    expect(out).toContain("[key]");
    expect(captureJson({ key: `sk-${"0".repeat(32)}` }, "humanloop.inputs")).toBe('{"key":"[key]"}');
  });

  it("never leaks content when the mask throws", () => {
    setContentPolicy({ mask: () => { throw new Error("bad mask"); } });
    expect(applyPolicy("secret", "gen_ai.input.messages")).toBe("[mask failed]");
  });

  it("is shared through globalThis", () => {
    setContentPolicy({ captureContent: false });
    const key = Symbol.for("humanloop-otel.content-policy");
    expect((globalThis as Record<symbol, { captureContent: boolean }>)[key]!.captureContent).toBe(false);
  });
});

describe("log references", () => {
  it("round-trips a span context", () => {
    const ctx = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
    const ref = referenceIdOf(ctx);
    expect(parseReferenceId(ref)).toEqual(ctx);
    expect(parseReferenceId("data_123")).toBeUndefined();
  });
});
