// Runs the benchmarks in one process, one after the other. Arguments pick
// some: `npm run bench -- server` (ingest and viewer), `exporter`, `openai`,
// `anthropic`, `ingest`, `viewer`; none runs them all.
const picked = new Set(process.argv.slice(2).flatMap((a) => (a === "server" ? ["ingest", "viewer"] : [a])));
const runs = (name) => picked.size === 0 || picked.has(name);

if (runs("exporter")) await (await import("./exporter.mjs")).runExporterBench();
if (runs("openai")) await (await import("./openai.mjs")).runOpenAIBench();
if (runs("anthropic")) await (await import("./anthropic.mjs")).runAnthropicBench();
if (runs("ingest")) await (await import("./ingest.mjs")).runIngestBench();
if (runs("viewer")) {
  await import("./ts-hook.mjs"); // the viewer bench imports the server's TypeScript sources
  await (await import("./viewer.mjs")).runViewerBench();
}
