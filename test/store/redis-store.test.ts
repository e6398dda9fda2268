import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import type { RedisSessionStoreOptions } from '../../src/store/redis-store.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';
import type { DurableSink } from '../../src/store/session-store.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';

let redis: RedisProcess;
let admin: Redis;
const stores: RedisSessionStore[] = [];

beforeAll(async () => {
  // Small stream nodes, so MAXLEN ~ trims after a few entries rather than after 100.
  redis = await startRedis(['--stream-node-max-entries', '4']);
  admin = new Redis(redis.port, '127.0.0.1');
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  admin.disconnect();
  await redis.stop();
});

async function connect(options: RedisSessionStoreOptions = {}): Promise<RedisSessionStore> {
  const store = await RedisSessionStore.connect(redis.url, { keyPrefix: `t${stores.length}:`, ...options });
  stores.push(store);
  return store;
}

/** A sink that records what the store hands on, and any failure. */
function recordingSink(): DurableSink & {
  frames: [number, string][];
  errors: Error[];
  stored(n: number): Promise<void>;
} {
  const frames: [number, string][] = [];
  const errors: Error[] = [];
  const waiters: (() => void)[] = [];
  return {
    frames,
    errors,
    durable(frame, seq) {
      frames.push([seq, frame]);
      for (const wake of waiters.splice(0)) wake();
    },
    failed(error) {
      errors.push(error);
      for (const wake of waiters.splice(0)) wake();
    },
    async stored(n) {
      while (frames.length < n && errors.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

describe('RedisSessionStore', () => {
  it('refuses to start when Redis cannot be reached: STORE_UNAVAILABLE, the URL without its password', async () => {
    const closed = await startRedis();
    const url = closed.url.replace('redis://', 'redis://user:s3cret-pass@');
    await closed.stop();
    const error = await RedisSessionStore.connect(url, { connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('STORE_UNAVAILABLE');
    expect((error as Error).message).toContain(`Cannot reach Redis at redis://127.0.0.1:${closed.port}/0`);
    expect((error as Error).message).toContain('--store');
    expect((error as Error).message).not.toContain('s3cret-pass');
  });

  it('keeps each frame in the Stream by its seq and hands it on only once Redis holds it', async () => {
    const store = await connect();
    const sink = recordingSink();
    const seen: string[][] = [];
    // Write-ahead: whenever the sink gets a frame, Redis already has it.
    const writer = store.create('s1', Buffer.alloc(32, 7), {
      durable: (frame, seq) => {
        sink.durable(frame, seq);
        seen.push([frame]);
      },
      failed: (error) => sink.failed(error),
    });
    for (let seq = 1; seq <= 50; seq++) writer.append(seq, `frame ${seq}`);
    expect(sink.frames).toEqual([]);
    await writer.flushed();
    expect(sink.frames.map(([seq]) => seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const entries = await admin.xrange(store.keys('s1').log, '-', '+');
    expect(entries.map(([id]) => id)).toEqual(Array.from({ length: 50 }, (_, i) => `0-${i + 1}`));
    expect(entries[9]![1]).toEqual(['f', 'frame 10']);
    expect(await store.read('s1', 47)).toEqual({
      status: 'ok',
      frames: ['frame 48', 'frame 49', 'frame 50'],
      lastSeq: 50,
    });
    expect(await store.read('s1', 50)).toEqual({ status: 'ok', frames: [], lastSeq: 50 });
    const record = await store.get('s1');
    expect(record?.state).toBe('live');
    expect(record?.tokenHash.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('keeps the token hash, the state and the owner in the metadata, with expiry times', async () => {
    const store = await connect({ liveTtlMs: 60_000 });
    const writer = store.create('s2', Buffer.alloc(32, 1), recordingSink());
    writer.append(1, 'one');
    await writer.flushed();
    const keys = store.keys('s2');
    expect(await admin.hgetall(keys.meta)).toMatchObject({
      token_hash: Buffer.alloc(32, 1).toString('hex'),
      state: 'live',
      owner: store.instanceId,
    });
    expect(await admin.pttl(keys.meta)).toBeGreaterThan(50_000);
    expect(await admin.pttl(keys.log)).toBeGreaterThan(50_000);
    writer.end(30_000);
    await writer.flushed();
    expect(await admin.hget(keys.meta, 'state')).toBe('ended');
    expect(await admin.pttl(keys.meta)).toBeLessThanOrEqual(30_000);
    expect(await admin.pttl(keys.log)).toBeLessThanOrEqual(30_000);
    expect(await admin.exists(keys.gone)).toBe(1);
    expect((await store.get('s2'))?.state).toBe('ended');
  });

  it('an ended session dropped at once says expired; one never seen says unknown; a discarded one is gone', async () => {
    const store = await connect();
    const ended = store.create('e1', Buffer.alloc(32), recordingSink());
    ended.append(1, 'one');
    ended.end(0);
    await ended.flushed();
    expect(await store.get('e1')).toBeUndefined();
    expect(await store.read('e1', 0)).toEqual({ status: 'expired' });
    expect(await store.read('nobody', 0)).toEqual({ status: 'unknown' });
    const discarded = store.create('d1', Buffer.alloc(32), recordingSink());
    discarded.append(1, 'one');
    discarded.discard();
    await discarded.flushed();
    expect(await store.read('d1', 0)).toEqual({ status: 'unknown' });
    expect(await admin.exists(store.keys('d1').meta, store.keys('d1').log)).toBe(0);
  });

  it('trims the Stream with MAXLEN ~: a read from before the oldest kept event says evicted', async () => {
    const store = await connect({ maxLogEvents: 8 });
    const writer = store.create('big', Buffer.alloc(32), recordingSink());
    for (let seq = 1; seq <= 200; seq++) writer.append(seq, `f${seq}`);
    await writer.flushed();
    expect(await admin.xlen(store.keys('big').log)).toBeLessThan(50);
    expect(await store.read('big', 0)).toEqual({ status: 'evicted' });
    const tail = await store.read('big', 195);
    expect(tail).toEqual({ status: 'ok', frames: ['f196', 'f197', 'f198', 'f199', 'f200'], lastSeq: 200 });
  });

  it('holds frames while Redis is frozen and hands them on, in order, once it answers again', async () => {
    const store = await connect();
    const sink = recordingSink();
    const writer = store.create('frozen', Buffer.alloc(32), sink);
    writer.append(1, 'before');
    await sink.stored(1);
    redis.pause(true);
    try {
      for (let seq = 2; seq <= 5; seq++) writer.append(seq, `while frozen ${seq}`);
      // However long we look, nothing Redis has not acknowledged reaches the sink.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sink.frames.map(([seq]) => seq)).toEqual([1]);
    } finally {
      redis.pause(false);
    }
    await sink.stored(5);
    expect(sink.errors).toEqual([]);
    expect(sink.frames.map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await store.read('frozen', 0)).status).toBe('ok');
  });
});

describe('RedisSessionStore when Redis goes away', () => {
  it('ends the sessions whose frames wait past unavailableMs with STORE_UNAVAILABLE, and recovers once Redis is back', async () => {
    const own = await startRedis();
    const store = await RedisSessionStore.connect(own.url, { unavailableMs: 300 });
    try {
      const idle = recordingSink();
      store.create('idle', Buffer.alloc(32), idle);
      const busy = recordingSink();
      const writer = store.create('busy', Buffer.alloc(32), busy);
      writer.append(1, 'one');
      await busy.stored(1);
      await own.stop('SIGKILL');
      writer.append(2, 'two');
      await busy.stored(2);
      expect(busy.frames.map(([seq]) => seq)).toEqual([1]);
      expect(busy.errors).toHaveLength(1);
      expect(busy.errors[0]).toBeInstanceOf(StoreError);
      expect(busy.errors[0]!.message).toMatch(/Redis did not take writes for 300 ms.*not yet stored are lost/);
      // A session that wrote nothing meanwhile is not failed.
      expect(idle.errors).toEqual([]);
      await expect(store.read('busy', 0)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });

      await own.restart();
      await expect
        .poll(
          () =>
            store.ping().then(
              () => 'answers',
              () => 'away',
            ),
          { timeout: 10_000 },
        )
        .toBe('answers');
      const later = recordingSink();
      const next = store.create('after', Buffer.alloc(32), later);
      next.append(1, 'back');
      await later.stored(1);
      expect(later.errors).toEqual([]);
      expect(await store.read('after', 0)).toEqual({ status: 'ok', frames: ['back'], lastSeq: 1 });
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it('bounds what waits while Redis is away: past maxUnstoredBytes the sessions writing end at once', async () => {
    const own = await startRedis();
    const store = await RedisSessionStore.connect(own.url, { unavailableMs: 60_000, maxUnstoredBytes: 10_000 });
    try {
      const sink = recordingSink();
      const writer = store.create('flood', Buffer.alloc(32), sink);
      writer.append(1, 'x');
      await sink.stored(1);
      await own.stop('SIGKILL');
      writer.append(2, 'y'); // the first failed write starts the outage
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let seq = 3; sink.errors.length === 0 && seq < 10_000; seq++) writer.append(seq, 'z'.repeat(100));
      await sink.stored(2);
      expect(sink.errors[0]?.message).toContain('more than 10000 characters of events waited for Redis');
    } finally {
      await store.close();
      await own.stop();
    }
  });
});
