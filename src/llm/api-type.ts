import { ConfigError, UnsupportedApiTypeError } from '../errors.js';
import type { LlmConfigEntry } from './config-list.js';

/** The APIs agentws speaks: OpenAI's chat completions, at OpenAI or any compatible server, and Azure OpenAI's. */
export type ApiType = 'openai' | 'azure';

/**
 * AutoGen 0.2's other `api_type`s (each a client of its own there), with the OpenAI-compatible endpoint that provider
 * offers: the way to reach it from agentws.
 */
const OPENAI_COMPATIBLE: Readonly<Record<string, { provider: string; how: string }>> = {
  anthropic: { provider: 'Anthropic', how: 'set "base_url": "https://api.anthropic.com/v1/" with your Anthropic key' },
  google: {
    provider: 'Google Gemini',
    how: 'set "base_url": "https://generativelanguage.googleapis.com/v1beta/openai/" with your Gemini API key',
  },
  gemini: {
    provider: 'Google Gemini',
    how: 'set "base_url": "https://generativelanguage.googleapis.com/v1beta/openai/" with your Gemini API key',
  },
  mistral: { provider: 'Mistral', how: 'set "base_url": "https://api.mistral.ai/v1" with your Mistral key' },
  together: { provider: 'Together AI', how: 'set "base_url": "https://api.together.xyz/v1" with your Together key' },
  groq: { provider: 'Groq', how: 'set "base_url": "https://api.groq.com/openai/v1" with your Groq key' },
  cohere: { provider: 'Cohere', how: 'set "base_url": "https://api.cohere.ai/compatibility/v1" with your Cohere key' },
  cerebras: { provider: 'Cerebras', how: 'set "base_url": "https://api.cerebras.ai/v1" with your Cerebras key' },
  ollama: {
    provider: 'Ollama',
    how: 'set "base_url": "http://127.0.0.1:11434/v1" (Ollama ignores the api_key; any value will do)',
  },
  bedrock: {
    provider: 'Amazon Bedrock',
    how:
      'put an OpenAI-compatible gateway in front of it (such as the LiteLLM proxy or aws-samples/bedrock-access-gateway) ' +
      'and set "base_url" to that gateway',
  },
};

/**
 * Which API an entry speaks, from its `api_type` as AutoGen reads it (`azure...` is Azure OpenAI; none or `openai` is
 * OpenAI's). Throws {@link UnsupportedApiTypeError} for any other, and `ConfigError` for an Azure entry that lacks
 * what Azure needs. `source` says where the list came from, for the message.
 */
export function resolveApiType(entry: LlmConfigEntry, index: number, source: string): ApiType {
  const apiType = entry.api_type;
  if (apiType === undefined || apiType === 'openai') return 'openai';
  const name = `Entry ${index} (${entry.model}) of ${source}`;
  if (apiType.startsWith('azure')) {
    checkAzure(entry, name);
    return 'azure';
  }
  const known = Object.entries(OPENAI_COMPATIBLE).find(([prefix]) => apiType.startsWith(prefix))?.[1];
  const instead = known
    ? `${known.provider} has an OpenAI-compatible endpoint: remove "api_type" from the entry and ${known.how}.`
    : 'Use the provider\'s OpenAI-compatible endpoint if it has one: remove "api_type" from the entry and set ' +
      '"base_url" to it (or put an OpenAI-compatible gateway such as the LiteLLM proxy in front of the provider).';
  throw new UnsupportedApiTypeError(
    apiType,
    index,
    `${name} has "api_type": ${JSON.stringify(apiType)}, which agentws does not speak: it talks to OpenAI-compatible ` +
      `chat completions APIs ("api_type" "openai", the default, or "azure"). ${instead}`,
  );
}

/** Checks every entry's `api_type` (entries with their own `model_client` need none) before anything is sent. */
export function checkApiTypes(list: readonly LlmConfigEntry[], source: string): void {
  list.forEach((entry, i) => {
    if (entry.model_client === undefined) resolveApiType(entry, i, source);
  });
}

/** The Azure OpenAI deployment an entry calls: `azure_deployment`, else its model without dots, as AutoGen does. */
export function azureDeployment(entry: LlmConfigEntry): string {
  return typeof entry.azure_deployment === 'string' ? entry.azure_deployment : entry.model.replace(/\./g, '');
}

/** The resource endpoint of an Azure entry: `azure_endpoint`, else `base_url` (AutoGen's reading). */
export function azureEndpoint(entry: LlmConfigEntry): string | undefined {
  return typeof entry.azure_endpoint === 'string' ? entry.azure_endpoint : entry.base_url;
}

function checkAzure(entry: LlmConfigEntry, name: string): void {
  const missing: string[] = [];
  if (azureEndpoint(entry) === undefined) {
    missing.push('"base_url" (or "azure_endpoint"): your resource\'s endpoint, like https://NAME.openai.azure.com');
  }
  if (entry.api_version === undefined) missing.push('"api_version": such as "2024-10-21"');
  if (entry.api_key === undefined) {
    missing.push('"api_key": a key of the resource (Microsoft Entra ID tokens are not supported)');
  }
  if (missing.length > 0) {
    throw new ConfigError('CONFIG_INVALID', `${name} has "api_type": "azure" but lacks ${missing.join('; ')}.`);
  }
}
