import * as path from 'node:path';
import { ConfigError } from '../../errors.js';
import { DiskCache } from './disk-cache.js';
import { InMemoryCache } from './in-memory-cache.js';
import type { LlmCache } from './llm-cache.js';

/** Where disk caches live by default, relative to the working directory: AutoGen's `.cache`. */
export const DEFAULT_CACHE_PATH_ROOT = '.cache';

/** A seed names a folder: a number, or a name without path separators. */
const SEED = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * AutoGen's `Cache`: one front for the cache stores, made by seed. Give it to `llmConfig.cache` (it takes precedence
 * over `cacheSeed`), or close it when done (`await using` closes it too).
 * @example
 * await using cache = Cache.disk(49, '.cache_test'); // .cache_test/49
 * const assistant = new ConversableAgent({ name: 'assistant', llmConfig: { configList, cache } });
 */
export class Cache implements LlmCache {
  /** The store behind this front. */
  readonly cache: LlmCache;

  /** A cache on disk in `cachePathRoot/cacheSeed` (default `.cache/42`, relative to the working directory). */
  static disk(cacheSeed: string | number = 42, cachePathRoot = DEFAULT_CACHE_PATH_ROOT): Cache {
    return new Cache(new DiskCache(path.join(cachePathRoot, checkSeed(cacheSeed, 'cacheSeed'))));
  }

  /** A cache in this process's memory, its keys prefixed with the seed. */
  static memory(cacheSeed: string | number = ''): Cache {
    return new Cache(new InMemoryCache(cacheSeed));
  }

  constructor(cache: LlmCache) {
    this.cache = cache;
  }

  get(key: string, defaultValue?: unknown): Promise<unknown> {
    return this.cache.get(key, defaultValue);
  }

  set(key: string, value: unknown): Promise<void> {
    return this.cache.set(key, value);
  }

  close(): Promise<void> {
    return this.cache.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * `seed` as the folder name it becomes, or a `ConfigError` naming `option`: a seed such as `../x` must not lead the
 * cache out of its root.
 */
export function checkSeed(seed: unknown, option: string): string {
  if ((typeof seed === 'number' && Number.isInteger(seed)) || (typeof seed === 'string' && SEED.test(seed))) {
    return String(seed);
  }
  throw new ConfigError(
    'CONFIG_INVALID',
    `${option} must be an integer or a name of letters, digits, '.', '_' and '-' (it names a folder), or null for ` +
      `no cache; got ${typeof seed === 'string' ? JSON.stringify(seed.slice(0, 64)) : String(seed)}.`,
  );
}
