import { afterEach, describe, expect, it } from 'vitest';
import { IOWebsockets } from '../../src/index.js';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import { TestClient } from '../helpers/ws-client.js';

let server: AgentwsServer | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

describe('IOWebsockets (ported upstream tests)', () => {
  it('input() returns what the client sent', async () => {
    let got: string | undefined;
    server = await IOWebsockets.runServer({
      port: 0,
      logger: silentLogger,
      onConnect: async (io) => {
        got = await io.input();
      },
    });
    const client = await TestClient.open(server.uri);
    client.send('Hello world!');
    expect(await client.closed).toBe(1000);
    expect(got).toBe('Hello world!');
  });

  it('each print is one frame', async () => {
    server = await IOWebsockets.runServer({
      port: 0,
      logger: silentLogger,
      onConnect: (io) => {
        io.print('Hello world!');
        io.print('How are you?', { end: '' });
        io.print('a', 1, { sep: '-' });
      },
    });
    const client = await TestClient.open(server.uri);
    await client.closed;
    expect(client.frames).toEqual(['Hello world!\n', 'How are you?', 'a-1\n']);
  });

  it('input(prompt) sends the prompt as a frame and returns the answer', async () => {
    let got: string | undefined;
    server = await IOWebsockets.runServer({
      port: 0,
      logger: silentLogger,
      onConnect: async (io) => {
        got = await io.input('May I?');
      },
    });
    const client = await TestClient.open(server.uri);
    await client.waitFor((f) => f.length === 1);
    expect(client.frames).toEqual(['May I?']);
    client.send('Yes');
    await client.closed;
    expect(got).toBe('Yes');
  });

  it('uri shows the real port and a port in use rejects at once', async () => {
    server = await IOWebsockets.runServer({ port: 0, logger: silentLogger, onConnect: () => {} });
    expect(server.uri).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).not.toBe(0);
    await expect(
      IOWebsockets.runServer({ port: server.port, logger: silentLogger, onConnect: () => {} }),
    ).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });

  it('onConnect that throws sends an error frame, closes 1011, and the server keeps serving', async () => {
    let calls = 0;
    server = await IOWebsockets.runServer({
      port: 0,
      logger: silentLogger,
      onConnect: (io) => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        io.print('fine');
      },
    });
    const bad = await TestClient.open(server.uri);
    expect(await bad.closed).toBe(1011);
    expect(bad.frames.join('')).toContain('boom');
    const good = await TestClient.open(server.uri);
    expect(await good.closed).toBe(1000);
    expect(good.frames).toEqual(['fine\n']);
  });

  it('JSON mode wraps events with contiguous seq and ends with run_completion', async () => {
    server = await IOWebsockets.runServer({
      port: 0,
      logger: silentLogger,
      onConnect: async (io) => {
        const answer = await io.input('name?');
        io.print(`hi ${answer}`);
      },
    });
    const client = await TestClient.open(server.uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Ada' });
    expect(await client.closed).toBe(1000);
    const events = client.events;
    expect(events.map((e) => e.type)).toEqual(['session', 'input_request', 'print', 'run_completion']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events[2]!.content).toEqual({ objects: ['hi Ada'], sep: ' ', end: '\n' });
  });
});

describe('await using', () => {
  it('closes the server at the end of the scope', async () => {
    let port = 0;
    {
      await using scoped = await IOWebsockets.runServer({ port: 0, logger: silentLogger, onConnect: () => {} });
      port = scoped.port;
      const client = await TestClient.open(scoped.uri);
      expect(await client.closed).toBe(1000);
    }
    await expect(TestClient.open(`ws://127.0.0.1:${port}`)).rejects.toThrow();
  });
});
