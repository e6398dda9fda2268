import { ConfigError } from '../errors.js';
import { checkApiTypes } from './api-type.js';
import { Cache, checkSeed, DEFAULT_CACHE_PATH_ROOT } from './cache/cache.js';
import type { LlmCache } from './cache/llm-cache.js';
import { DEFAULT_MAX_EVENT_SIZE } from './chat-stream.js';
import { validateConfigList, type LlmConfigEntry } from './config-list.js';
import { priceOf, type Price } from './usage.js';

/** AutoGen's `llm_config`. Keys other than the ones below are passed to the API as request parameters. */
export interface LlmConfig {
  /** Ordered fallback list: a request tries entry 0, and on any API error, timeout or broken stream moves on. */
  configList: LlmConfigEntry[];
  /** Stream tokens to the current IOStream. Default: `false`. */
  stream?: boolean;
  temperature?: number;
  /**
   * The idle timeout of one request: the longest wait for the response headers, then the longest silence allowed in
   * a stream. Default: 600 000 (10 min).
   */
  timeoutMs?: number;
  /**
   * The most one request may take from sending it to the last byte of its response, however steadily data arrives:
   * a model that drips a byte at a time is cut off here and the next entry is tried. Default: 600 000 (10 min), or
   * `timeoutMs` when that is longer.
   */
  deadlineMs?: number;
  /**
   * The largest server-sent event a stream may carry, in characters (bytes, for the ASCII JSON of a chunk). Real
   * events are a token or a tool-argument piece each, so a long reply is many small events; an event past this ends
   * the attempt (the next entry is tried) instead of growing in memory. Default: 4 194 304 (4 MiB).
   */
  maxEventSize?: number;
  /**
   * AutoGen's `cache_seed`: answer a request identical to one already answered from a cache on disk, in
   * `cachePathRoot/cacheSeed`, and keep every new reply there. `null` turns it off. Default: `null` (off; AutoGen
   * 0.2 caches with seed 41 by default, but a server must not answer one user with another's reply, nor keep every
   * conversation on disk, unless asked to).
   */
  cacheSeed?: number | string | null;
  /** Where `cacheSeed`'s folders are, relative to the working directory. Default: `'.cache'`. */
  cachePathRoot?: string;
  /** A cache of your own (such as `Cache.memory()`); takes precedence over `cacheSeed`. Default: none. */
  cache?: LlmCache | null;
  /**
   * Other request parameters, passed through (entry keys override them). When streaming, agentws asks for a usage
   * chunk with `stream_options: { include_usage: true }`; set `stream_options: null` for servers that reject it.
   */
  [extra: string]: unknown;
}

/** An {@link LlmConfig} checked, with its defaults applied. */
export interface ResolvedLlmConfig {
  entries: LlmConfigEntry[];
  /** Each entry's price, by index. */
  prices: Array<Price | undefined>;
  stream: boolean;
  timeoutMs: number;
  deadlineMs: number;
  maxEventSize: number;
  /** Request parameters from the llmConfig (entries' own are added per request). */
  params: Record<string, unknown>;
  cache: LlmCache | undefined;
  /**
   * The seed when the cache comes from `cacheSeed` (not from `cache`): a run whose IOStream has a shared cache
   * (a server with a Redis store) uses that one for the seed instead of the disk.
   */
  cacheSeed: string | undefined;
}

const DEFAULT_TIMEOUT_MS = 600_000;
/** Node's timers fire at once past this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const SOURCE = 'llmConfig.configList';
const OWN_CONFIG_KEYS = new Set([
  'configList',
  'stream',
  'temperature',
  'timeoutMs',
  'deadlineMs',
  'maxEventSize',
  'cacheSeed',
  'cachePathRoot',
  'cache',
]);
/** Entry keys (and AutoGen-only llm_config keys) that are not request parameters. */
export const NON_REQUEST_KEYS = new Set([
  'model',
  'api_key',
  'base_url',
  'api_type',
  'api_version',
  'azure_endpoint',
  'azure_deployment',
  'model_client',
  'tags',
  'price',
  'cache_seed',
  'filter_dict',
  'api_rate_limit',
]);

/** Checks `config` at once, naming the option that is wrong; throws `ConfigError`. */
export function resolveLlmConfig(config: LlmConfig): ResolvedLlmConfig {
  const { configList, stream = false, temperature, timeoutMs = DEFAULT_TIMEOUT_MS } = config;
  const { deadlineMs = Math.max(DEFAULT_TIMEOUT_MS, timeoutMs), maxEventSize = DEFAULT_MAX_EVENT_SIZE } = config;
  if (Array.isArray(configList) && configList.length === 0) {
    throw new ConfigError(
      'CONFIG_EMPTY',
      'llmConfig.configList is empty: give at least one entry such as { model: "gpt-4o-mini", api_key: "..." }, ' +
        'for example with configListFromJson() or configFromEnv().',
    );
  }
  const entries = validateConfigList(configList, SOURCE);
  checkApiTypes(entries, SOURCE);
  const prices = entries.map((entry, i) => priceOf(entry, i, SOURCE));
  for (const [name, value, unit, max] of [
    ['timeoutMs', timeoutMs, 'ms', MAX_TIMER_MS],
    ['deadlineMs', deadlineMs, 'ms', MAX_TIMER_MS],
    ['maxEventSize', maxEventSize, 'characters', Number.MAX_SAFE_INTEGER],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0 || value > max) {
      const range = max === MAX_TIMER_MS ? ` up to ${max}` : '';
      const message = `llmConfig.${name} must be a positive integer (${unit})${range}, got ${value}.`;
      throw new ConfigError('CONFIG_INVALID', message);
    }
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!OWN_CONFIG_KEYS.has(key) && !NON_REQUEST_KEYS.has(key)) params[key] = value;
  }
  if (temperature !== undefined) params.temperature = temperature;
  const cache = cacheOf(config);
  const seeded = cache !== undefined && (config.cache === undefined || config.cache === null);
  return {
    entries,
    prices,
    stream,
    timeoutMs,
    deadlineMs,
    maxEventSize,
    params,
    cache,
    cacheSeed: seeded ? String(config.cacheSeed) : undefined,
  };
}

/** The cache `config` asks for: its own `cache`, else a disk cache for `cacheSeed`, else none. */
function cacheOf(config: LlmConfig): LlmCache | undefined {
  const { cacheSeed = null, cachePathRoot = DEFAULT_CACHE_PATH_ROOT, cache } = config;
  if (config.cache_seed !== undefined && config.cache_seed !== null) {
    // AutoGen's spelling would otherwise be sent to the API as a request parameter, or silently ignored.
    throw new ConfigError(
      'CONFIG_INVALID',
      'llmConfig.cache_seed is AutoGen\'s spelling: agentws reads "cacheSeed" (a seed, or null for no cache).',
    );
  }
  if (cache !== undefined && cache !== null) {
    const store = cache as Partial<LlmCache>;
    if (typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.close !== 'function') {
      throw new ConfigError('CONFIG_INVALID', 'llmConfig.cache must have get(key), set(key, value) and close().');
    }
    return cache;
  }
  if (typeof cachePathRoot !== 'string' || cachePathRoot === '') {
    throw new ConfigError('CONFIG_INVALID', 'llmConfig.cachePathRoot must be a folder path (default ".cache").');
  }
  if (cacheSeed === null) return undefined;
  return Cache.disk(checkSeed(cacheSeed, 'llmConfig.cacheSeed'), cachePathRoot);
}
