/**
 * The `humanloop-otel-server` command, as functions that can run in-process:
 * parse arguments, start the server, print its URL.
 */
import { randomBytes } from "node:crypto";
import { checkFaults, type Faults } from "./faults.js";
import { HumanloopTestServer, isLoopback } from "./server.js";

/** Where the CLI keeps its database unless told otherwise (`--db`, `HUMANLOOP_SERVER_DB`). */
export const DEFAULT_DB_PATH = "./.humanloop/humanloop.db";

/** Options read from the command line. */
export interface CliOptions {
  /** `--port`; default `0` (a free port). */
  port: number;
  /** `--host`; default `127.0.0.1` (loopback only; any other host needs an explicit key). */
  host: string;
  /** `--api-key`; default env `HUMANLOOP_SERVER_API_KEY`, else a random key printed at start. */
  apiKey?: string;
  /** `--db`: the SQLite file (`:memory:` for none); default env `HUMANLOOP_SERVER_DB`, else {@link DEFAULT_DB_PATH}. */
  db?: string;
  /** `--seed`; default `1`. */
  seed: number;
  /** `--faults '<json>'` (a {@link Faults} object); default none. */
  faults?: Faults;
  /** `--synchronous full|normal`: `PRAGMA synchronous` of the database file; default `full` (see `HumanloopTestServerOptions.synchronous`). */
  synchronous?: "full" | "normal";
  /** `--v5-strict`: an unknown field in a `/v5` body is a 422 (see `HumanloopTestServerOptions.v5Strict`); default off. */
  v5Strict?: boolean;
  /** `--max-buffered-mb N`: MiB of request bodies held at once, beyond which requests get 503 + Retry-After; default 64 (see `HumanloopTestServerOptions.maxBufferedBodyBytes`). */
  maxBufferedMb?: number;
  /** `--otlp-max-wait-ms N`: longest an OTLP span waits for its parent (across restarts); default 300,000. */
  otlpMaxWaitMs?: number;
  /** `--otlp-max-waiting N`: most OTLP spans waiting for their parent at once; default 20,000. */
  otlpMaxWaiting?: number;
  /** `--help`. */
  help: boolean;
}

/** The usage text printed by `--help`. */
export const USAGE = `Usage: humanloop-otel-server [--db PATH] [--port N] [--host H] [--api-key KEY] [--seed N] [--faults JSON] [--v5-strict]

The Humanloop v4 and v5 APIs (/v4, /v5), keeping every log in SQLite, and a web
viewer of them on the same port (/). Prints the URLs, serves until SIGINT/SIGTERM.
  --db PATH      database file (env HUMANLOOP_SERVER_DB; default ${DEFAULT_DB_PATH}; :memory: keeps nothing)
  --host H       interface (default 127.0.0.1; another host needs an explicit key,
                 and the viewer then asks for it)
  --api-key KEY  the X-API-KEY to require (env HUMANLOOP_SERVER_API_KEY; default a random key, printed)
  --synchronous full|normal
                 full (default): each answer waits for an fsync, survives power loss;
                 normal: faster, an answered request survives a crash or kill -9 of the
                 server, not a power loss or OS crash
  --v5-strict    an unknown field in a /v5 request body is a 422 (default: ignored)
  --max-buffered-mb N
                 request bodies held at once, in MiB (default 64): bounds memory under
                 any number of senders; past it, requests get 503 with Retry-After
Also takes OTLP/HTTP traces at POST /v1/traces (protobuf or JSON) and stores them as logs;
spans whose parent has not arrived wait for it in the database (survive a restart):
  --otlp-max-wait-ms N   then they are stored without the link (default 300000)
  --otlp-max-waiting N   at most N wait; beyond, the oldest are stored unlinked (default 20000)
Read back what was stored: GET /__test/logs, /__test/trees (?format=text), /__test/stats.`;

