#!/usr/bin/env node
/**
 * `humanloop-otel-server`: starts the local Humanloop-compatible server (v4,
 * v5, OTLP, the viewer), prints its URLs, and serves until SIGINT or SIGTERM.
 * Warnings (e.g. OTLP spans refused or stored without their parent) go to
 * standard error.
 */
import { DiagLogLevel } from "@opentelemetry/api";
import { loadWithSqlite, startCli } from "../src/core/cli-entry.js";

startCli("humanloop-otel-server", async (argv) => (await loadWithSqlite(() => import("./cli-main.js"))).runCli(argv), DiagLogLevel.WARN);
