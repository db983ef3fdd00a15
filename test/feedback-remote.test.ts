import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HumanloopTestServer } from "../testing/index.js";
import { forgetResolvedLogIds } from "../src/feedback/feedback-direct.js";
import { HumanloopFeedbackError } from "../src/feedback/feedback-error.js";
import { setFeedbackSink } from "../src/core/feedback-sink.js";
import { feedback } from "../src/feedback/feedback.js";
import { referenceIdOf } from "../src/core/reference.js";

// Feedback for a log made by ANOTHER process: this process has no record of
// it, so feedback() resolves the server id with PATCH /logs?reference_id=.

const run = promisify(execFile);

/** Logs one chat turn from a separate Node process, the way another instance of the app would; returns its reference. */
async function logFromAnotherProcess(server: HumanloopTestServer): Promise<string> {
  const reference = referenceIdOf({ traceId: randomBytes(16).toString("hex"), spanId: randomBytes(8).toString("hex") });
  const script = `
    const [url, key, ref] = process.argv.slice(1);
    const res = await fetch(url + "/logs", { method: "POST", headers: { "X-API-KEY": key, "Content-Type": "application/json" },
      body: JSON.stringify({ project: "support-bot", reference_id: ref, config: { type: "model", model: "gpt-4o-mini", provider: "openai" },
        messages: [{ role: "user", content: "Where is my order?" }], output: "It ships today." }) });
    if (res.status !== 200) throw new Error("log not stored: " + res.status + " " + await res.text());`;
  await run(process.execPath, ["--input-type=module", "-e", script, server.url, server.apiKey, reference]);
  return reference;
}

const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn(), verbose: vi.fn() };
let server: HumanloopTestServer;

beforeAll(async () => {
  server = await HumanloopTestServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  forgetResolvedLogIds();
  setFeedbackSink(undefined);
  vi.stubEnv("HUMANLOOP_API_KEY", server.apiKey);
  vi.stubEnv("HUMANLOOP_BASE_URL", server.url);
  vi.stubEnv("HUMANLOOP_FEEDBACK_TIMEOUT_MS", "10000");
  for (const fn of Object.values(logger)) fn.mockReset();
  diag.setLogger(logger, DiagLogLevel.WARN);
});
afterEach(() => {
  vi.unstubAllEnvs();
  diag.disable();
});

const warnings = () => [...logger.warn.mock.calls, ...logger.error.mock.calls].map((c) => String(c[0]));

describe("feedback() on another process's log", () => {
  it("finds the log by its reference and attaches the feedback to it", async () => {
    const ref = await logFromAnotherProcess(server);
    await feedback(ref, { type: "rating", value: "good", user: "user-42", createdAt: "2025-03-01T10:00:00Z" });
    const log = server.log(ref)!;
    expect(server.feedback()).toEqual([
      expect.objectContaining({ data_id: log.id, type: "rating", value: "good", user: "user-42", created_at: "2025-03-01T10:00:00Z" }),
    ]);
    expect(server.stats.requests["PATCH /v4/logs"]).toBeDefined();
    // Nothing but an empty update reached the log.
    expect(log.output).toBe("It ships today.");
    expect(warnings()).toEqual([]);
  });

  it("arrives exactly once through 503, 502 and 429 (Retry-After) answers", async () => {
    const ref = await logFromAnotherProcess(server);
    server.failNext(1, { status: 429, retryAfter: 0, path: "/logs" });
    server.failNext(2, { status: 503, path: "/feedback" });
    server.failNext(1, { status: 502, path: "/feedback" });
    await feedback(ref, { type: "comment", value: "Helpful, thanks" });
    await feedback(ref, { type: "action", value: "copy" });
    expect(server.feedback().map((f) => [f.type, f.value, f.data_id])).toEqual([
      ["comment", "Helpful, thanks", server.log(ref)!.id],
      ["action", "copy", server.log(ref)!.id],
    ]);
    expect(warnings()).toEqual([]);
  });

  it("a reference Humanloop does not know: rejects with the 404, reported once through diag", async () => {
    const ref = referenceIdOf({ traceId: randomBytes(16).toString("hex"), spanId: randomBytes(8).toString("hex") });
    const err = await feedback(ref, { type: "rating", value: "bad" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HumanloopFeedbackError);
    expect(err).toMatchObject({ status: 404, reference: ref, detail: "Log not found" });
    expect((err as Error).message).toMatch(new RegExp(`no log with reference ${ref}`));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(ref);
    expect(server.feedback()).toEqual([]);
  });

  it("a 404 from POST /feedback (the log is gone) rejects with the server's detail, reported once", async () => {
    const ref = await logFromAnotherProcess(server);
    await feedback(ref, { type: "rating", value: "good" });
    const id = server.log(ref)!.id;
    server.reset(); // the server forgets the log; this process still knows its id
    const err = (await feedback(ref, { type: "rating", value: "bad" }).catch((e: unknown) => e)) as HumanloopFeedbackError;
    expect(err.status).toBe(404);
    expect(err.detail).toEqual([{ loc: ["body", "data_id"], msg: `Log ${id} not found`, type: "not_found" }]);
    expect(err.message).toContain(`body.data_id: Log ${id} not found`);
    expect(warnings()).toEqual([`humanloop-otel: ${err.message}`]);
  });

  it("a 422 is not retried: rejects with its detail, reported once", async () => {
    const ref = await logFromAnotherProcess(server);
    server.failNext(1, { status: 422, path: "/feedback" });
    const err = (await feedback(ref, { type: "rating", value: "good" }).catch((e: unknown) => e)) as HumanloopFeedbackError;
    expect(err).toBeInstanceOf(HumanloopFeedbackError);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/refused with HTTP 422/);
    expect(warnings()).toHaveLength(1);
    expect(server.stats.requests["POST /v4/feedback"]).toEqual({ "422": 1 });
  });

  it("without an API key: rejects clearly, and an unhandled rejection does not crash the process", async () => {
    const ref = await logFromAnotherProcess(server);
    vi.stubEnv("HUMANLOOP_API_KEY", "");
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      void feedback(ref, { type: "rating", value: "good" }); // fire and forget
      await expect(feedback(ref, { type: "rating", value: "good" })).rejects.toThrow(/no Humanloop API key \(call register\(\), or set HUMANLOOP_API_KEY\)/);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  it("uses the registered sink's connection for references it does not have", async () => {
    const ref = await logFromAnotherProcess(server);
    vi.stubEnv("HUMANLOOP_API_KEY", "wrong-key");
    const sink = {
      logIdOf: vi.fn(async () => "data_x"),
      enqueueFeedback: vi.fn(async () => undefined),
      hasLog: vi.fn(() => false),
      connection: () => ({ apiKey: server.apiKey, baseUrl: server.url }),
    };
    setFeedbackSink(sink);
    await feedback(ref, { type: "rating", value: "good" });
    expect(sink.hasLog).toHaveBeenCalledWith(ref);
    expect(sink.enqueueFeedback).not.toHaveBeenCalled();
    expect(server.feedback()).toHaveLength(1);
  });
});
