import { describe, expect, it } from 'vitest';
import { InMemoryCache } from '../../../src/llm/cache/in-memory-cache.js';

// AutoGen 0.2's test/cache/test_in_memory_cache.py, ported case by case (the store map stands for `cache._cache`).
describe("AutoGen's test_in_memory_cache.py", () => {
  it('test_prefixed_key', () => {
    const cache = new InMemoryCache('test');
    expect(cache.prefixedKey('key')).toBe('test_key');
  });

  it('test_get_with_default_value', async () => {
    const cache = new InMemoryCache();
    expect(await cache.get('key', 'default_value')).toBe('default_value');
  });

  it('test_get_without_default_value', async () => {
    const cache = new InMemoryCache();
    expect(await cache.get('key')).toBeUndefined();
  });

  it('test_get_with_set_value', async () => {
    const cache = new InMemoryCache();
    await cache.set('key', 'value');
    expect(await cache.get('key')).toBe('value');
  });

  it('test_get_with_set_value_and_seed', async () => {
    const cache = new InMemoryCache('test');
    await cache.set('key', 'value');
    expect(await cache.get('key')).toBe('value');
  });

  it('test_set', async () => {
    const store = new Map<string, unknown>();
    const cache = new InMemoryCache('', store);
    await cache.set('key', 'value');
    expect(store.get('key')).toBe('value');
  });

  it('test_set_with_seed', async () => {
    const store = new Map<string, unknown>();
    const cache = new InMemoryCache('test', store);
    await cache.set('key', 'value');
    expect(store.get('test_key')).toBe('value');
  });

  it('test_context_manager', async () => {
    await using cache = new InMemoryCache();
    await cache.set('key', 'value');
    expect(await cache.get('key')).toBe('value');
  });
});

describe('InMemoryCache', () => {
  it('keeps the values of two seeds apart in one shared store', async () => {
    const store = new Map<string, unknown>();
    await new InMemoryCache(1, store).set('key', 'one');
    await new InMemoryCache(2, store).set('key', 'two');
    expect(await new InMemoryCache(1, store).get('key')).toBe('one');
    expect(await new InMemoryCache(2, store).get('key')).toBe('two');
    expect([...store.keys()].sort()).toEqual(['1_key', '2_key']);
  });
});
