/**
 * Protobuf coding of the OTLP trace service messages with protobufjs, from
 * the OpenTelemetry proto definitions (see otlp-descriptor.ts), plus
 * `google.rpc.Status` for error answers.
 */
import protobuf from "protobufjs";
import { OTLP_TRACE_DESCRIPTOR } from "./otlp-descriptor.js";

const root = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as protobuf.INamespace);
const status = protobuf.Root.fromJSON({
  nested: { google: { nested: { rpc: { nested: { Status: { fields: { code: { type: "int32", id: 1 }, message: { type: "string", id: 2 } } } } } } } },
}).lookupType("google.rpc.Status");

/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`. */
export const ExportTraceServiceRequest = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse`. */
export const ExportTraceServiceResponse = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");
/** `google.rpc.Status`, the body of an OTLP/HTTP error answer. */
export const RpcStatus = status;
