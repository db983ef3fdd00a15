import { diag, DiagLogLevel } from "@opentelemetry/api";

/**
 * Loads a bin's main module (which uses `node:sqlite`), turning a Node
 * without `node:sqlite` into an error that says what to do.
 */
export async function loadWithSqlite<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_UNKNOWN_BUILTIN_MODULE" && String((error as Error).message).includes("sqlite")) {
      throw new Error(`needs node:sqlite, built into Node.js 22.13 and later; this is Node.js ${process.versions.node}. Upgrade Node.js.`, { cause: error });
    }
    throw error;
  }
}

/** A started command-line program: `stop()` ends it cleanly. */
export interface RunningProgram {
  stop(): Promise<void>;
}

/**
 * The shared `main` of our bins (`humanloop-otel-server`,
 * `humanloop-otel-bridge`): the OTel diag logger writes to standard error at
 * `level` (a CLI prints; a library never does), `run(argv)` starts the
 * program (undefined when it only printed, e.g. `--help`), SIGINT and SIGTERM
 * stop it and exit 0, and a start failure prints `name: message` and exits 2.
 */
export function startCli(name: string, run: (argv: string[]) => Promise<RunningProgram | undefined>, level: DiagLogLevel): void {
  const write = (message: string, ...args: unknown[]) => process.stderr.write(`${[message, ...args.map(String)].join(" ")}\n`);
  const quiet = () => {};
  diag.setLogger(
    { error: write, warn: write, info: level >= DiagLogLevel.INFO ? write : quiet, debug: quiet, verbose: quiet },
    { logLevel: level, suppressOverrideMessage: true },
  );
  run(process.argv.slice(2)).then(
    (running) => {
      if (!running) return;
      const stop = () => {
        void running.stop().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${(error as Error).message}\n`);
      process.exit(2);
    },
  );
}
