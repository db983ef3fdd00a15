import { SpanStatusCode, type Attributes } from "@opentelemetry/api";
import type { MappableSpan } from "../exporters/humanloop/index.js";

export const TRACE = "0af7651916cd43dd8448eb211c80319c";

/** A finished span of trace {@link TRACE} as the mapping reads it: 0.5 s long, status unset, no events; `extra` overrides. */
export function mappableSpan(name: string, attributes: Attributes, extra: Partial<MappableSpan> = {}, spanId = "b7ad6b7169203331"): MappableSpan {
  return {
    name,
    attributes,
    spanContext: () => ({ traceId: TRACE, spanId, traceFlags: 1 }),
    startTime: [1_700_000_000, 500_000_000],
    endTime: [1_700_000_001, 0],
    duration: [0, 500_000_000],
    status: { code: SpanStatusCode.UNSET },
    events: [],
    resource: { attributes: {} } as MappableSpan["resource"],
    ...extra,
  };
}
