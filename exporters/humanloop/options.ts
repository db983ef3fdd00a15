/**
 * Options of the Humanloop span processor and exporter, resolved in one
 * place: explicit option, else environment variable, else default.
 */

/** Options of {@link HumanloopSpanProcessor} and {@link HumanloopSpanExporter}. */
export interface HumanloopExporterOptions {
  /** Humanloop API key. Env `HUMANLOOP_API_KEY`. Without one the exporter is disabled (one diag warning) and the app keeps working. */
  apiKey?: string;
  /**
   * Which Humanloop API the logs go to. Env `HUMANLOOP_API_VERSION`. Default `"v4"`.
   * `"v4"`: logs, sessions and feedback (`POST /logs`, batched). `"v5"`: Prompt,
   * Tool and Flow logs in traces, feedback as evaluator judgments (one request
   * per log, `maxConcurrentRequests` at once; see the README's "Humanloop v5").
   */
  apiVersion?: "v4" | "v5";
  /**
   * API base URL including the version (`/v4` or `/v5`). Env `HUMANLOOP_BASE_URL`.
   * Default `https://api.humanloop.com/` + `apiVersion`. A URL ending in `/v4`
   * or `/v5` gets the `apiVersion`'s suffix instead, so one base URL serves both.
   */
  baseUrl?: string;
  /** Project for logs whose span names none (`humanloop.project`). Env `HUMANLOOP_PROJECT`. Default: the resource's `service.name`, else `"default"`. */
  project?: string;
  /** `source` of every log unless the span sets `humanloop.source`. Default: none. */
  source?: string;
  /** `environment` of every log unless the span sets `humanloop.environment`. Default: none. */
  environment?: string;
  /** Most items (log creations, completions, feedback) held at once; new items beyond it are dropped and counted. Default 10,000. */
  maxQueueSize?: number;
  /** Most logs in one `POST /logs`. Default 100. */
  maxBatchSize?: number;
  /** Most bytes (UTF-8) in the body of one `POST /logs`; a single larger log goes alone. The API refuses bodies over 10 MiB. Default 5 MiB. */
  maxBatchBytes?: number;
  /** How long a batch that is not full waits for more logs, in ms. Default 200. */
  scheduledDelayMillis?: number;
  /** Most requests in flight at once (a completing `PATCH` and each feedback item take one request of their own). Default 8. */
  maxConcurrentRequests?: number;
  /** Timeout of one HTTP attempt, in ms. Default 10,000. */
  requestTimeoutMillis?: number;
  /** How long an item may be retried, from its first attempt, before it is given up, in ms. Default 30,000. */
  retryDeadlineMillis?: number;
  /** First retry backoff (the cap of its full jitter), in ms; doubles each attempt. Default 200. */
  retryInitialDelayMillis?: number;
  /** Largest retry backoff, in ms. Default 5,000. */
  retryMaxDelayMillis?: number;
  /** Longest `shutdown()` waits for queued work before giving it up, in ms. Default 10,000. */
  shutdownTimeoutMillis?: number;
  /** Longest a log waits for its parent's log before it is sent without the link, in ms. Default 30,000. */
  parentWaitMillis?: number;
  /**
   * How long the log of an ended span waits for its still-open logged
   * ancestor, in ms. If the ancestor ends within this bound it is logged
   * once, complete, and the waiting logs follow in a later request; if it is
   * still open after it (a long agent run), or `forceFlush()`/`shutdown()`
   * asks for delivery, the ancestor is logged early without output and
   * completed by `PATCH /logs?reference_id=` when it ends. `0` logs the
   * ancestor as soon as a child is ready. Used by the span processor (the
   * exporter sees only ended spans). Default 1,000.
   */
  earlyLogAfterMillis?: number;
  /** How many confirmed `reference_id -> id` pairs are remembered (for `logIdOf`, feedback and late children). Default 50,000. */
  maxRememberedLogs?: number;
}

