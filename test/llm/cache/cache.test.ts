import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { Cache } from '../../../src/llm/cache/cache.js';
import { DiskCache } from '../../../src/llm/cache/disk-cache.js';
import { InMemoryCache } from '../../../src/llm/cache/in-memory-cache.js';
import type { LlmCache } from '../../../src/llm/cache/llm-cache.js';

const root = mkdtempSync(path.join(tmpdir(), 'agentws-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A store that says what it was asked: the part of AutoGen's MagicMock these cases check. */
class RecordingStore implements LlmCache {
  readonly calls: string[] = [];
  readonly #inner = new InMemoryCache();
  async get(key: string, defaultValue?: unknown): Promise<unknown> {
    this.calls.push(`get ${key} ${String(defaultValue)}`);
    return this.#inner.get(key, defaultValue);
  }
  async set(key: string, value: unknown): Promise<void> {
    this.calls.push(`set ${key} ${String(value)}`);
    return this.#inner.set(key, value);
  }
  async close(): Promise<void> {
    this.calls.push('close');
    return Promise.resolve();
  }
}

// AutoGen 0.2's test/cache/test_cache.py, ported for the stores agentws has (disk and memory; Redis and Cosmos DB
// are not part of agentws): Cache is a front that makes a store by seed and hands every call to it.
describe("AutoGen's test_cache.py", () => {
  it('test_redis_cache_initialization, for disk: Cache.disk(seed, root) is a DiskCache in root/seed', () => {
    const cache = Cache.disk('test_seed', path.join(root, '.test_cache'));
    expect(cache.cache).toBeInstanceOf(DiskCache);
    expect((cache.cache as DiskCache).directory).toBe(path.join(root, '.test_cache', 'test_seed'));
    expect((Cache.disk().cache as DiskCache).directory).toBe(path.resolve('.cache', '42'));
    expect(Cache.memory('test_seed').cache).toBeInstanceOf(InMemoryCache);
  });

  it('test_redis_context_manager, for disk: `await using` closes the store', async () => {
    const store = new RecordingStore();
    {
      await using cache = new Cache(store);
      expect(cache.cache).toBe(store);
    }
    expect(store.calls).toEqual(['close']);
  });

  it('test_redis_get_set, for any store: calls reach it as made', async () => {
    const store = new RecordingStore();
    const cache = new Cache(store);
    await cache.set('key', 'value');
    expect(await cache.get('key')).toBe('value');
    expect(store.calls).toEqual(['set key value', 'get key undefined']);
  });

  it('test_redis_close, for any store: close reaches it', async () => {
    const store = new RecordingStore();
    await new Cache(store).close();
    expect(store.calls).toEqual(['close']);
  });
});

describe('Cache', () => {
  it('a disk cache keeps values across instances of one seed, apart from other seeds', async () => {
    const cacheRoot = path.join(root, 'seeds');
    await Cache.disk(49, cacheRoot).set('key', 'forty-nine');
    expect(await Cache.disk(49, cacheRoot).get('key')).toBe('forty-nine');
    expect(await Cache.disk(312, cacheRoot).get('key')).toBeUndefined();
  });

  it.each(['../escape', 'a/b', '.', '..', '', 1.5, Number.NaN])(
    'refuses the seed %s, which would not name one folder',
    (seed) => {
      expect(() => Cache.disk(seed as string, root)).toThrow(ConfigError);
      expect(() => Cache.disk(seed as string, root)).toThrow(/^cacheSeed must be an integer or a name of letters/);
    },
  );
});
