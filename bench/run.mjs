// Runs the benchmarks in one process, one after the other. Arguments pick
// some: `npm run bench -- server` (ingest and viewer), `exporter`, `openai`,
// `anthropic`, `allocation`, `cold-start`, `otlp`, `ingest`, `viewer`; none
// runs them all. `--otlp-seconds N` sets the OTLP bridge run's length
// (default 60 s; `--senders`, `--batch` too).
const args = process.argv.slice(2);
const flagsWithValue = new Set(["--otlp-seconds", "--seconds", "--senders", "--batch"]);
const names = args.filter((a, i) => !a.startsWith("--") && !flagsWithValue.has(args[i - 1] ?? ""));
const picked = new Set(names.flatMap((a) => (a === "server" ? ["ingest", "viewer"] : [a])));
const runs = (name) => picked.size === 0 || picked.has(name);

if (runs("exporter")) await (await import("./exporter.mjs")).runExporterBench();
if (runs("openai")) await (await import("./openai.mjs")).runOpenAIBench();
if (runs("anthropic")) await (await import("./anthropic.mjs")).runAnthropicBench();
if (runs("allocation")) await (await import("./allocation.mjs")).runAllocationBench();
if (runs("cold-start")) await (await import("./cold-start.mjs")).runColdStartBench();
if (runs("otlp")) await (await import("./otlp.mjs")).runOtlpBench(args);
if (runs("ingest")) await (await import("./ingest.mjs")).runIngestBench();
if (runs("viewer")) {
  await import("./ts-hook.mjs"); // the viewer bench imports the server's TypeScript sources
  await (await import("./viewer.mjs")).runViewerBench();
}
