// Ingest into the server's SQLite store: the server (dist/server-cli.js) in
// its own process on a database file with durable acknowledgements
// (synchronous=FULL, the default: every answer waits for its commit's
// fsync), the client in this process sending POST /v4/logs in batches of
// 100 logs, a few requests in flight. Reports logs/s, the server's CPU per
// log, and the server's RSS over a sustained run.
// Run alone: npm run build && node bench/ingest.mjs [logs] (BENCH_INGEST_SUSTAINED=1000000 for a longer sustained run)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, rmSync, mkdirSync } from "node:fs";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const DIR = `${root}.bench-ingest`;
const BATCH = 100;
const IN_FLIGHT = 8;

async function startServer(db, extra = []) {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_FLAGS ? process.env.BENCH_SERVER_FLAGS.split(" ") : []), `${root}dist/server-cli.js`, "--db", db, "--api-key", "bench-key", ...extra], { stdio: ["ignore", "pipe", "inherit"] });
  let buffered = "";
  const url = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const match = /listening at (\S+)/.exec(buffered);
      if (match) resolve(match[1]);
    });
  });
  return { child, url, stop: async () => { child.kill("SIGTERM"); await once(child, "exit").catch(() => {}); } };
}

/** /proc/<pid> figures: resident set (bytes) and CPU time used (ms). */
function proc(pid) {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
  return { rss, cpuMs: ticks * 10 };
}

/** Hex digits of a one-to-one scramble of `n` (so ids look random, as trace and span ids do, and never repeat). */
const hex = (n, salt, digits) => {
  let x = (Math.imul(n ^ salt, 0x9e3779b1) >>> 0) ^ 0x5bd1e995;
  x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
  return x.toString(16).padStart(8, "0").repeat(digits / 8);
};
/** The exporter's reference of log `n` of `run`: `<trace id>-<span id>` (random hex), the trace being the session. */
const salts = new Map();
const salt = (run) => {
  let h = salts.get(run);
  if (h === undefined) salts.set(run, (h = [...run].reduce((x, c) => Math.imul(x ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261)));
  return h;
};
const ref = (run, n) => `${hex(Math.floor(n / 10), salt(run), 32)}-${hex(n, salt(run) ^ 0x7f4a7c15, 16)}`;

/** Batch `b` of 100 logs as the exporter sends them: model calls with messages, tokens, a session, a reference (random hex, as trace and span ids are); every other batch's logs are children (by parent_reference_id) of logs sent before. */
export function batchBody(b, run, parentRun) {
  const logs = [];
  for (let i = 0; i < BATCH; i += 1) {
    const n = b * BATCH + i;
    const log = {
      project: "bench",
      config: { type: "model", model: "gpt-4o-mini", provider: "openai", endpoint: "chat", temperature: 0.2 },
      messages: [
        { role: "system", content: "You are a support agent. Use the tools to answer questions about orders." },
        { role: "user", content: `Where is my order A-${n}?` },
      ],
      output: `Your order A-${n} has shipped with DHL and is at the Leipzig hub; it arrives tomorrow.`,
      output_message: { role: "assistant", content: `Your order A-${n} has shipped with DHL and is at the Leipzig hub; it arrives tomorrow.` },
      prompt_tokens: 112,
      output_tokens: 18,
      created_at: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
      duration: 0.05,
      reference_id: ref(run, n),
      session_reference_id: ref(run, n).slice(0, 32),
      metadata: { user_id: `u-${n % 97}`, finish_reasons: ["stop"], response_id: `chatcmpl-${n}` },
    };
    // A parent logged before the timed run (the warm-up's logs), found by its reference as the exporter's children are.
    // A parent logged shortly before (as a trace's parent is): a log of batch b - 64, answered before batch b is sent (8 in flight); the first batches' parents are the warm-up's logs.
    if (parentRun !== undefined && b % 2 === 1) log.parent_reference_id = b >= 64 ? ref(run, n - 64 * BATCH) : ref(parentRun, n % (20 * BATCH));
    logs.push(log);
  }
  return JSON.stringify(logs);
}

/** Sends `batches` batches (bodies made beforehand) with IN_FLIGHT requests in flight; resolves with the wall time. */
async function send(url, bodies) {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const target = new URL(`${url}/logs`);
  let next = 0;
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = request(target, { method: "POST", agent, headers: { "content-type": "application/json", "x-api-key": "bench-key", "content-length": Buffer.byteLength(body) } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks)}`))));
      });
      req.on("error", reject);
      req.end(body);
    });
  const worker = async () => {
    while (next < bodies.length) await post(bodies[next++]);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  agent.destroy();
  return performance.now() - start;
}

/** One ingest run of `logs` logs into a fresh database file; `extra` CLI flags. */
export async function ingestRun(logs, { extra = [], label = "full" } = {}) {
  mkdirSync(DIR, { recursive: true });
  const server = await startServer(`${DIR}/ingest-${label}.db`, extra);
  try {
    const run = `${label}-${Date.now()}`;
    const batches = Math.ceil(logs / BATCH);
    const bodies = Array.from({ length: batches }, (_, b) => batchBody(b, run, `${run}-warm`));
    // warm-up (JIT, statements): 2,000 logs in the same database
    await send(server.url, Array.from({ length: 20 }, (_, b) => batchBody(b, `${run}-warm`)));
    const before = proc(server.child.pid);
    const samples = [];
    const timer = setInterval(() => samples.push(proc(server.child.pid).rss), 250);
    const ms = await send(server.url, bodies);
    clearInterval(timer);
    const after = proc(server.child.pid);
    return {
      logs: batches * BATCH,
      rate: Math.round((batches * BATCH) / (ms / 1000)),
      serverCpuUsPerLog: +(((after.cpuMs - before.cpuMs) * 1000) / (batches * BATCH)).toFixed(1),
      rssStartMB: +(before.rss / 2 ** 20).toFixed(1),
      rssPeakMB: +(Math.max(before.rss, ...samples, after.rss) / 2 ** 20).toFixed(1),
      rssEndMB: +(after.rss / 2 ** 20).toFixed(1),
      // RSS at each fifth of the run: flat at the end means bounded.
      rssFifthsMB: [1, 2, 3, 4, 5].map((k) => +((samples[Math.min(samples.length - 1, Math.floor((samples.length * k) / 5) - 1)] ?? after.rss) / 2 ** 20).toFixed(0)),
    };
  } finally {
    await server.stop();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${DIR}/ingest-${label}.db${suffix}`, { force: true });
  }
}

