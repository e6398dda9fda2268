import { getEventListeners, once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerError, WIRE_ERROR_CODES } from '../../src/errors.js';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import type { SessionOutcome } from '../../src/server/session.js';
import type { CapturedLogger } from '../helpers/capture-logger.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { TestClient } from '../helpers/ws-client.js';

let server: AgentwsServer | undefined;
let logs: CapturedLogger;

async function start(options: Partial<ServerOptions> & Pick<ServerOptions, 'onConnect'>): Promise<AgentwsServer> {
  logs = captureLogger();
  server = await runServer({ port: 0, logger: logs, pingIntervalMs: 0, ...options });
  return server;
}

async function nextOutcome(s: AgentwsServer): Promise<SessionOutcome> {
  const [end] = await once(s.endpoint, 'session-end');
  return (end as { outcome: SessionOutcome }).outcome;
}

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

describe('Session', () => {
  it('ends when the client leaves, even if onConnect never returns nor listens to its signal', async () => {
    const s = await start({ onConnect: () => new Promise(() => {}) });
    const client = await TestClient.open(s.uri);
    const outcome = nextOutcome(s);
    client.ws.close();
    expect(await outcome).toBe('disconnected');
    expect(s.sessionCount).toBe(0);
  });

  it('a cancel ends the run with termination cancelled and close 1000, even if onConnect ignores it', async () => {
    const s = await start({ onConnect: () => new Promise(() => {}) });
    const client = await TestClient.open(s.uri, 'agentws.v1');
    await client.waitForEvent('session');
    client.send({ type: 'cancel' });
    expect(await client.closed).toBe(1000);
    expect(client.events.at(-1)).toMatchObject({ type: 'termination', content: { reason: 'cancelled' } });
    expect(s.sessionCount).toBe(0);
  });

  it('the run signal aborts when the client leaves, so model requests and tools stop', async () => {
    let aborted: Promise<unknown> | undefined;
    const s = await start({
      onConnect: (io) => {
        aborted = once(io.signal!, 'abort');
        return io.input();
      },
    });
    const client = await TestClient.open(s.uri);
    const outcome = nextOutcome(s);
    client.ws.terminate();
    expect(await outcome).toBe('disconnected');
    await aborted;
  });

  it('input() with a long-lived signal leaves no listener behind', async () => {
    const controller = new AbortController();
    const s = await start({
      onConnect: async (io) => {
        for (let i = 0; i < 20; i++) await io.input('', { signal: controller.signal });
        io.print(String(getEventListeners(controller.signal, 'abort').length));
      },
    });
    const client = await TestClient.open(s.uri);
    for (let i = 0; i < 20; i++) client.send(`a${i}`);
    expect(await client.closed).toBe(1000);
    expect(client.frames).toEqual(['0\n']);
  });

  it('input() with an already aborted signal rejects at once', async () => {
    const s = await start({
      onConnect: async (io) => {
        const error = await io.input('', { signal: AbortSignal.abort() }).catch((e: Error) => e);
        io.print((error as Error).name);
      },
    });
    const client = await TestClient.open(s.uri);
    expect(await client.closed).toBe(1000);
    expect(client.frames).toEqual(['AbortedError\n']);
  });

  it('an error thrown by onConnect reaches the client with a wire error code: its own, or INTERNAL_ERROR', async () => {
    const thrown: unknown[] = [
      Object.assign(new Error('disk full'), { code: 'ENOSPC' }),
      new ServerError('OPTION_INVALID', 'bad option'),
    ];
    const s = await start({
      onConnect: () => {
        throw thrown.shift();
      },
    });
    for (const [message, code] of [
      ['disk full', 'INTERNAL_ERROR'],
      ['bad option', 'OPTION_INVALID'],
    ]) {
      const client = await TestClient.open(s.uri, 'agentws.v1');
      expect(await client.closed).toBe(1011);
      expect(client.events.at(-1)).toMatchObject({ type: 'error', content: { error: message, code, fatal: true } });
      expect(WIRE_ERROR_CODES).toContain(code);
    }
  });

  it('a session-end listener that throws is logged and breaks nothing', async () => {
    const s = await start({ onConnect: (io) => io.print('hi') });
    s.endpoint.on('session-end', () => {
      throw new Error('listener bug');
    });
    const client = await TestClient.open(s.uri);
    expect(await client.closed).toBe(1000);
    const again = await TestClient.open(s.uri);
    expect(await again.closed).toBe(1000);
    expect(logs.at('error')).toContainEqual(expect.stringContaining('a session-end listener threw: listener bug'));
  });
});
