import type { Attributes } from "@opentelemetry/api";
import { GenAI, Humanloop, OpenInference } from "../../../src/core/attributes.js";
import type { ModelConfig, ModelProvider, ToolFunction } from "../types.js";
import { isRecord, jsonAttr, numberAttr, objectAttr, stringAttr } from "./json.js";
import { isOpenInference, openInferenceConfig } from "./openinference.js";

/**
 * The model `config` of an LLM log.
 *
 * Provider rule: Humanloop's `provider` is an enum, so the span's provider
 * (`gen_ai.provider.name`, else `gen_ai.system`, else the Vercel AI SDK's
 * `ai.model.provider`) is mapped to it: `openai*` -> `openai`,
 * `azure.ai.openai`/`azure*` -> `openai_azure`, `anthropic*` -> `anthropic`,
 * Google/Gemini/Vertex -> `google`, plus `cohere`, `groq`, `ai21`,
 * `replicate`. Hosting platforms that serve several model families (AWS
 * Bedrock, Vertex AI) map by the model's family (`claude` -> `anthropic`,
 * `gpt`/`o1`… -> `openai`, `gemini` -> `google`, `command` -> `cohere`), and
 * the platform is kept in `config.other.platform`. A provider with no place
 * in the enum leaves `provider` out (it is optional) and is kept in
 * `config.other.provider`, so nothing is misattributed.
 */

const DIRECT: [RegExp, ModelProvider][] = [
  [/^(azure\.ai\.openai|azure)/, "openai_azure"],
  [/^openai/, "openai"],
  [/^anthropic/, "anthropic"],
  [/^(gcp\.gemini|gcp\.gen_ai|google|gemini)/, "google"],
  [/^cohere/, "cohere"],
  [/^groq/, "groq"],
  [/^ai21/, "ai21"],
  [/^replicate/, "replicate"],
];

const PLATFORMS = /^(aws\.bedrock|amazon-bedrock|bedrock|gcp\.vertex_ai|google\.vertex|vertex)/;

const FAMILIES: [RegExp, ModelProvider][] = [
  [/claude|anthropic/, "anthropic"],
  [/(^|[.:/])(gpt|o\d|text-embedding|chatgpt)/, "openai"],
  [/gemini|gemma|text-bison|chat-bison/, "google"],
  [/command|cohere|embed-(english|multilingual)/, "cohere"],
  [/jamba|j2-|ai21/, "ai21"],
];

/** Raw provider name found on the span, if any. */
export function rawProviderOf(attributes: Attributes): string | undefined {
  return (
    stringAttr(attributes, GenAI.PROVIDER_NAME) ??
    stringAttr(attributes, GenAI.SYSTEM) ??
    stringAttr(attributes, "ai.model.provider") ??
    stringAttr(attributes, OpenInference.LLM_PROVIDER) ??
    stringAttr(attributes, OpenInference.LLM_SYSTEM)
  );
}

/** What {@link mapProvider} found. */
export type MappedProvider = { provider?: ModelProvider; platform?: string; unmapped?: string };

/** Recent `mapProvider` answers (a pure function of its two strings; apps use a handful of pairs). */
const mapped = new Map<string, Readonly<MappedProvider>>();
const MAX_MAPPED = 256;

/** Maps a raw provider and model to Humanloop's enum; see the module comment for the rule. */
export function mapProvider(raw: string | undefined, model: string): MappedProvider {
  return { ...knownProvider(raw, model) };
}

const NONE: Readonly<MappedProvider> = Object.freeze({});

/** {@link mapProvider}'s shared (cached, read-only) answer: no copy per span. */
function knownProvider(raw: string | undefined, model: string): Readonly<MappedProvider> {
  if (raw === undefined) return NONE;
  const key = `${raw}\u0000${model}`;
  const known = mapped.get(key);
  if (known) return known;
  const result = Object.freeze(computeProvider(raw, model));
  if (mapped.size >= MAX_MAPPED) mapped.clear();
  mapped.set(key, result);
  return result;
}

function computeProvider(raw: string, model: string): MappedProvider {
  const name = raw.toLowerCase();
  if (PLATFORMS.test(name)) {
    const family = FAMILIES.find(([re]) => re.test(model.toLowerCase()));
    return family ? { provider: family[1], platform: raw } : { platform: raw };
  }
  const direct = DIRECT.find(([re]) => re.test(name));
  return direct ? { provider: direct[1] } : { unmapped: raw };
}

/** Request attributes kept in `config.other`, by the name they get there. */
const EXTRAS: readonly [string, string][] = [
  [GenAI.REQUEST_TOP_K, "top_k"],
  [GenAI.REQUEST_CHOICE_COUNT, "n"],
  [GenAI.REQUEST_STREAM, "stream"],
  [GenAI.REQUEST_ENCODING_FORMATS, "encoding_formats"],
  [GenAI.OPENAI_REQUEST_SERVICE_TIER, "service_tier"],
];

