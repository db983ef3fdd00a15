// Runs every benchmark in one process, one after the other.
// `npm run bench -- --otlp-seconds 300` sets the OTLP bridge run's length (default 60 s).
import { runExporterBench } from "./exporter.mjs";
import { runOpenAIBench } from "./openai.mjs";
import { runAnthropicBench } from "./anthropic.mjs";
import { runAllocationBench } from "./allocation.mjs";
import { runColdStartBench } from "./cold-start.mjs";
import { runOtlpBench } from "./otlp.mjs";

await runExporterBench();
runOpenAIBench();
runAnthropicBench();
runAllocationBench();
runColdStartBench();
await runOtlpBench(process.argv.slice(2));
