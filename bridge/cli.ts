#!/usr/bin/env node
/**
 * `humanloop-otel-bridge`: receives OTLP traces and delivers them to a
 * Humanloop-compatible API, until SIGINT or SIGTERM.
 */
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { runBridgeCli } from "./cli-main.js";

// the bridge's warnings (drops, refusals, unlinked spans) go to standard error
const write = (message: string, ...args: unknown[]) => process.stderr.write(`${[message, ...args.map(String)].join(" ")}\n`);
diag.setLogger({ error: write, warn: write, info: write, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });

runBridgeCli(process.argv.slice(2)).then(
  (running) => {
    if (!running) return;
    const stop = () => {
      void running.stop().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
  (error: unknown) => {
    process.stderr.write(`humanloop-otel-bridge: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
