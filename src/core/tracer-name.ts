/** The instrumentation scope of spans made by `traced()`. */
export const TRACER_NAME = "humanloop-otel";

/** This package's version, reported as the instrumentation scope version. */
export const TRACER_VERSION = "0.1.0";
