import { GenAI } from "../../src/core/attributes.js";
import { isObject, setUsage, type Endpoint, type StreamAccumulator } from "./common.js";

/** `embeddings.create`. The vectors are never captured; the input only as a count. */
export const embeddingsEndpoint: Endpoint = {
  operation: "embeddings",
  requestAttributes(body, attrs) {
    if (typeof body.encoding_format === "string") attrs[GenAI.REQUEST_ENCODING_FORMATS] = [body.encoding_format];
    if (typeof body.dimensions === "number") attrs[GenAI.EMBEDDINGS_DIMENSION_COUNT] = body.dimensions;
  },
  requestContent() {
    // Embedding inputs are not messages; the GenAI conventions define no content attribute for them.
  },
  result(value, span) {
    if (typeof value.model === "string") span.setAttribute(GenAI.RESPONSE_MODEL, value.model);
    setUsage(span, value.usage);
    const first = Array.isArray(value.data) ? value.data[0] : undefined;
    if (isObject(first) && Array.isArray(first.embedding)) span.setAttribute(GenAI.EMBEDDINGS_DIMENSION_COUNT, first.embedding.length);
  },
  accumulator: (): StreamAccumulator => ({ onChunk() {}, write() {} }),
};
