import type OpenAI from 'openai';
import type * as OpenAIModule from 'openai';
import type { ApiType } from './api-type.js';
import { azureDeployment, azureEndpoint } from './api-type.js';
import { DEFAULT_BASE_URL, type LlmConfigEntry } from './config-list.js';

/** Local servers ignore the key, but the SDK insists on one. */
const PLACEHOLDER_API_KEY = 'not-needed';

/** The `openai` module. */
export type Sdk = typeof OpenAIModule;

/**
 * The SDK, imported on the first request: it is a tenth of an idle server's memory and start-up, and a server may
 * never make a request (text-only agents, health checks).
 */
let sdk: Sdk | undefined;
export async function loadSdk(): Promise<Sdk> {
  sdk ??= await import('openai');
  return sdk;
}

/** SDK clients by endpoint, key and timeout: building one per session would cost more than the request. */
const clients = new Map<string, OpenAI>();

/**
 * The SDK client for an entry: `AzureOpenAI` for Azure entries (deployment URLs, `api-version`, `api-key` header),
 * else `OpenAI` at the entry's `base_url`. Every setting comes from the entry: the SDK's own environment variables
 * (`OPENAI_BASE_URL`, `AZURE_OPENAI_API_KEY`, ...) must not redirect a request the config list describes.
 */
export function clientFor(OpenAISdk: Sdk, entry: LlmConfigEntry, apiType: ApiType, timeoutMs: number): OpenAI {
  const apiKey = entry.api_key ?? PLACEHOLDER_API_KEY;
  // maxRetries 0: the config list is the retry policy (AutoGen fails over instead of retrying).
  const common = { apiKey, timeout: timeoutMs, maxRetries: 0 };
  if (apiType === 'azure') {
    const endpoint = azureEndpoint(entry)!;
    const deployment = azureDeployment(entry);
    const apiVersion = entry.api_version!;
    const key = JSON.stringify(['azure', endpoint, deployment, apiVersion, apiKey, timeoutMs]);
    let client = clients.get(key);
    if (client === undefined) {
      client = new OpenAISdk.AzureOpenAI({ ...common, baseURL: null, endpoint, deployment, apiVersion });
      clients.set(key, client);
    }
    return client;
  }
  const baseURL = entry.base_url ?? DEFAULT_BASE_URL;
  const key = JSON.stringify(['openai', baseURL, apiKey, timeoutMs]);
  let client = clients.get(key);
  if (client === undefined) {
    client = new OpenAISdk.OpenAI({ ...common, baseURL });
    clients.set(key, client);
  }
  return client;
}
