#!/usr/bin/env node
/**
 * `humanloop-otel-bridge`: receives OTLP traces and delivers them to a
 * Humanloop-compatible API, until SIGINT or SIGTERM. Its warnings (drops,
 * refusals, unlinked spans) and start-up lines go to standard error.
 */
import { DiagLogLevel } from "@opentelemetry/api";
import { loadWithSqlite, startCli } from "../src/core/cli-entry.js";

startCli("humanloop-otel-bridge", async (argv) => (await loadWithSqlite(() => import("./cli-main.js"))).runBridgeCli(argv), DiagLogLevel.INFO);
