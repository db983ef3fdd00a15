/**
 * Fault injection for the local Humanloop server: random faults at seeded,
 * repeatable rates, and scripted faults for deterministic unit tests.
 */
import { mulberry32 } from "./prng.js";

/** A status the server can inject instead of handling a request. */
export type FaultStatus = 429 | 500 | 502 | 503 | 504;

/**
 * Random faults. Each `/v4` and `/v5` request draws from the server's seeded generator
 * (three draws per request, whatever the outcome, so one seed gives one
 * sequence). Status faults are answered before validation and store nothing;
 * the reset fault stores the request, then destroys the connection without
 * an answer.
 */
export interface Faults {
  /** Probability in [0, 1] of each injected status. The rates add up; default none. */
  status?: Partial<Record<FaultStatus, number>>;
  /** `Retry-After` seconds sent with an injected 429; default `1`. Set `null` to send none. */
  retryAfter?: number | null;
  /** Probability in [0, 1] of storing a request, then resetting its connection; default `0`. */
  reset?: number;
  /** Added latency in milliseconds before a request is handled: fixed, or drawn from `[min, max]`; default `0`. */
  latency?: number | [number, number];
  /** Only requests whose path (after `/v4` or `/v5`, e.g. `/logs`, `/prompts/log`) starts with this string, or matches this RegExp, get faults; default all. */
  path?: string | RegExp;
}

/** One scripted fault for {@link FaultPlan.failNext}: an injected status, or store-then-reset. */
export type ScriptedFault =
  | { status: FaultStatus | number; retryAfter?: number; path?: string | RegExp }
  | { reset: true; path?: string | RegExp };

/** What to do with one request. */
export interface FaultDecision {
  /** Milliseconds to wait first. */
  latencyMs: number;
  /** Answer with this status (and no processing), when set. */
  status?: number;
  /** `Retry-After` seconds to send with `status`, when set. */
  retryAfter?: number;
  /** Handle (and store) the request, then destroy the connection. */
  reset: boolean;
}

interface Script {
  remaining: number;
  fault: ScriptedFault;
}

function pathMatches(filter: string | RegExp | undefined, path: string): boolean {
  if (filter === undefined) return true;
  return typeof filter === "string" ? path.startsWith(filter) : filter.test(path);
}

const STATUSES: FaultStatus[] = [429, 500, 502, 503, 504];
const FAULT_KEYS = new Set(["status", "retryAfter", "reset", "latency", "path"]);

function isRate(value: unknown): value is number {
  return typeof value === "number" && value >= 0 && value <= 1;
}

function isMillis(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Throws a `TypeError` naming what is wrong with `faults`, so a typo never means "no faults" silently. */
export function checkFaults(faults: unknown): Faults {
  const fail = (msg: string): never => {
    throw new TypeError(`humanloop-otel/testing faults: ${msg}`);
  };
  if (faults === null || typeof faults !== "object" || Array.isArray(faults)) fail(`expected an object like { status: { 503: 0.1 }, reset: 0.05 }, got ${JSON.stringify(faults)}`);
  const f = faults as Record<string, unknown>;
  for (const key of Object.keys(f)) if (!FAULT_KEYS.has(key)) fail(`unknown field "${key}" (expected ${[...FAULT_KEYS].join(", ")})`);
  if (f.status !== undefined) {
    if (f.status === null || typeof f.status !== "object") fail(`"status" must be an object of rates like { 503: 0.1 }`);
    let sum = 0;
    for (const [code, rate] of Object.entries(f.status as object)) {
      if (!STATUSES.includes(Number(code) as FaultStatus)) fail(`status ${code} cannot be injected (use ${STATUSES.join(", ")}; failNext() takes any status)`);
      if (!isRate(rate)) fail(`the rate of status ${code} must be a number in [0, 1], got ${JSON.stringify(rate)}`);
      sum += rate as number;
    }
    if (sum > 1 + 1e-9) fail(`the status rates add up to ${sum}, more than 1`);
  }
  if (f.reset !== undefined && !isRate(f.reset)) fail(`"reset" must be a number in [0, 1], got ${JSON.stringify(f.reset)}`);
  if (f.retryAfter !== undefined && f.retryAfter !== null && !isMillis(f.retryAfter)) fail(`"retryAfter" must be seconds >= 0 or null, got ${JSON.stringify(f.retryAfter)}`);
  const latency = f.latency;
  if (latency !== undefined && !isMillis(latency)) {
    const range = Array.isArray(latency) && latency.length === 2 && isMillis(latency[0]) && isMillis(latency[1]) && latency[0] <= latency[1];
    if (!range) fail(`"latency" must be milliseconds >= 0 or a range [min, max], got ${JSON.stringify(latency)}`);
  }
  if (f.path !== undefined && typeof f.path !== "string" && !(f.path instanceof RegExp)) fail(`"path" must be a string prefix or a RegExp`);
  return faults as Faults;
}

/** Decides, request by request, which fault (if any) applies. */
export class FaultPlan {
  private faults: Faults;
  private random: () => number;
  private scripts: Script[] = [];
  private readonly seed: number;

  constructor(faults: Faults = {}, seed = 1) {
    this.seed = seed;
    this.faults = checkFaults(faults);
    this.random = mulberry32(seed);
  }

  /** Replaces the random faults; with `seed`, also restarts the sequence from it. Throws a `TypeError` for malformed faults. */
  set(faults: Faults, seed?: number): void {
    this.faults = checkFaults(faults);
    if (seed !== undefined) this.random = mulberry32(seed);
  }

  /** Forgets scripted faults and restarts the random sequence from the initial seed. */
  restart(): void {
    this.scripts = [];
    this.random = mulberry32(this.seed);
  }

  /**
   * Makes the next `n` requests matching `fault.path` (default: all) fail with
   * `fault`, ahead of random faults; scripts queue up in the order given.
   * A scripted fault takes no draws from the random sequence.
   */
  failNext(n: number, fault: ScriptedFault): void {
    if (n > 0) this.scripts.push({ remaining: n, fault });
  }

  /** The fault for a request on `path` (after `/v4`). */
  decide(path: string): FaultDecision {
    const scripted = this.takeScripted(path);
    if (scripted) {
      if ("reset" in scripted) return { latencyMs: 0, reset: true };
      return { latencyMs: 0, status: scripted.status, retryAfter: scripted.retryAfter, reset: false };
    }
    const f = this.faults;
    // Always three draws, so one request's outcome never shifts the next ones.
    const statusDraw = this.random();
    const resetDraw = this.random();
    const latencyDraw = this.random();
    if (!pathMatches(f.path, path)) return { latencyMs: 0, reset: false };
    const latencyMs = Array.isArray(f.latency)
      ? f.latency[0] + Math.floor(latencyDraw * (f.latency[1] - f.latency[0] + 1))
      : (f.latency ?? 0);
    let cumulative = 0;
    for (const status of STATUSES) {
      cumulative += f.status?.[status] ?? 0;
      if (statusDraw < cumulative) {
        const retryAfter = status === 429 && f.retryAfter !== null ? (f.retryAfter ?? 1) : undefined;
        return { latencyMs, status, retryAfter, reset: false };
      }
    }
    return { latencyMs, reset: resetDraw < (f.reset ?? 0) };
  }

  private takeScripted(path: string): ScriptedFault | undefined {
    const index = this.scripts.findIndex((s) => pathMatches(s.fault.path, path));
    if (index < 0) return undefined;
    const script = this.scripts[index]!;
    script.remaining -= 1;
    if (script.remaining <= 0) this.scripts.splice(index, 1);
    return script.fault;
  }
}