/** Options with every value resolved. */
export interface ResolvedExporterOptions {
  apiKey: string | undefined;
  apiVersion: "v4" | "v5";
  baseUrl: string;
  project: string | undefined;
  source: string | undefined;
  environment: string | undefined;
  maxQueueSize: number;
  maxBatchSize: number;
  maxBatchBytes: number;
  scheduledDelayMillis: number;
  maxConcurrentRequests: number;
  requestTimeoutMillis: number;
  retryDeadlineMillis: number;
  retryInitialDelayMillis: number;
  retryMaxDelayMillis: number;
  shutdownTimeoutMillis: number;
  parentWaitMillis: number;
  earlyLogAfterMillis: number;
  maxRememberedLogs: number;
}

/** The default API base URL. */
export const DEFAULT_BASE_URL = "https://api.humanloop.com/v4";

const NUMERIC_DEFAULTS = {
  maxQueueSize: 10_000,
  maxBatchSize: 100,
  maxBatchBytes: 5 * 1024 * 1024,
  scheduledDelayMillis: 200,
  maxConcurrentRequests: 8,
  requestTimeoutMillis: 10_000,
  retryDeadlineMillis: 30_000,
  retryInitialDelayMillis: 200,
  retryMaxDelayMillis: 5_000,
  shutdownTimeoutMillis: 10_000,
  parentWaitMillis: 30_000,
  earlyLogAfterMillis: 1_000,
  maxRememberedLogs: 50_000,
} as const;

/** Options that must be at least 1; the rest may be 0. */
const POSITIVE = new Set(["maxQueueSize", "maxBatchSize", "maxBatchBytes", "maxConcurrentRequests", "requestTimeoutMillis", "maxRememberedLogs"]);
const STRINGS = ["apiKey", "apiVersion", "baseUrl", "project", "source", "environment"] as const;
const KNOWN = new Set<string>([...STRINGS, ...Object.keys(NUMERIC_DEFAULTS)]);

function fail(message: string): never {
  throw new TypeError(`humanloop-otel: ${message}`);
}

function envString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Resolves options, env and defaults; throws a `TypeError` saying what is wrong and how to fix it. */
export function resolveExporterOptions(options: HumanloopExporterOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedExporterOptions {
  if (typeof options !== "object" || options === null) fail("options must be an object, e.g. { project: \"my-app\" }.");
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail(`unknown option "${key}". Known options: ${[...KNOWN].join(", ")}.`);
  }
  const record = options as Record<string, unknown>;
  for (const key of STRINGS) {
    const value = record[key];
    if (value !== undefined && typeof value !== "string") fail(`option "${key}" must be a string, got ${typeof value}.`);
  }
  const numbers = {} as Record<keyof typeof NUMERIC_DEFAULTS, number>;
  for (const [key, fallback] of Object.entries(NUMERIC_DEFAULTS) as [keyof typeof NUMERIC_DEFAULTS, number][]) {
    const value = record[key];
    if (value === undefined) {
      numbers[key] = fallback;
      continue;
    }
    const min = POSITIVE.has(key) ? 1 : 0;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
      fail(`option "${key}" must be a finite number >= ${min}, got ${String(value)}. Leave it out for the default (${fallback}).`);
    }
    numbers[key] = key.endsWith("Millis") ? value : Math.floor(value);
  }
  const apiVersion = options.apiVersion ?? envString(env, "HUMANLOOP_API_VERSION")?.toLowerCase() ?? "v4";
  if (apiVersion !== "v4" && apiVersion !== "v5") {
    fail(`apiVersion must be "v4" or "v5", got ${JSON.stringify(apiVersion)} (option apiVersion or env HUMANLOOP_API_VERSION).`);
  }
  const baseUrl = (options.baseUrl ?? envString(env, "HUMANLOOP_BASE_URL") ?? DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/v[45]$/, `/${apiVersion}`);
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
  } catch {
    fail(`baseUrl "${baseUrl}" is not an http(s) URL. Use e.g. "${DEFAULT_BASE_URL}" (option baseUrl or env HUMANLOOP_BASE_URL).`);
  }
  return {
    apiKey: options.apiKey || envString(env, "HUMANLOOP_API_KEY"),
    apiVersion,
    baseUrl,
    project: options.project || envString(env, "HUMANLOOP_PROJECT"),
    source: options.source,
    environment: options.environment,
    ...numbers,
  };
}
