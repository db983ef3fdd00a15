import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { expect, it } from "vitest";
import { OTLP_TRACE_DESCRIPTOR } from "../server/otlp/otlp-descriptor.js";

it("the embedded OTLP descriptor is the one the vendored .proto files give (regenerate: node server/otlp/proto/generate.mjs)", () => {
  const dir = fileURLToPath(new URL("../server/otlp/proto/", import.meta.url));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(dir, path.basename(target));
  root.loadSync("trace_service.proto", { keepCase: false });
  expect(JSON.parse(JSON.stringify(root.toJSON()))).toEqual(OTLP_TRACE_DESCRIPTOR);
});
