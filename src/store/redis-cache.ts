import type { Redis } from 'ioredis';
import type { LlmCache } from '../llm/cache/llm-cache.js';

/**
 * Model replies cached in Redis for one seed (AutoGen 0.2's `RedisCache`): one string key per request,
 * `<prefix>cache:<seed>:<key>`, holding the reply as JSON, kept until removed (as AutoGen's). Every instance on the
 * Redis shares it, so a conversation recorded through one is replayed by any.
 */
export class RedisLlmCache implements LlmCache {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get(key: string, defaultValue?: unknown): Promise<unknown> {
    const json = await this.#redis.get(this.#prefix + key);
    return json === null ? defaultValue : (JSON.parse(json) as unknown);
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.#redis.set(this.#prefix + key, JSON.stringify(value));
  }

  /** The connection is the store's: nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
