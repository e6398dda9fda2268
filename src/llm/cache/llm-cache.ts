/**
 * Where replies are kept for reuse (AutoGen's `AbstractCache`): a key-value store of JSON values. agentws ships
 * {@link DiskCache} (files under `.cache/{seed}`) and {@link InMemoryCache}; a store of your own (Redis, ...) needs
 * these three methods. Values are plain JSON data: a store may serialise them.
 */
export interface LlmCache {
  /** The value stored under `key`, else `defaultValue` (default: `undefined`). */
  get(key: string, defaultValue?: unknown): Promise<unknown>;
  /** Stores `value` under `key`, replacing what was there. */
  set(key: string, value: unknown): Promise<void>;
  /** Releases what the store holds (connections, handles). */
  close(): Promise<void>;
}
