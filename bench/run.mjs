// Runs every benchmark in one process, one after the other.
import { runExporterBench } from "./exporter.mjs";
import { runOpenAIBench } from "./openai.mjs";
import { runAnthropicBench } from "./anthropic.mjs";
import { runAllocationBench } from "./allocation.mjs";
import { runColdStartBench } from "./cold-start.mjs";

await runExporterBench();
runOpenAIBench();
runAnthropicBench();
runAllocationBench();
runColdStartBench();
