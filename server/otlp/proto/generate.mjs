// Regenerates ../otlp-descriptor.ts from the OpenTelemetry proto definitions in this folder
// (opentelemetry-proto v1.11, Apache-2.0: https://github.com/open-telemetry/opentelemetry-proto).
// Run: node server/otlp/proto/generate.mjs
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(here, path.basename(target));
root.loadSync("trace_service.proto", { keepCase: false });
const text = `/**
 * The OpenTelemetry trace protocol (opentelemetry-proto v1.11: trace_service,
 * trace, common and resource), as a protobufjs JSON descriptor generated from
 * the .proto files in ./proto by ./proto/generate.mjs. Do not edit by hand.
 */
export const OTLP_TRACE_DESCRIPTOR: Record<string, unknown> = ${JSON.stringify(root.toJSON(), null, 1)};
`;
writeFileSync(path.join(here, "..", "otlp-descriptor.ts"), text);
