import type { LlmCache } from './llm-cache.js';

/**
 * A cache in this process's memory (AutoGen's `InMemoryCache`): gone when the process ends. Keys are prefixed with the
 * seed (`seed_key`), so caches of several seeds can share one `store`.
 * @example const cache = new InMemoryCache('test'); await cache.set('key', 'value');
 */
export class InMemoryCache implements LlmCache {
  readonly #seed: string;
  readonly #store: Map<string, unknown>;

  /** `store`: the map the values live in. Default: a new one. */
  constructor(seed: string | number = '', store: Map<string, unknown> = new Map()) {
    this.#seed = String(seed);
    this.#store = store;
  }

  /** The key a value is kept under in the store: `seed_key`, or `key` without a seed. */
  prefixedKey(key: string): string {
    return this.#seed === '' ? key : `${this.#seed}_${key}`;
  }

  get(key: string, defaultValue?: unknown): Promise<unknown> {
    const value = this.#store.get(this.prefixedKey(key));
    return Promise.resolve(value === undefined || value === null ? defaultValue : value);
  }

  set(key: string, value: unknown): Promise<void> {
    this.#store.set(this.prefixedKey(key), value);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
