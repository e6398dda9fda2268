import type { Redis } from 'ioredis';

/**
 * The pub/sub channels one store listens to, on one connection in subscriber mode: each channel is subscribed once,
 * whatever the number of listeners, and unsubscribed with the last one. ioredis subscribes them again after a
 * reconnect.
 */
export class RedisChannels {
  readonly #subscriber: Redis;
  readonly #listeners = new Map<string, Set<(message: string) => void>>();

  constructor(subscriber: Redis) {
    this.#subscriber = subscriber;
    subscriber.on('error', () => {}); // the store's main connection reports outages
    subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.#listeners.get(channel) ?? []) listener(message);
    });
  }

  /** Resolves once Redis confirmed the subscription (at once when the channel has listeners already). */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    let listeners = this.#listeners.get(channel);
    if (listeners) {
      listeners.add(listener);
      return;
    }
    listeners = new Set([listener]);
    this.#listeners.set(channel, listeners);
    await this.#subscriber.subscribe(channel);
  }

  unsubscribe(channel: string, listener: (message: string) => void): void {
    const listeners = this.#listeners.get(channel);
    if (!listeners?.delete(listener) || listeners.size > 0) return;
    this.#listeners.delete(channel);
    this.#subscriber.unsubscribe(channel).catch(() => {});
  }

  close(): void {
    this.#listeners.clear();
    this.#subscriber.disconnect();
  }
}
