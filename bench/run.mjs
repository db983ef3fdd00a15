// Runs every benchmark in one process, one after the other.
import { runExporterBench } from "./exporter.mjs";

await runExporterBench();
