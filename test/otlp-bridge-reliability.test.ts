// Runs the built bridge (npm test builds first): dist/bridge-cli.js, killed with SIGKILL mid-run.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { HumanloopTestServer } from "../testing/index.js";
import { NODE } from "./fixtures/spawn-node.js";
import { expectedParents, loadSpans, otlpRequests } from "./fixtures/otlp-load.js";

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startBridge(port: number, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ["dist/bridge-cli.js", "--port", String(port), "--stats-interval", "0"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("listening at")) resolve(child);
    });
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => reject(new Error(`bridge exited (${code}) before listening: ${out}`)));
  });
}

it(
  "with 20% 5xx, 10% 429, 5% store-then-reset at the API and the bridge killed mid-run, every span acknowledged is delivered once, in the right tree",
  async () => {
    const server = await HumanloopTestServer.start({ faults: { status: { 500: 0.1, 502: 0.05, 503: 0.05, 429: 0.1 }, reset: 0.05, retryAfter: 0.05 }, seed: 13 });
    const port = await freePort();
    const env = {
      HUMANLOOP_API_KEY: server.apiKey,
      HUMANLOOP_BASE_URL: server.url,
      HUMANLOOP_OTEL_BRIDGE_SPOOL: path.join(mkdtempSync(path.join(tmpdir(), "hl-bridge-")), "spool.sqlite"),
    };
    let bridge = await startBridge(port, env);
    const spans = await loadSpans(300); // 1,200 spans, 900 logs
    const requests = otlpRequests(spans, 25);
    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    const sender = async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const request = requests[i]!;
        for (;;) {
          // the sender retries as the OTel exporters do: on 429/503 and connection errors
          const status = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
            method: "POST",
            headers: { "content-type": request.contentType, "x-api-key": server.apiKey },
            body: request.body,
          }).then((r) => r.status, () => 0);
          if (status === 200) break;
          expect([0, 429, 503]).toContain(status);
          await new Promise((r) => setTimeout(r, 50));
        }
        for (const s of request.spans) acked.add(`${s.spanContext().traceId}-${s.spanContext().spanId}`);
        if (!killed && i === Math.floor(requests.length * 0.4)) {
          killed = true;
          bridge.kill("SIGKILL");
          await new Promise((r) => setTimeout(r, 200));
          bridge = await startBridge(port, env);
        }
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    expect(killed).toBe(true);

    const parents = expectedParents(spans);
    const deadline = Date.now() + 60_000;
    while (server.logCount < parents.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const logs = server.logs();
    const refs = logs.map((l) => l.reference_id!);
    expect(new Set(refs).size).toBe(refs.length); // no duplicate
    expect(refs.length).toBe(parents.size); // no loss: every logged span (all were acknowledged)
    for (const ref of parents.keys()) expect(acked.has(ref)).toBe(true);
    for (const log of logs) expect([log.reference_id, log.parent_reference_id]).toEqual([log.reference_id, parents.get(log.reference_id!)]);
    expect(server.stats.faultsInjected).toMatchObject({ "429": expect.any(Number), "500": expect.any(Number) });
    expect(server.stats.resetsInjected).toBeGreaterThan(0);

    const stopped = new Promise((r) => bridge.on("exit", r));
    bridge.kill("SIGTERM");
    await stopped;
    await server.close();
  },
  120_000,
);
