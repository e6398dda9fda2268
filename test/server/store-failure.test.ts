import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import type { OnConnect } from '../../src/server/session.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';
import { Gate } from '../helpers/paced-model.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { TestClient } from '../helpers/ws-client.js';

// Redis going away under a running server (a redis-server of the test's own, killed and started again).

let closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

/** Prints a line each time the test lets it (one per turn of the event loop, as a model streams), until stopped. */
function printer(gate: Gate): OnConnect {
  return async (io) => {
    for (let i = 0; !io.signal.aborted; i++) {
      await gate.pass(i);
      await new Promise((resolve) => setImmediate(resolve));
      io.print(`line ${i}`);
    }
  };
}

async function start(): Promise<{ redis: RedisProcess; store: RedisSessionStore; server: AgentwsServer; gate: Gate }> {
  const redis = await startRedis();
  const store = await RedisSessionStore.connect(redis.url, { unavailableMs: 400 });
  const gate = new Gate();
  const { server } = await startRecordedServer({ onConnect: printer(gate), store });
  closers.push(
    () => redis.stop(),
    () => store.close(),
    () => server.close({ graceMs: 0 }),
  );
  return { redis, store, server, gate };
}

describe('Redis lost while sessions run', () => {
  it('the session ends with a fatal STORE_UNAVAILABLE error and 1011; the server keeps serving and recovers', async () => {
    const { redis, store, server, gate } = await start();
    const client = await TestClient.open(server.uri, 'agentws.v1');
    gate.release(3);
    await client.waitFor(() => client.events.filter((e) => e.type === 'print').length === 3);

    await redis.stop('SIGKILL');
    gate.release(50); // the run prints on: its events cannot be stored, and wait (well within the buffer)
    expect(await client.closed).toBe(1011);
    const error = client.events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ seq: 0, content: { code: 'STORE_UNAVAILABLE', fatal: true } });
    expect((error!.content as { error: string }).error).toMatch(/Redis did not take writes for 400 ms/);
    // Nothing the store did not hold reached the client.
    expect(client.events.filter((e) => e.type === 'print')).toHaveLength(3);

    // The server is still up: plain HTTP, and text-mode sessions (which keep no log) still run.
    expect((await rawRequest(server.port, 'GET /healthz HTTP/1.1')).status).toBe(200);
    const text = await TestClient.open(server.uri);
    await text.waitFor((frames) => frames.some((f) => f.includes('line')));
    text.ws.close();

    // Redis back: new JSON sessions are stored and run again.
    await redis.restart();
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
    const again = await TestClient.open(server.uri, 'agentws.v1');
    await again.waitFor(() => again.events.filter((e) => e.type === 'print').length >= 3);
    again.send({ type: 'cancel' });
    expect(await again.closed).toBe(1000);
  });
});
