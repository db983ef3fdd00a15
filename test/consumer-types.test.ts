// Runs against the built package (npm test builds first): a TypeScript app's
// view of it, through package.json `exports`, as ES module and as CommonJS.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));
const app = mkdtempSync(path.join(tmpdir(), "hl-consumer-"));
afterAll(() => rmSync(app, { recursive: true, force: true }));

// What an app writes, with values whose types its own declarations must name (declaration emit).
const ESM = `
import { register, traced, session, feedback, currentLogRef, HumanloopSpanProcessor, type RegisterOptions } from "humanloop-otel";
import { OpenAIInstrumentation } from "humanloop-otel/openai";
import { AnthropicInstrumentation } from "humanloop-otel/anthropic";
import * as agents from "humanloop-otel/openai-agents";
import { HumanloopTestServer, OpenAITestServer } from "humanloop-otel/testing";
import { HumanloopOtlpBridge } from "humanloop-otel/bridge";

const options: RegisterOptions = { project: "app", captureContent: false };
export const tracing = register(options);
export const answer = traced(async (q: string) => q.length, { name: "answer", kind: "tool" });
export const inSession = session({ id: "s-1" }, () => answer("hi"));
export const sendFeedback = (ref: string) => feedback(ref, { type: "rating", value: "good" });
export const ref = () => currentLogRef();
export const processor = new HumanloopSpanProcessor({ project: "app" });
export const openai = new OpenAIInstrumentation({ captureContent: true });
export const anthropic = new AnthropicInstrumentation();
export const agentsEntry = agents;
export const server = await HumanloopTestServer.start();
export const serverStats = () => server.stats.otlp;
export const model = new OpenAITestServer();
export const bridgeStats = (bridge: HumanloopOtlpBridge) => bridge.stats;
`;

const CJS = `
import hl = require("humanloop-otel");
import openai = require("humanloop-otel/openai");
import anthropic = require("humanloop-otel/anthropic");
import agents = require("humanloop-otel/openai-agents");
import testing = require("humanloop-otel/testing");
import bridge = require("humanloop-otel/bridge");

export const tracing = hl.register({ project: "app" });
export const instrumentations = [new openai.OpenAIInstrumentation(), new anthropic.AnthropicInstrumentation()];
export const agentsEntry = agents;
export const server = () => testing.HumanloopTestServer.start();
export const bridgeStats = (b: bridge.HumanloopOtlpBridge) => b.stats;
`;

describe("the package as a TypeScript app sees it", () => {
  it("type-checks and emits declarations as ES module and as CommonJS (NodeNext resolution through exports)", () => {
    mkdirSync(path.join(app, "node_modules"), { recursive: true });
    symlinkSync(root, path.join(app, "node_modules", "humanloop-otel"), "dir");
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", type: "module", private: true }));
    writeFileSync(path.join(app, "esm.mts"), ESM);
    writeFileSync(path.join(app, "cjs.cts"), CJS);
    const program = ts.createProgram([path.join(app, "esm.mts"), path.join(app, "cjs.cts")], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      declaration: true,
      emitDeclarationOnly: true,
      outDir: path.join(app, "out"),
      types: ["node"],
      typeRoots: [path.join(root, "node_modules", "@types")],
      skipLibCheck: false,
    });
    const emitted = program.emit();
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]
      // Only what concerns the app and this package's declarations; other packages' own .d.ts are theirs.
      .filter((d) => !d.file || !d.file.fileName.includes("/node_modules/") || d.file.fileName.includes("/humanloop-otel/dist/") || d.file.fileName.startsWith(path.join(root, "dist")))
      .map((d) => `${d.file ? path.basename(d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(diagnostics).toEqual([]);
    expect(emitted.emitSkipped).toBe(false);
  }, 60_000);
});
