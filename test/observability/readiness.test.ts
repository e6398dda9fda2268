import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runServer, type AgentwsServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { TestClient } from '../helpers/ws-client.js';

// GET /readyz: ready when the server takes sessions and its session store answers. With Redis as the store (a
// redis-server of the test's own), a Redis that is down or frozen makes the server not ready; /healthz stays 200.

let redis: RedisProcess;
let server: AgentwsServer | undefined;
let store: RedisSessionStore | undefined;

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  redis.pause(false);
  await server?.close({ graceMs: 0 });
  await store?.close();
  server = undefined;
  store = undefined;
});

afterAll(() => redis.stop());

async function ready(target: AgentwsServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${target.url}readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /readyz', () => {
  it('with the in-memory store: ready, with the number of sessions; other methods get 405', async () => {
    server = await runServer({ port: 0, logger: silentLogger, onConnect: () => {} });
    expect(await ready(server)).toEqual({ status: 200, body: { status: 'ready', sessions: 0 } });
    const post = await rawRequest(server.port, 'POST /readyz HTTP/1.1', ['Content-Length: 0']);
    expect(post.status).toBe(405);
    expect(post.head).toContain('Allow: GET, HEAD');
  });

  it('with Redis: ready while it answers; not ready (503, saying why) once it is gone, while /healthz stays 200', async () => {
    store = await RedisSessionStore.connect(redis.url, { keyPrefix: 'readyz:' });
    server = await runServer({ port: 0, logger: silentLogger, onConnect: () => {}, store });
    expect((await ready(server)).status).toBe(200);

    await redis.stop();
    try {
      const answer = await ready(server);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        status: 'unavailable',
        reason: expect.stringMatching(/^session store: Redis at .+ did not answer/),
      });
      expect((await fetch(`${server.url}healthz`)).status).toBe(200);
    } finally {
      await redis.restart();
    }
  });

  it('a Redis that accepts the connection but answers nothing: not ready after the 2 s bound', async () => {
    store = await RedisSessionStore.connect(redis.url, { keyPrefix: 'readyz:' });
    server = await runServer({ port: 0, logger: silentLogger, onConnect: () => {}, store });
    redis.pause(true);
    const answer = await ready(server);
    expect(answer).toEqual({
      status: 503,
      body: { status: 'unavailable', reason: 'session store: it did not answer within 2000 ms' },
    });
  });

  it('a server shutting down is not ready (503, retry later) while its sessions get their grace period', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    server = await runServer({ port: 0, logger: silentLogger, onConnect: () => held });
    const client = await TestClient.open(server.uri);
    const closing = server.close({ graceMs: 60_000 });
    const answer = await fetch(`${server.url}readyz`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    release();
    await client.closed;
    await closing;
  });
});
