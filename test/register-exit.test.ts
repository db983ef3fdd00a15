import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { it, expect, beforeAll, afterAll, afterEach } from "vitest";
import { HumanloopTestServer } from "../testing/index.js";
import { runNode } from "./fixtures/spawn-node.js";
import { OtlpReceiver } from "./fixtures/otlp-receiver.js";

// Runs against the built package (npm test builds first).
let server: HumanloopTestServer;
let otlp: OtlpReceiver;
beforeAll(async () => {
  server = await HumanloopTestServer.start();
  otlp = await OtlpReceiver.start();
});
afterAll(() => Promise.all([server.close(), otlp.close()]));
afterEach(() => {
  server.reset();
  otlp.spans.length = 0;
});

const env = () => ({
  HUMANLOOP_API_KEY: server.apiKey,
  HUMANLOOP_BASE_URL: server.url,
  HUMANLOOP_PROJECT: "exit",
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  OTEL_BSP_SCHEDULE_DELAY: "60000",
});
const otlpSpans = (id: string) => otlp.spans.filter((s) => s.attributes["humanloop.session.id"] === id);
const sessionLogs = (id: string) => server.logs().filter((l) => l.session_reference_id === id);

it("delivers queued logs when the process ends normally (beforeExit)", async () => {
  const r = await runNode(["test/fixtures/exit-app.mjs", "natural"], env());
  expect(r.code, r.stderr).toBe(0);
  expect(sessionLogs("exit-natural")).toHaveLength(2);
  expect(otlpSpans("exit-natural")).toHaveLength(2);
});

it("on SIGTERM without an app handler: flushes, then ends by the signal as before", async () => {
  const r = await runNode(["test/fixtures/exit-app.mjs", "sigterm"], env(), (out, child) => {
    if (out.includes("ready")) child.kill("SIGTERM");
  });
  expect(r.signal, r.stderr).toBe("SIGTERM");
  expect(sessionLogs("exit-sigterm")).toHaveLength(2);
  expect(otlpSpans("exit-sigterm")).toHaveLength(2);
});

it("on SIGTERM with the app's own handler: flushes and leaves exiting to the app", async () => {
  const r = await runNode(["test/fixtures/exit-app.mjs", "sigterm-app-handler"], env(), (out, child) => {
    if (out.endsWith("ready\n")) child.kill("SIGTERM");
  });
  expect(r.stdout).toContain("app-handler");
  expect(r.code, r.stderr).toBe(0);
  expect(sessionLogs("exit-sigterm-app-handler")).toHaveLength(2);
  expect(otlpSpans("exit-sigterm-app-handler")).toHaveLength(2);
});

it("on SIGTERM with a backend that never answers: ends by the signal within the exit limit (5 s by default)", async () => {
  const silent = createServer(() => {}); // accepts requests, never answers
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  let sentAt = 0;
  try {
    const r = await runNode(["test/fixtures/exit-app.mjs", "sigterm"], { ...env(), HUMANLOOP_BASE_URL: `${base}/v4`, OTEL_EXPORTER_OTLP_ENDPOINT: base }, (out, child) => {
      if (out.includes("ready") && sentAt === 0) {
        sentAt = Date.now();
        child.kill("SIGTERM");
      }
    });
    const waited = Date.now() - sentAt;
    expect(r.signal, r.stderr).toBe("SIGTERM");
    // The exporter alone would wait its own shutdown limit (10 s) or retry for 30 s; the exit flush cuts it at 5 s.
    expect(waited).toBeLessThan(9_000);
  } finally {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  }
}, 30_000);

it("on a normal exit with Humanloop unreachable: ends within the exit limit instead of retrying for 30 s", async () => {
  // A port with nothing listening: every attempt is refused, and the exporter would retry until its 30 s deadline.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const started = Date.now();
  // Humanloop only: the OTLP exporter's own retry timers are the OTel SDK's business, not this test's.
  const r = await runNode(["test/fixtures/exit-app.mjs", "natural"], { ...env(), HUMANLOOP_BASE_URL: `http://127.0.0.1:${port}/v4`, OTEL_EXPORTER_OTLP_ENDPOINT: "" }, undefined, 40_000);
  expect(r.code, r.stderr).toBe(0);
  // The exit flush waits at most exitTimeoutMillis (5 s by default); retry timers must not hold the process after that.
  expect(Date.now() - started).toBeLessThan(12_000);
}, 45_000);

it("on a normal exit, a streamed call whose stream was never read is still logged", async () => {
  const { OpenAITestServer } = await import("../testing/openai-server.js");
  const openai = new OpenAITestServer();
  await openai.start();
  try {
    const r = await runNode(["test/fixtures/exit-unread-stream.mjs"], { ...env(), OPENAI_BASE_URL: openai.url }, undefined, 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("created");
    const logs = sessionLogs("exit-unread-stream");
    expect(logs).toHaveLength(1);
    expect(logs[0]!.config).toMatchObject({ type: "model", model: "gpt-exit" });
  } finally {
    await openai.close();
  }
});

it("without register(): an app's own `await processor.forceFlush()` keeps the process alive through a retry", async () => {
  server.failNext(1, { status: 503 });
  const r = await runNode(["test/fixtures/explicit-flush.mjs"], env(), undefined, 30_000);
  // Exit code 13 is Node's "unsettled top-level await": the retry's timer alone did not keep the process alive.
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("flushed");
  expect(server.logs().filter((l) => (l.config as { name?: string } | undefined)?.name === "job")).toHaveLength(1);
});
