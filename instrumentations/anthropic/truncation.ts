/**
 * Which captured content attributes the content policy cut, for
 * `humanloop.truncated`. A cut text ends with the policy's marker
 * (`…[truncated N chars]`, see src/serialize.ts).
 */
import type { Attributes } from "@opentelemetry/api";
import { GenAI } from "../../src/core/attributes.js";

const CONTENT_KEYS = [GenAI.SYSTEM_INSTRUCTIONS, GenAI.INPUT_MESSAGES, GenAI.TOOL_DEFINITIONS, GenAI.OUTPUT_MESSAGES];
const MARKER = /…\[truncated \d+ chars\]$/;

/** Whether a captured text was cut by the content policy (so its JSON no longer parses). */
export function isTruncated(text: string): boolean {
  return MARKER.test(text);
}

/** The content attributes of `attrs` that were cut, added to `into` (which is returned). */
export function truncatedKeys(attrs: Attributes, into: string[] = []): string[] {
  for (const key of CONTENT_KEYS) {
    const value = attrs[key];
    if (typeof value === "string" && MARKER.test(value) && !into.includes(key)) into.push(key);
  }
  return into;
}
