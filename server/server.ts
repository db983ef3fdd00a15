/**
 * `HumanloopTestServer`: a strict local Humanloop v4 and v5 server on
 * `node:http` and SQLite, with fault injection and a read-back API for tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { FaultPlan, type Faults, type ScriptedFault } from "./faults.js";
import { GroupCommit } from "./group-commit.js";
import { BodyBudget, DEFAULT_BODY_BUDGET_BYTES, sendJson } from "./http-io.js";
import { handleInspection } from "./inspection.js";
import { handleServerOtlp, ServerOtlpIntake, type ServerOtlpOptions } from "./otlp/server-intake.js";
import { HumanloopStore } from "./store.js";
import { StatsRecorder } from "./stats.js";
import { allTrees, sessionTree } from "./trees.js";
import type { ServerStats, SessionTree, StoredFeedback, StoredLog, StoredSession } from "./types.js";
import { handleV4 } from "./v4-handler.js";
import { handleV5, type V5Context } from "./v5/handler.js";
import { handleViewer } from "./viewer/router.js";
import { WalSync } from "./wal-sync.js";

/** Options of {@link HumanloopTestServer.start}. */
export interface HumanloopTestServerOptions {
  /** Port to listen on; default `0` (a free port, see {@link HumanloopTestServer.url}). */
  port?: number;
  /** Interface to listen on; default `"127.0.0.1"`. */
  host?: string;
  /** The only `X-API-KEY` accepted; default `"test-key"`. */
  apiKey?: string;
  /** Random faults to inject from the start; default none. */
  faults?: Faults;
  /** Seed of the fault generator; default `1`. The same seed gives the same faults for the same requests. */
  seed?: number;
  /**
   * SQLite file to keep everything in (made with its folder when missing;
   * reopened with its data after a restart); default none: an in-memory
   * database, gone at {@link HumanloopTestServer.close}.
   */
  dbPath?: string;
  /**
   * `PRAGMA synchronous` of a file database; default `"full"`: no request is
   * answered before its writes are fsynced (the group commit's fsync runs
   * off the main thread, see server/wal-sync.ts); `"normal"`: answered
   * after the write, which survives a crash of the server but not of the
   * machine (see `OpenDatabaseOptions.synchronous`).
   */
  synchronous?: "full" | "normal";
  /**
   * v5 strict mode: an unknown field in a `/v5` request body is a 422
   * `extra_forbidden` (as the exporter must never send one); default
   * `false`: ignored, as Humanloop's API ignores what its SDK strips.
   */
  v5Strict?: boolean;
  /** Milliseconds a client may take to send a request's headers; default `30_000`. */
  headersTimeoutMs?: number;
  /** Milliseconds a client may take to send a whole request; default `120_000`. */
  requestTimeoutMs?: number;
  /**
   * Bytes of request bodies held at once, across all requests; default
   * 64 MiB. Past it a request is answered 503 with `Retry-After: 1` (the
   * exporter and OTLP senders retry), which bounds the server's memory
   * however many clients send at once. One body is always let in.
   */
  maxBufferedBodyBytes?: number;
  /** Limits of `POST /v1/traces`'s waiting spans (children whose parent has not arrived); defaults in {@link ServerOtlpOptions}. */
  otlp?: ServerOtlpOptions;
}

/** True for `127.0.0.1` (any `127.x`), `::1` and `localhost`. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A local, strict implementation of the Humanloop v4 API (HUMANLOOP_V4.md):
 * `POST /logs`, `PATCH /logs/{id}`, `PATCH /logs?reference_id=`,
 * `POST /sessions`, `POST /feedback`, and the reads `GET /logs`,
 * `GET /sessions`, `GET /sessions/{id}`; and of the v5 logging API
 * (HUMANLOOP_V5.md) under {@link HumanloopTestServer.v5Url}: Prompt, Tool,
 * Flow and Evaluator logs, `GET /logs/{id}` and Humanloop's OTel import
 * (`server/v5/`). Both with FastAPI-shaped 422s and
 * all-or-nothing requests (one SQLite transaction each, committed before
 * the answer). Keeps everything in SQLite: in memory by default, in a file
 * with `dbPath` (then it survives a restart, or a `kill -9`, of the server).
 *
 * ```ts
 * const server = await HumanloopTestServer.start();
 * register({ baseUrl: server.url, apiKey: server.apiKey, project: "demo" });
 * // ...
 * expect(server.trees()[0].roots[0].children).toHaveLength(2);
 * await server.close();
 * ```
 */
