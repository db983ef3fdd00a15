#!/usr/bin/env node
/**
 * `humanloop-otel-server`: starts the local Humanloop v4 server, prints its
 * URL, and serves until SIGINT or SIGTERM.
 */
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { runCli } from "./cli-main.js";

// warnings (e.g. OTLP spans refused or stored without their parent) go to standard error
const write = (message: string, ...args: unknown[]) => process.stderr.write(`${[message, ...args.map(String)].join(" ")}\n`);
diag.setLogger({ error: write, warn: write, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

runCli(process.argv.slice(2)).then(
  (running) => {
    if (!running) return;
    const stop = () => {
      void running.stop().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
  (error: unknown) => {
    process.stderr.write(`humanloop-otel-server: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
