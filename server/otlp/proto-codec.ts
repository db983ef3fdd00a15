/**
 * Protobuf coding of the OTLP trace service messages with protobufjs, from
 * the OpenTelemetry proto definitions (see otlp-descriptor.ts), plus
 * `google.rpc.Status` for error answers.
 */
import protobuf from "protobufjs";
import { OTLP_TRACE_DESCRIPTOR } from "./otlp-descriptor.js";

const root = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as protobuf.INamespace);
const status = new protobuf.Type("Status").add(new protobuf.Field("code", 1, "int32")).add(new protobuf.Field("message", 2, "string"));
new protobuf.Namespace("google").add(new protobuf.Namespace("rpc").add(status));

/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`. */
export const ExportTraceServiceRequest = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
/** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse`. */
export const ExportTraceServiceResponse = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");
/** `google.rpc.Status`, the body of an OTLP/HTTP error answer. */
export const RpcStatus = status;