export class HumanloopTestServer {
  /** Base URL including `/v4`, e.g. `http://127.0.0.1:43121/v4`. */
  readonly url: string;
  /** Base URL of the v5 API, e.g. `http://127.0.0.1:43121/v5` (Humanloop's v5 SDK: `baseUrl`; the exporter: `baseUrl` with `apiVersion: "v5"`). */
  readonly v5Url: string;
  /** The API key the server accepts. */
  readonly apiKey: string;
  /** The database file, or undefined for an in-memory store. */
  readonly dbPath: string | undefined;
  private readonly context: V5Context;
  private readonly server: Server;
  private readonly loopback: boolean;
  private readonly otlp: ServerOtlpIntake;

  private constructor(server: Server, url: string, context: V5Context, dbPath: string | undefined, loopback: boolean, otlp: ServerOtlpIntake) {
    this.server = server;
    this.otlp = otlp;
    this.url = url;
    this.v5Url = url.replace(/\/v4$/, "/v5");
    this.apiKey = context.apiKey;
    this.context = context;
    this.dbPath = dbPath;
    this.loopback = loopback;
  }

  /**
   * Opens the store and starts a server; resolves once it listens. Throws
   * (before listening) for malformed faults, a database file that is not
   * ours or is newer than this code, and a host other than loopback without
   * an explicit `apiKey`.
   */
  static async start(options: HumanloopTestServerOptions = {}): Promise<HumanloopTestServer> {
    const host = options.host ?? "127.0.0.1";
    const loopback = isLoopback(host);
    if (!loopback && options.apiKey === undefined) {
      throw new Error(`refusing to listen on ${host} without an explicit API key: set one (--api-key or HUMANLOOP_SERVER_API_KEY), or bind 127.0.0.1`);
    }
    const faults = new FaultPlan(options.faults, options.seed ?? 1); // malformed faults throw before anything listens
    const store = HumanloopStore.open({ path: options.dbPath, synchronous: options.synchronous });
    const headersTimeout = options.headersTimeoutMs ?? 30_000;
    // Idle keep-alive sockets outlive any client's pool timeout, so a client never
    // races the server's idle close (a spurious ECONNRESET); close() ends them all.
    const server = createServer({
      keepAliveTimeout: 65_000,
      headersTimeout,
      requestTimeout: Math.max(options.requestTimeoutMs ?? 120_000, headersTimeout),
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      store.close();
      throw error;
    }
    const { port } = server.address() as AddressInfo;
    const urlHost = host.includes(":") ? `[${host}]` : host;
    // A file database kept with synchronous=full: the group commit's fsync runs off the main thread (see wal-sync.ts).
    const walSync = options.dbPath !== undefined && (options.synchronous ?? "full") === "full" ? new WalSync(`${resolve(options.dbPath)}-wal`) : undefined;
    const commits = new GroupCommit(store.db, () => store.maintainQuietly(), walSync);
    const context: V5Context = { store, faults, stats: new StatsRecorder(), apiKey: options.apiKey ?? "test-key", commits, bodies: new BodyBudget(options.maxBufferedBodyBytes ?? DEFAULT_BODY_BUDGET_BYTES), v5Mode: options.v5Strict ? "strict" : "lenient" };
    let otlp: ServerOtlpIntake;
    try {
      otlp = new ServerOtlpIntake(context, options.otlp); // reads back the spans an earlier process left waiting
    } catch (error) {
      await new Promise((resolve) => server.close(resolve));
      store.close();
      throw error;
    }
    const instance = new HumanloopTestServer(server, `http://${urlHost}:${port}/v4`, context, options.dbPath, loopback, otlp);
    server.on("request", (req, res) => instance.route(req, res));
    return instance;
  }

  /** The store (SQLite) behind the server: for the viewer, the v5 routes, and tests. */
  get store(): HumanloopStore {
    return this.context.store;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname.startsWith("/__test/")) {
        // Read-back is open on loopback; anywhere else, and for wiping a database file, it takes the key.
        const wipesFile = this.dbPath !== undefined && url.pathname === "/__test/reset";
        if ((!this.loopback || wipesFile) && req.headers["x-api-key"] !== this.apiKey) {
          req.resume();
          return sendJson(res, 401, { detail: "Invalid or missing X-API-KEY" });
        }
        return handleInspection(this, req, res, url);
      }
      if (url.pathname === "/v1/traces") return void handleServerOtlp(this.context, this.otlp, req, res);
      if (url.pathname.startsWith("/v4/")) {
        void handleV4(this.context, req, res, url);
        return;
      }
      if (url.pathname.startsWith("/v5/")) {
        void handleV5(this.context, req, res, url);
        return;
      }
      // The web viewer (`/`, `/sessions/{id}`, `/traces/{id}`, `/logs/{id}`, `/login`): server/viewer/.
      if (handleViewer({ store: this.context.store, apiKey: this.apiKey, loopback: this.loopback }, req, res, url)) return;
      req.resume();
      sendJson(res, 404, { detail: "Not Found" });
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { detail: `Server error: ${(error as Error).message}` });
      else res.destroy();
    }
  }

  /** Stops listening, closes every connection, then the database. */
  close(): Promise<void> {
    this.otlp.close(); // its sweep timer must not keep the closed store alive; waiting spans stay in the database
    return new Promise((resolve) => {
      this.server.close(() => {
        this.context.store.close();
        void this.context.commits.close().finally(resolve);
      });
      this.server.closeAllConnections();
    });
  }

  /** Replaces the random faults (`{}` for none); with `seed`, restarts their sequence from it. */
  setFaults(faults: Faults, seed?: number): void {
    this.context.faults.set(faults, seed);
  }

  /** Makes the next `n` requests (matching `fault.path`, if set) fail with `fault`, before any random fault. */
  failNext(n: number, fault: ScriptedFault): void {
    this.context.faults.failNext(n, fault);
  }

  /** Forgets all logs, sessions, projects, feedback, statistics and scripted faults, and restarts the fault sequence from the seed. Keeps the random faults set. */
  reset(): void {
    this.context.store.clear();
    this.otlp.reset();
    this.context.stats.clear();
    this.context.faults.restart();
  }

  /** Every stored log (copies), in the order stored. */
  logs(): StoredLog[] {
    return this.context.store.allLogs();
  }

  /** How many logs are stored; cheap enough to poll, unlike {@link logs}, which copies them all. */
  get logCount(): number {
    return this.context.store.logCount;
  }

  /** The log with server id `idOrReferenceId`, else the first log stored with that `reference_id`, else undefined. */
  log(idOrReferenceId: string): StoredLog | undefined {
    const store = this.context.store;
    return store.logById(idOrReferenceId) ?? store.logsByReference(idOrReferenceId)[0];
  }

  /** Every session (copies), oldest first, including those without logs. */
  sessions(): StoredSession[] {
    return this.context.store.allSessions();
  }

  /** The tree of the session with this reference (as given in `session_reference_id`) or server id; undefined when none. */
  sessionTree(sessionReferenceIdOrId: string): SessionTree | undefined {
    const store = this.context.store;
    const session = store.sessionByRef(sessionReferenceIdOrId) ?? store.sessionById(sessionReferenceIdOrId);
    if (!session) return undefined;
    const logs = new Map(store.queries.sessionLogs(session.id).map((log) => [log.id, log]));
    return sessionTree(session, (id) => logs.get(id));
  }

  /** Every session with logs as a tree, oldest first, then the logs outside sessions (`session_id: null`). */
  trees(): SessionTree[] {
    return allTrees(this.context.store.allSessions(), this.context.store.allLogs());
  }

  /** Every feedback item posted to `/v4/feedback`, in order. */
  feedback(): StoredFeedback[] {
    return this.context.store.allFeedback();
  }

  /** A snapshot of the request statistics, with the OTLP intake's counters in `otlp`. */
  get stats(): ServerStats {
    return { ...this.context.stats.snapshot(), otlp: this.otlp.stats };
  }
}
