/**
 * `import "openai"` is patched through the import-in-the-middle loader hook
 * (`node --import` registering `@opentelemetry/instrumentation/hook.mjs`),
 * in a child process running the instrumentation compiled to plain ESM.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { build } from "esbuild";
import { OpenAITestServer } from "../testing/openai-server.js";

// Inside node_modules so the compiled file resolves the package's dependencies.
const dir = join(process.cwd(), "node_modules", ".cache", "humanloop-otel-openai-esm-test");
const server = new OpenAITestServer();

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  await build({ entryPoints: ["instrumentations/openai/index.ts"], bundle: true, platform: "node", format: "esm", packages: "external", outfile: join(dir, "openai-instrumentation.mjs"), logLevel: "error" });
  writeFileSync(join(dir, "register-hook.mjs"), `import { register } from "node:module";\nregister("@opentelemetry/instrumentation/hook.mjs", import.meta.url);\n`);
  writeFileSync(join(dir, "app.mjs"), `
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { OpenAIInstrumentation } from "./openai-instrumentation.mjs";
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const instrumentation = new OpenAIInstrumentation();
instrumentation.setTracerProvider(provider);
const { default: OpenAI } = await import("openai");
const client = new OpenAI({ apiKey: "k", baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
await client.chat.completions.create({ model: "gpt-esm", messages: [{ role: "user", content: "hi" }] });
console.log(JSON.stringify(exporter.getFinishedSpans().map((s) => s.name)));
`);
  await server.start();
});
afterAll(() => server.close());

it("patches an ESM import of openai through the loader hook", async () => {
  // Asynchronous: the local server answers from this process.
  const out = await promisify(execFile)(process.execPath, ["--import", join(dir, "register-hook.mjs"), join(dir, "app.mjs")], {
    encoding: "utf8",
    env: { ...process.env, OPENAI_BASE_URL: server.url },
    timeout: 20_000,
  });
  expect(out.stderr).not.toMatch(/Error/);
  expect(JSON.parse(out.stdout.trim().split("\n").at(-1)!)).toEqual(["chat gpt-esm"]);
});
