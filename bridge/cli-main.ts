/**
 * The `humanloop-otel-bridge` command, as functions that can run in-process:
 * parse arguments, start the bridge, print where it listens, print its
 * counters now and then.
 */
import { HumanloopOtlpBridge, type BridgeStats } from "./bridge.js";
import type { BridgeOptions } from "./options.js";

/** The usage text printed by `--help`. */
export const USAGE = `Usage: humanloop-otel-bridge [--port N] [--host H] [--spool PATH] [--receiver-api-key KEY]
                             [--max-wait-ms N] [--max-pending-spans N] [--stats-interval SECONDS]

Receives OTLP/HTTP traces (POST /v1/traces, protobuf or JSON, gzip) and delivers them as logs to a
Humanloop-compatible API. Reads HUMANLOOP_API_KEY (required), HUMANLOOP_BASE_URL, HUMANLOOP_PROJECT,
HUMANLOOP_OTEL_BRIDGE_PORT (default 4318), HUMANLOOP_OTEL_BRIDGE_HOST (default 127.0.0.1),
HUMANLOOP_OTEL_BRIDGE_SPOOL (default ./humanloop-otel-bridge.sqlite), HUMANLOOP_OTEL_BRIDGE_RECEIVER_KEY.
Senders present X-API-KEY (OTEL_EXPORTER_OTLP_HEADERS=x-api-key=...). GET /healthz gives the counters.
Serves until SIGINT/SIGTERM, then delivers what is queued and keeps the rest in the spool.`;

/** Options read from the command line. */
export interface BridgeCliOptions {
  bridge: BridgeOptions;
  /** `--stats-interval`: seconds between counter lines (0: none); default 60. */
  statsIntervalSeconds: number;
  help: boolean;
}

const NUMERIC: Record<string, keyof BridgeOptions | "stats"> = {
  "--port": "port",
  "--max-wait-ms": "maxWaitMillis",
  "--max-pending-spans": "maxPendingSpans",
  "--stats-interval": "stats",
};
const TEXT: Record<string, keyof BridgeOptions> = { "--host": "host", "--spool": "spoolPath", "--receiver-api-key": "receiverApiKey" };

/** Parses `argv` (without node and the script); throws on unknown or malformed flags. */
export function parseBridgeArgs(argv: string[]): BridgeCliOptions {
  const options: BridgeCliOptions = { bridge: {}, statsIntervalSeconds: 60, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === "--help" || flag === "-h") {
      options.help = true;
      continue;
    }
    const numeric = NUMERIC[flag];
    const text = TEXT[flag];
    if (!numeric && !text) throw new Error(`unknown option ${flag}\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (text) (options.bridge as Record<string, unknown>)[text] = value;
    else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
      if (numeric === "stats") options.statsIntervalSeconds = n;
      else (options.bridge as Record<string, unknown>)[numeric!] = n;
    }
  }
  return options;
}

/** A started CLI bridge. */
export interface RunningBridge {
  bridge: HumanloopOtlpBridge;
  stop(): Promise<void>;
}

const line = (stats: BridgeStats) => Object.entries(stats).map(([k, v]) => `${k}=${v}`).join(" ");

/** Runs the command; with `--help` prints the usage and resolves to undefined. */
export async function runBridgeCli(argv: string[], print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<RunningBridge | undefined> {
  const options = parseBridgeArgs(argv);
  if (options.help) {
    print(USAGE);
    return undefined;
  }
  const bridge = await HumanloopOtlpBridge.start(options.bridge);
  print(`humanloop-otel-bridge listening at ${bridge.url}/v1/traces, delivering to ${bridge.options.baseUrl ?? "https://api.humanloop.com/v4"} (spool ${bridge.options.spoolPath})`);
  let last = "";
  const timer =
    options.statsIntervalSeconds > 0
      ? setInterval(() => {
          const now = line(bridge.stats);
          if (now !== last) print(`humanloop-otel-bridge: ${(last = now)}`);
        }, options.statsIntervalSeconds * 1000)
      : undefined;
  timer?.unref();
  return {
    bridge,
    stop: async () => {
      clearInterval(timer);
      await bridge.close();
      print(`humanloop-otel-bridge stopped: ${line(bridge.stats)}`);
    },
  };
}
