/**
 * What a span learns from the client that makes the call: the provider
 * (Anthropic, or Bedrock and Vertex, whose clients share the SDK's resource
 * classes) and the server's address. Computed once per client.
 */
import type { Attributes } from "@opentelemetry/api";
import { GenAI, Semconv } from "../../src/core/attributes.js";

/** The client fields read here; all optional, since they are the SDK's internals. */
export interface AnthropicClientLike {
  baseURL?: unknown;
  /** Set by recent SDKs: `anthropic`, `aws.bedrock`, `gcp.vertex_ai`. */
  _genAIProviderName?: unknown;
}

const cache = new WeakMap<object, Attributes>();

/** The provider name: the SDK's own when it has one, else from the client class. */
export function providerNameOf(client: AnthropicClientLike | undefined): string {
  if (typeof client?._genAIProviderName === "string" && client._genAIProviderName) return client._genAIProviderName;
  const name = (client as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? "";
  if (name.includes("Bedrock")) return "aws.bedrock";
  if (name.includes("Vertex")) return "gcp.vertex_ai";
  return "anthropic";
}

/** `gen_ai.provider.name`, `server.address` and `server.port` for calls made by `client`. */
export function clientAttributes(client: AnthropicClientLike | undefined): Attributes {
  if (!client || typeof client !== "object") return { [GenAI.PROVIDER_NAME]: "anthropic" };
  let attrs = cache.get(client);
  if (attrs) return attrs;
  attrs = { [GenAI.PROVIDER_NAME]: providerNameOf(client) };
  try {
    if (typeof client.baseURL === "string") {
      const url = new URL(client.baseURL);
      attrs[Semconv.SERVER_ADDRESS] = url.hostname.replace(/^\[(.*)\]$/, "$1");
      attrs[Semconv.SERVER_PORT] = url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
    }
  } catch {
    // A base URL that does not parse: no server attributes.
  }
  cache.set(client, attrs);
  return attrs;
}