const VALUE_FLAGS = ["--port", "--host", "--api-key", "--seed", "--faults", "--db", "--synchronous", "--otlp-max-wait-ms", "--otlp-max-waiting", "--max-buffered-mb"];

/** Parses `argv` (without node and the script); throws on unknown or malformed flags. */
export function parseCliArgs(argv: string[]): CliOptions {
  const options: CliOptions = { port: 0, host: "127.0.0.1", seed: 1, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === "--help" || flag === "-h") {
      options.help = true;
      continue;
    }
    if (flag === "--v5-strict") {
      options.v5Strict = true;
      continue;
    }
    if (!VALUE_FLAGS.includes(flag)) throw new Error(`unknown option ${flag}\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--port" || flag === "--seed") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
      options[flag === "--port" ? "port" : "seed"] = n;
    } else if (flag === "--otlp-max-wait-ms" || flag === "--otlp-max-waiting" || flag === "--max-buffered-mb") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${value}`);
      options[flag === "--otlp-max-wait-ms" ? "otlpMaxWaitMs" : flag === "--otlp-max-waiting" ? "otlpMaxWaiting" : "maxBufferedMb"] = n;
    } else if (flag === "--host") options.host = value;
    else if (flag === "--api-key") options.apiKey = value;
    else if (flag === "--db") options.db = value;
    else if (flag === "--synchronous") {
      if (value !== "full" && value !== "normal") throw new Error(`--synchronous must be full or normal, got ${value}`);
      options.synchronous = value;
    }
    else options.faults = parseFaults(value);
  }
  return options;
}

function parseFaults(text: string): Faults {
  let faults: unknown;
  try {
    faults = JSON.parse(text);
  } catch (error) {
    throw new Error(`--faults must be JSON like '{"status":{"503":0.1},"reset":0.05}': ${(error as Error).message}`, { cause: error });
  }
  return checkFaults(faults);
}

/** A started CLI server. */
export interface RunningCli {
  server: HumanloopTestServer;
  /** Closes the server. */
  stop(): Promise<void>;
}

/**
 * Runs the command: parses `argv`, resolves the key and database from `env`
 * (default `process.env`), starts the server and writes one line with its
 * URL, key and database through `print` (default: standard output). With
 * `--help`, prints the usage and resolves to undefined. Rejects (before
 * listening) for a host other than loopback without an explicit key, and
 * for a database file that is not ours or is newer than this version.
 */
export async function runCli(
  argv: string[],
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  env: Record<string, string | undefined> = process.env,
): Promise<RunningCli | undefined> {
  const options = parseCliArgs(argv);
  if (options.help) {
    print(USAGE);
    return undefined;
  }
  const explicitKey = options.apiKey ?? (env.HUMANLOOP_SERVER_API_KEY || undefined);
  const db = options.db ?? (env.HUMANLOOP_SERVER_DB || DEFAULT_DB_PATH);
  const { otlpMaxWaitMs, otlpMaxWaiting, maxBufferedMb, ...rest } = options;
  const server = await HumanloopTestServer.start({
    ...rest,
    ...(maxBufferedMb !== undefined ? { maxBufferedBodyBytes: maxBufferedMb * 1024 * 1024 } : {}),
    otlp: { maxWaitMillis: otlpMaxWaitMs, maxWaitingSpans: otlpMaxWaiting },
    // Loopback without a key gets a random one; elsewhere start() refuses a missing key.
    apiKey: explicitKey ?? (isLoopback(options.host) ? `hl-local-${randomBytes(12).toString("hex")}` : undefined),
    ...(db === ":memory:" ? {} : { dbPath: db }),
  });
  print(`humanloop-otel-server listening at ${server.url} (X-API-KEY: ${server.apiKey}, database: ${db})`);
  const viewer = server.url.replace(/\/v4$/, "/");
  print(`viewer: ${viewer} (${isLoopback(options.host) ? "open on this machine" : "asks for the X-API-KEY"})`);
  return { server, stop: () => server.close() };
}