export async function runIngestBench(logs = 50_000) {
  console.log(`\n== ingest: POST /v4/logs, batches of ${BATCH}, ${IN_FLIGHT} in flight, server in its own process, file database ==`);
  const results = {};
  for (const [label, extra] of [["full", []], ["normal", ["--synchronous", "normal"]]]) {
    let best;
    for (let i = 0; i < 2; i += 1) {
      const r = await ingestRun(logs, { extra, label });
      console.log(`synchronous=${label.padEnd(6)} ${String(r.rate).padStart(6)} logs/s  server CPU ${r.serverCpuUsPerLog} µs/log  RSS ${r.rssStartMB} -> peak ${r.rssPeakMB} -> ${r.rssEndMB} MB`);
      if (!best || r.rate > best.rate) best = r;
    }
    results[label] = best;
  }
  // Sustained: 4x the logs (or BENCH_INGEST_SUSTAINED), watching the server's memory.
  const sustained = await ingestRun(Number(process.env.BENCH_INGEST_SUSTAINED ?? logs * 4), { label: "sustained" });
  console.log(`sustained, ${sustained.logs} logs, synchronous=full: ${sustained.rate} logs/s, RSS ${sustained.rssStartMB} -> peak ${sustained.rssPeakMB} -> ${sustained.rssEndMB} MB (at each fifth: ${sustained.rssFifthsMB.join(", ")} MB)`);
  results.sustained = sustained;
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runIngestBench(Number(process.argv[2] ?? 50_000));
