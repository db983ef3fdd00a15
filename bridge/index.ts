/**
 * `humanloop-otel/bridge`: the OTLP bridge for embedding (the
 * `humanloop-otel-bridge` command runs the same class).
 *
 * @packageDocumentation
 */
export { HumanloopOtlpBridge, type BridgeStats } from "./bridge.js";
export type { AssemblerStats } from "../server/otlp/assembler.js";
export { resolveBridgeOptions, type BridgeOptions, type ResolvedBridgeOptions } from "./options.js";
