import { it, expect, beforeAll, afterAll } from "vitest";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { register, traced, session, HumanloopSpanProcessor } from "../src/index.js";
import { HumanloopTestServer } from "../testing/index.js";

let server: HumanloopTestServer;
beforeAll(async () => {
  server = await HumanloopTestServer.start();
});
afterAll(() => server.close());

it("an app with its own NodeSDK adds HumanloopSpanProcessor; register() does not take the provider over and says so once", async () => {
  const warnings: string[] = [];
  diag.setLogger({ warn: (m: string) => warnings.push(m), error: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  const sdk = new NodeSDK({
    serviceName: "nodesdk-app",
    spanProcessors: [new HumanloopSpanProcessor({ apiKey: server.apiKey, baseUrl: server.url, project: "nodesdk" })],
    instrumentations: [],
    resourceDetectors: [],
  });
  sdk.start();

  const tracing = register({ apiKey: "ignored", baseUrl: server.url });
  expect(register()).toBe(tracing);
  const takeover = warnings.filter((w) => /already registered/.test(w));
  expect(takeover).toHaveLength(1);
  expect(takeover[0]).toMatch(/HumanloopSpanProcessor/);

  const lookup = traced(async function lookup(id: string) { return { id }; }, { kind: "tool" });
  const agent = traced(async function agent() { return (await lookup("A-1")).id; }, { kind: "agent" });
  await session("sdk-session", () => agent());
  await tracing.forceFlush();
  expect(server.logs()).toHaveLength(2);

  await tracing.shutdown(); // flushes but leaves the app's provider running
  await session("after", () => agent());
  await sdk.shutdown();
  diag.disable();

  const tree = server.trees().find((t) => t.session_reference_id === "sdk-session")!;
  expect(tree.roots).toHaveLength(1);
  expect(tree.roots[0]!.config).toMatchObject({ type: "tool", name: "agent" });
  expect(tree.roots[0]!.project).toBe("nodesdk");
  expect(tree.roots[0]!.children.map((c) => (c.config as { name: string }).name)).toEqual(["lookup"]);
  expect(server.logs().filter((l) => l.session_reference_id === "after")).toHaveLength(2);
});
