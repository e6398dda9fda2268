import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LlmClient } from '../../src/llm/llm-client.js';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { attach } from '../../src/server/websocket-endpoint.js';
import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startHangingModel } from '../helpers/hanging-model.js';
import { rawSocket, upgrade } from '../helpers/raw-ws.js';
import { TestClient } from '../helpers/ws-client.js';

let server: AgentwsServer | undefined;
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
  server = undefined;
  fake = undefined;
});

describe('graceful shutdown: close()', () => {
  it('after the grace period: termination shutdown, close 1001, the model request aborted', async () => {
    const model = await startHangingModel();
    fake = model.fake;
    const baseURL = fake.baseURL;
    server = await runServer({
      port: 0,
      logger: captureLogger(),
      onConnect: async (io) => {
        const llm = new LlmClient({ configList: [{ model: 'm', base_url: baseURL, api_key: 'k' }], stream: true });
        await llm.create({ messages: [{ role: 'user', content: 'hi' }], signal: io.signal });
      },
    });
    const client = await TestClient.open(server.uri, 'agentws.v1');
    await model.asked;
    await server.close({ graceMs: 50 });
    expect(await client.closed).toBe(1001);
    expect(client.events.at(-1)).toMatchObject({ type: 'termination', content: { reason: 'shutdown' } });
    await fake.waitForRequestClosed(0);
    expect(server.sessionCount).toBe(0);
  });

  it('running sessions get the grace period to finish; meanwhile newcomers get 503, then the port closes', async () => {
    server = await runServer({
      port: 0,
      logger: captureLogger(),
      onConnect: async (io) => io.print(`done: ${await io.input('answer?')}`),
    });
    const client = await TestClient.open(server.uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    const outcome = once(server.endpoint, 'session-end');
    const closing = server.close({ graceMs: 20_000 });
    // While the grace period runs, newcomers are told the server is shutting down (503, retry), not refused.
    await expect(upgrade(server.uri)).resolves.toMatchObject({ status: 503, body: 'The server is shutting down.\n' });
    const health = await fetch(server.url + 'healthz');
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe('5');
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'in time' });
    expect(await client.closed).toBe(1000);
    expect(client.events.map((e) => e.type)).toEqual(['session', 'input_request', 'print', 'run_completion']);
    expect((await outcome)[0].outcome).toBe('completed');
    await closing;
    // Once the sessions have ended, the port is closed: a new connection is refused by the OS.
    await expect(upgrade(server.uri)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('ends sessions whose onConnect ignores its signal, and peers that never answer the close frame', async () => {
    server = await runServer({ port: 0, logger: captureLogger(), onConnect: () => new Promise(() => {}) });
    const polite = await TestClient.open(server.uri);
    const deaf = await rawSocket(server.uri); // never reads: never answers the close frame
    while (server.sessionCount < 2) await once(server.endpoint, 'session-start');
    await server.close({ graceMs: 0 });
    expect(await polite.closed).toBe(1001);
    expect(server.sessionCount).toBe(0);
    deaf.destroy();
  });

  it('does not wait for a client that stopped reading the end of a finished run', async () => {
    let returned!: () => void;
    const done = new Promise<void>((resolve) => (returned = resolve));
    server = await runServer({
      port: 0,
      logger: captureLogger(),
      pingIntervalMs: 0,
      // A window far past the test's timeout: only the shutdown can end the wait for this client.
      slowConsumerMs: 600_000,
      onConnect: (io) => {
        for (let i = 0; i < 6; i++) io.print('z'.repeat(1024 * 1024));
        returned();
      },
    });
    const deaf = await rawSocket(server.uri); // never reads the 6 MiB, which stays under the 8 MiB limit
    await done;
    await new Promise((resolve) => setImmediate(resolve)); // the session is now waiting for its end to be read
    const ended = once(server.endpoint, 'session-end');
    await server.close({ graceMs: 0 });
    expect((await ended)[0].outcome).toBe('shutdown');
    deaf.destroy();
  });

  it('an attached endpoint refuses upgrades with 503 while it closes', async () => {
    const http = createServer();
    const endpoint = attach(http, { logger: captureLogger(), onConnect: async (io) => void (await io.input()) });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const uri = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const client = await TestClient.open(uri);
    const closing = endpoint.close(20_000);
    const refused = await upgrade(uri);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('shutting down');
    client.send('bye');
    expect(await client.closed).toBe(1000);
    await closing;
    await new Promise((resolve) => http.close(resolve));
  });

  it('is idempotent', async () => {
    server = await runServer({ port: 0, logger: captureLogger(), onConnect: () => {} });
    await Promise.all([server.close(), server.close()]);
    await server.close();
  });
});