function endpointOf(operation: string | undefined): ModelConfig["endpoint"] | undefined {
  if (operation === "text_completion" || operation === "completion") return "complete";
  if (operation === "chat" || operation === "generate_content") return "chat";
  return undefined;
}

function toolsOf(attributes: Attributes): ToolFunction[] | undefined {
  const defs = jsonAttr(attributes, GenAI.TOOL_DEFINITIONS);
  if (!Array.isArray(defs)) return undefined;
  const tools: ToolFunction[] = [];
  for (const def of defs) {
    if (!isRecord(def)) continue;
    const fn = isRecord(def.function) ? def.function : def; // tolerate the OpenAI `{ type, function }` shape
    if (typeof fn.name !== "string") continue;
    const tool: ToolFunction = { name: fn.name };
    if (typeof fn.description === "string") tool.description = fn.description;
    if (isRecord(fn.parameters)) tool.parameters = fn.parameters;
    tools.push(tool);
  }
  return tools.length > 0 ? tools : undefined;
}

/** The GenAI operation of a Vercel AI SDK `ai.*.do*` span, which names none. */
function vercelOperation(attributes: Attributes): string | undefined {
  const id = stringAttr(attributes, "ai.operationId");
  if (id === undefined) return undefined;
  if (id.endsWith(".doEmbed")) return "embeddings";
  return id.endsWith(".doGenerate") || id.endsWith(".doStream") ? "chat" : undefined;
}

/** The model name of an LLM span. */
export function modelOf(attributes: Attributes): string {
  return (
    stringAttr(attributes, GenAI.REQUEST_MODEL) ??
    stringAttr(attributes, GenAI.RESPONSE_MODEL) ??
    stringAttr(attributes, "ai.model.id") ??
    stringAttr(attributes, OpenInference.LLM_MODEL_NAME) ??
    stringAttr(attributes, OpenInference.EMBEDDING_MODEL_NAME) ??
    "unknown"
  );
}

/** The model `config` of an LLM span. */
export function modelConfigOf(attributes: Attributes): ModelConfig {
  const model = modelOf(attributes);
  const config: ModelConfig = { type: "model", model };
  const other: Record<string, unknown> = {};
  const provider = knownProvider(rawProviderOf(attributes), model);
  if (provider.provider) config.provider = provider.provider;
  if (provider.platform) other.platform = provider.platform;
  if (provider.unmapped) other.provider = provider.unmapped;

  const operation = stringAttr(attributes, GenAI.OPERATION_NAME) ?? vercelOperation(attributes);
  const endpoint = endpointOf(operation);
  if (endpoint) config.endpoint = endpoint;
  else if (operation) other.operation = operation;

  const maxTokens = numberAttr(attributes, GenAI.REQUEST_MAX_TOKENS);
  if (maxTokens !== undefined && maxTokens >= 0) config.max_tokens = Math.round(maxTokens);
  const temperature = numberAttr(attributes, GenAI.REQUEST_TEMPERATURE);
  if (temperature !== undefined) config.temperature = temperature;
  const topP = numberAttr(attributes, GenAI.REQUEST_TOP_P);
  if (topP !== undefined) config.top_p = topP;
  const presence = numberAttr(attributes, GenAI.REQUEST_PRESENCE_PENALTY);
  if (presence !== undefined) config.presence_penalty = presence;
  const frequency = numberAttr(attributes, GenAI.REQUEST_FREQUENCY_PENALTY);
  if (frequency !== undefined) config.frequency_penalty = frequency;
  const seed = numberAttr(attributes, GenAI.REQUEST_SEED);
  if (seed !== undefined) config.seed = Math.round(seed);
  const stop = attributes[GenAI.REQUEST_STOP_SEQUENCES];
  if (typeof stop === "string") config.stop = stop;
  else if (Array.isArray(stop)) config.stop = stop.filter((s): s is string => typeof s === "string");
  const outputType = stringAttr(attributes, GenAI.OUTPUT_TYPE);
  if (outputType === "json") config.response_format = { type: "json_object" };
  else if (outputType !== undefined && outputType !== "text") other.output_type = outputType;

  for (const [key, name] of EXTRAS) if (attributes[key] !== undefined) other[name] = attributes[key];

  const tools = toolsOf(attributes);
  if (tools) config.tools = tools;
  if (isOpenInference(attributes)) openInferenceConfig(attributes, config, other);
  Object.assign(other, objectAttr(attributes, Humanloop.CONFIG_OTHER));
  if (Object.keys(other).length > 0) config.other = other;
  return config;
}
