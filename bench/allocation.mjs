// Allocation and retention per plain openai call (openai 6, the realistic
// request of bench/openai.mjs), each configuration on its own copy of the SDK,
// in one process run with --expose-gc and a young generation large enough
// that no GC runs inside a measured batch (checked: a batch with a GC is
// measured again). Allocated = heap growth over a batch / calls; retained =
// heap growth after the loop turned and a full GC / calls. Extra = minus the
// uninstrumented copy's figure. Goal for ours: <= 8 KB extra allocated per
// plain call, nothing retained.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";

const CALLS = 200;
const REPEATS = 7;
const immediate = () => new Promise((resolve) => setImmediate(resolve));

async function worker() {
  const { configurations, request } = await import("./openai.mjs");
  const { configs, providers } = await configurations("openai6");
  let gcs = 0;
  new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ["gc"] });
  const used = () => v8.getHeapStatistics().used_heap_size;
  const rows = [];
  for (const c of configs) {
    const alloc = [];
    const kept = [];
    for (let rep = -2, tries = 0; rep < REPEATS && tries < 4 * REPEATS; rep++, tries++) {
      globalThis.gc();
      await immediate();
      globalThis.gc();
      // GC entries arrive asynchronously: let those of the forced collections land first.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const before = gcs;
      const h0 = used();
      for (let i = 0; i < CALLS; i++) {
        await c.client.chat.completions.create(request);
        await immediate();
      }
      const h1 = used();
      await immediate();
      // Let every scheduled sweep run, and the batch processors hand their spans on (they would keep them until then), then collect.
      await new Promise((resolve) => setTimeout(resolve, 10));
      await Promise.all(providers.map((p) => p.forceFlush()));
      globalThis.gc();
      const h2 = used();
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (rep < 0) continue;
      if (gcs !== before + 1) {
        rep--; // a GC ran inside the batch (the +1 is the forced one above): measure again
        continue;
      }
      alloc.push((h1 - h0) / CALLS);
      kept.push((h2 - h0) / CALLS);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    rows.push({ name: c.name, alloc: median(alloc), kept: median(kept) });
  }
  for (const p of providers) await p.shutdown();
  process.stdout.write(JSON.stringify(rows));
}

/** Runs the measurement in a child process (it needs --expose-gc) and prints a table. */
export function runAllocationBench() {
  const out = spawnSync(process.execPath, ["--expose-gc", "--max-semi-space-size=128", "--min-semi-space-size=128", fileURLToPath(import.meta.url), "--worker"], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`allocation bench failed: ${out.stderr}`);
  const rows = JSON.parse(out.stdout);
  const base = rows[0];
  const table = rows.map((r) => ({
    config: r.name,
    "allocated KB/call": (r.alloc / 1024).toFixed(2),
    "extra allocated KB/call": r === base ? "" : ((r.alloc - base.alloc) / 1024).toFixed(2),
    "retained bytes/call after loop turn + GC": (r.kept - base.kept).toFixed(0),
  }));
  console.log(`\nAllocation per plain chat.completions.create (openai 6), median of ${REPEATS} batches of ${CALLS} calls (goal for ours: <= 8 KB extra, nothing retained)`);
  console.table(table);
  return table;
}

if (process.argv[2] === "--worker") await worker();
else if (process.argv[1] === fileURLToPath(import.meta.url)) runAllocationBench();
