/**
 * Options of the OTLP bridge, resolved in one place: explicit option, else
 * environment variable, else default.
 */
import type { HumanloopExporterOptions } from "../exporters/humanloop/options.js";

/** Options of {@link HumanloopOtlpBridge}. */
export interface BridgeOptions {
  /** Humanloop API key the logs are delivered with. Env `HUMANLOOP_API_KEY`. Required. */
  apiKey?: string;
  /** Humanloop-compatible API base URL including `/v4`. Env `HUMANLOOP_BASE_URL`. Default `https://api.humanloop.com/v4`. */
  baseUrl?: string;
  /** The `X-API-KEY` senders must present. Env `HUMANLOOP_OTEL_BRIDGE_RECEIVER_KEY`. Default: `apiKey` (the same key as the API). */
  receiverApiKey?: string;
  /** Port of the OTLP/HTTP listener. Env `HUMANLOOP_OTEL_BRIDGE_PORT`. Default 4318 (`0`: a free port). */
  port?: number;
  /** Interface to listen on. Env `HUMANLOOP_OTEL_BRIDGE_HOST`. Default `"127.0.0.1"` (use `"0.0.0.0"` in a container). */
  host?: string;
  /**
   * The durable spool file (node:sqlite), one per replica. A 200 is sent once a request's spans are in it; a
   * restarted bridge delivers what it holds. `":memory:"` keeps nothing across a restart (what was acknowledged
   * may then be lost). Env `HUMANLOOP_OTEL_BRIDGE_SPOOL`. Default `"humanloop-otel-bridge.sqlite"` (in the working directory).
   */
  spoolPath?: string;
  /** Longest a span waits for a parent that has not arrived, in ms; then it goes out unlinked (reason in metadata). Default 300,000. */
  maxWaitMillis?: number;
  /** Most spans waiting for their parents; beyond it the oldest waits end (unlinked). Default 20,000. */
  maxWaitingSpans?: number;
  /** Resolved spans remembered in memory for late children and duplicates. Default 200,000. */
  maxRememberedSpans?: number;
  /** Most spans accepted and not yet delivered (waiting or queued); beyond it requests get 429 with `Retry-After`. Default 20,000. */
  maxPendingSpans?: number;
  /** Largest request body, before and after gunzip, in bytes. Default 10 MiB. */
  maxBodyBytes?: number;
  /**
   * How long finished spans are kept in the spool for late children of a restarted bridge, in ms (a restart reads
   * back at most `maxRememberedSpans` of them). Costs disk: ~200 bytes a span. Default 300,000 (5 minutes).
   */
  spoolRetentionMillis?: number;
  /**
   * Delivery settings of the exporter queue (batching, concurrency, retry; `project`, `source`,
   * `environment` defaults for logs). `apiKey`/`baseUrl` come from above. Default `retryDeadlineMillis`
   * here: 600,000 (logs not delivered by then stay in the spool for the next start).
   */
  delivery?: Omit<HumanloopExporterOptions, "apiKey" | "baseUrl">;
}

/** Options with every value resolved. */
export interface ResolvedBridgeOptions {
  apiKey: string;
  baseUrl: string | undefined;
  receiverApiKey: string;
  port: number;
  host: string;
  spoolPath: string;
  maxWaitMillis: number;
  maxWaitingSpans: number;
  maxRememberedSpans: number;
  maxPendingSpans: number;
  maxBodyBytes: number;
  spoolRetentionMillis: number;
  delivery: Omit<HumanloopExporterOptions, "apiKey" | "baseUrl">;
}

const NUMBERS = {
  maxWaitMillis: 300_000,
  maxWaitingSpans: 20_000,
  maxRememberedSpans: 200_000,
  maxPendingSpans: 20_000,
  maxBodyBytes: 10 * 1024 * 1024,
  spoolRetentionMillis: 300_000,
} as const;

const KNOWN = new Set(["apiKey", "baseUrl", "receiverApiKey", "port", "host", "spoolPath", "delivery", ...Object.keys(NUMBERS)]);

function fail(message: string): never {
  throw new TypeError(`humanloop-otel-bridge: ${message}`);
}

const env = (e: NodeJS.ProcessEnv, name: string) => (e[name]?.trim() ? e[name]!.trim() : undefined);

/** Resolves options, env and defaults; throws a `TypeError` saying what is wrong and how to fix it. */
export function resolveBridgeOptions(options: BridgeOptions = {}, e: NodeJS.ProcessEnv = process.env): ResolvedBridgeOptions {
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) fail(`unknown option "${key}". Known options: ${[...KNOWN].join(", ")}.`);
  const apiKey = options.apiKey || env(e, "HUMANLOOP_API_KEY");
  if (!apiKey) fail("no Humanloop API key: set HUMANLOOP_API_KEY (or the apiKey option).");
  const numbers = {} as Record<keyof typeof NUMBERS, number>;
  for (const [key, fallback] of Object.entries(NUMBERS) as [keyof typeof NUMBERS, number][]) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) numbers[key] = fallback;
    else if (typeof value !== "number" || !Number.isFinite(value) || value < 1) fail(`option "${key}" must be a number >= 1, got ${String(value)}. Leave it out for the default (${fallback}).`);
    else numbers[key] = value;
  }
  const portText = options.port ?? env(e, "HUMANLOOP_OTEL_BRIDGE_PORT") ?? 4318;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port must be an integer in [0, 65535], got ${String(portText)}.`);
  return {
    apiKey,
    baseUrl: options.baseUrl || env(e, "HUMANLOOP_BASE_URL"),
    receiverApiKey: options.receiverApiKey || env(e, "HUMANLOOP_OTEL_BRIDGE_RECEIVER_KEY") || apiKey,
    port,
    host: options.host || env(e, "HUMANLOOP_OTEL_BRIDGE_HOST") || "127.0.0.1",
    spoolPath: options.spoolPath || env(e, "HUMANLOOP_OTEL_BRIDGE_SPOOL") || "humanloop-otel-bridge.sqlite",
    ...numbers,
    delivery: { retryDeadlineMillis: 600_000, ...options.delivery },
  };
}
