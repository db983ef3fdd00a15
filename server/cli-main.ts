/**
 * The `humanloop-otel-server` command, as functions that can run in-process:
 * parse arguments, start the server, print its URL.
 */
import { checkFaults, type Faults } from "./faults.js";
import { HumanloopTestServer } from "./server.js";

/** Options read from the command line. */
export interface CliOptions {
  /** `--port`; default `0` (a free port). */
  port: number;
  /** `--host`; default `127.0.0.1`. */
  host: string;
  /** `--api-key`; default `test-key`. */
  apiKey: string;
  /** `--seed`; default `1`. */
  seed: number;
  /** `--faults '<json>'` (a {@link Faults} object); default none. */
  faults?: Faults;
  /** `--help`. */
  help: boolean;
}

/** The usage text printed by `--help`. */
export const USAGE = `Usage: humanloop-otel-server [--port N] [--host H] [--api-key KEY] [--seed N] [--faults JSON]

A strict local Humanloop v4 API. Prints its base URL, serves until SIGINT/SIGTERM.
Also takes OTLP/HTTP traces at POST /v1/traces (protobuf or JSON) and stores them as logs.
Read back what was stored: GET /__test/logs, /__test/trees (?format=text), /__test/stats.`;

const VALUE_FLAGS = ["--port", "--host", "--api-key", "--seed", "--faults"];

/** Parses `argv` (without node and the script); throws on unknown or malformed flags. */
export function parseCliArgs(argv: string[]): CliOptions {
  const options: CliOptions = { port: 0, host: "127.0.0.1", apiKey: "test-key", seed: 1, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === "--help" || flag === "-h") {
      options.help = true;
      continue;
    }
    if (!VALUE_FLAGS.includes(flag)) throw new Error(`unknown option ${flag}\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--port" || flag === "--seed") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
      options[flag === "--port" ? "port" : "seed"] = n;
    } else if (flag === "--host") options.host = value;
    else if (flag === "--api-key") options.apiKey = value;
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
 * Runs the command: parses `argv`, starts the server and writes one line
 * with its URL through `print` (default: standard output). With `--help`,
 * prints the usage and resolves to undefined.
 */
export async function runCli(argv: string[], print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<RunningCli | undefined> {
  const options = parseCliArgs(argv);
  if (options.help) {
    print(USAGE);
    return undefined;
  }
  const server = await HumanloopTestServer.start(options);
  print(`humanloop-otel-server listening at ${server.url} (X-API-KEY: ${server.apiKey})`);
  return { server, stop: () => server.close() };
}
