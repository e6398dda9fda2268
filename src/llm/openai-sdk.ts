import type OpenAI from 'openai';
import type * as OpenAIModule from 'openai';
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

/** SDK clients by (base_url, api_key, timeout): building one per session would cost more than the request. */
const clients = new Map<string, OpenAI>();

export function clientFor(OpenAISdk: Sdk, entry: LlmConfigEntry, timeoutMs: number): OpenAI {
  const baseURL = entry.base_url ?? DEFAULT_BASE_URL;
  const apiKey = entry.api_key ?? PLACEHOLDER_API_KEY;
  const key = JSON.stringify([baseURL, apiKey, timeoutMs]);
  let client = clients.get(key);
  if (client === undefined) {
    // maxRetries 0: the config list is the retry policy (AutoGen fails over instead of retrying).
    client = new OpenAISdk.OpenAI({ apiKey, baseURL, timeout: timeoutMs, maxRetries: 0 });
    clients.set(key, client);
  }
  return client;
}
