/**
 * `HumanloopTestServer`: a strict local Humanloop v4 server on `node:http`,
 * with fault injection and a read-back API for tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FaultPlan, type Faults, type ScriptedFault } from "./faults.js";
import { sendJson } from "./http-io.js";
import { handleInspection } from "./inspection.js";
import { handleServerOtlp } from "./otlp/server-intake.js";
import { HumanloopStore } from "./store.js";
import { StatsRecorder } from "./stats.js";
import { allTrees, sessionTree } from "./trees.js";
import type { ServerStats, SessionTree, StoredFeedback, StoredLog, StoredSession } from "./types.js";
import { handleV4, type V4Context } from "./v4-handler.js";

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
}

/**
 * A local, strict implementation of the Humanloop v4 API (HUMANLOOP_V4.md):
 * `POST /logs`, `PATCH /logs/{id}`, `PATCH /logs?reference_id=`,
 * `POST /sessions`, `POST /feedback`, with FastAPI-shaped 422s and
 * all-or-nothing requests. Keeps everything in memory for read-back.
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
  /** The API key the server accepts. */
  readonly apiKey: string;
  private readonly context: V4Context;
  private readonly server: Server;

  private constructor(server: Server, url: string, apiKey: string, faults: FaultPlan) {
    this.server = server;
    this.url = url;
    this.apiKey = apiKey;
    this.context = { store: new HumanloopStore(), faults, stats: new StatsRecorder(), apiKey };
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: HumanloopTestServerOptions = {}): Promise<HumanloopTestServer> {
    const host = options.host ?? "127.0.0.1";
    const faults = new FaultPlan(options.faults, options.seed ?? 1); // malformed faults throw before anything listens
    // Idle keep-alive sockets outlive any client's pool timeout, so a client never
    // races the server's idle close (a spurious ECONNRESET); close() ends them all.
    const server = createServer({ keepAliveTimeout: 65_000 });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const urlHost = host.includes(":") ? `[${host}]` : host;
    const instance = new HumanloopTestServer(
      server,
      `http://${urlHost}:${port}/v4`,
      options.apiKey ?? "test-key",
      faults,
    );
    server.on("request", (req, res) => instance.route(req, res));
    return instance;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname.startsWith("/__test/")) return handleInspection(this, req, res, url);
    if (url.pathname === "/v1/traces") return void handleServerOtlp(this.context, req, res);
    if (url.pathname.startsWith("/v4/")) {
      void handleV4(this.context, req, res, url);
      return;
    }
    req.resume();
    sendJson(res, 404, { detail: "Not Found" });
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
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
    this.context.stats.clear();
    this.context.faults.restart();
  }

  /** Every stored log (copies), in the order stored. */
  logs(): StoredLog[] {
    return this.context.store.allLogs().map((log) => structuredClone(log));
  }

  /** How many logs are stored; cheap enough to poll, unlike {@link logs}, which copies them all. */
  get logCount(): number {
    return this.context.store.logCount;
  }

  /** The log with server id `idOrReferenceId`, else the first log stored with that `reference_id`, else undefined. */
  log(idOrReferenceId: string): StoredLog | undefined {
    const store = this.context.store;
    const log = store.logById(idOrReferenceId) ?? store.logsByReference(idOrReferenceId)[0];
    return log ? structuredClone(log) : undefined;
  }

  /** Every session (copies), oldest first, including those without logs. */
  sessions(): StoredSession[] {
    return this.context.store.allSessions().map((s) => structuredClone(s));
  }

  /** The tree of the session with this reference (as given in `session_reference_id`) or server id; undefined when none. */
  sessionTree(sessionReferenceIdOrId: string): SessionTree | undefined {
    const store = this.context.store;
    const session = store.sessionByRef(sessionReferenceIdOrId) ?? store.sessionById(sessionReferenceIdOrId);
    return session ? sessionTree(session, (id) => store.logById(id)) : undefined;
  }

  /** Every session with logs as a tree, oldest first, then the logs outside sessions (`session_id: null`). */
  trees(): SessionTree[] {
    return allTrees(this.context.store.allSessions(), this.context.store.allLogs());
  }

  /** Every feedback item posted to `/v4/feedback`, in order. */
  feedback(): StoredFeedback[] {
    return this.context.store.allFeedback().map((f) => structuredClone(f));
  }

  /** A snapshot of the request statistics. */
  get stats(): ServerStats {
    return this.context.stats.snapshot();
  }
}
