import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import type { SessionOutcome } from '../../src/server/session.js';
import type { CapturedLogger } from '../helpers/capture-logger.js';
import { FrameReader, rawSocket, upgrade } from '../helpers/raw-ws.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import { TestClient } from '../helpers/ws-client.js';

let server: AgentwsServer | undefined;
let logs: CapturedLogger;
let outcomes: SessionOutcome[];

async function start(options: Partial<ServerOptions> & Pick<ServerOptions, 'onConnect'>): Promise<AgentwsServer> {
  ({ server, logs, outcomes } = await startRecordedServer(options));
  return server;
}

async function idle(s: AgentwsServer): Promise<void> {
  while (s.sessionCount > 0) await once(s.endpoint, 'session-end');
}

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

describe('maximum sessions', () => {
  it('refuses the upgrade with 503 when full, logs it once, and takes sessions again once one ends', async () => {
    const s = await start({ maxSessions: 2, onConnect: async (io) => void (await io.input()) });
    const a = await TestClient.open(s.uri);
    const b = await TestClient.open(s.uri);
    for (let i = 0; i < 3; i++) {
      const refused = await upgrade(s.uri);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body).toContain('The server is full (2 sessions)');
    }
    expect(logs.at('warn')).toEqual([expect.stringContaining('2 running, the maximum (--max-sessions)')]);
    a.send('bye');
    expect(await a.closed).toBe(1000);
    while (s.sessionCount > 1) await once(s.endpoint, 'session-end');
    const c = await TestClient.open(s.uri);
    c.send('bye');
    b.send('bye');
    expect(await c.closed).toBe(1000);
    expect(await b.closed).toBe(1000);
  });
});

describe('maximum frame size', () => {
  it('is 1 MiB by default: a frame of 1 MiB is read, one byte more closes with 1009', async () => {
    const lengths: number[] = [];
    const s = await start({ onConnect: async (io) => void lengths.push((await io.input()).length) });
    const fits = await TestClient.open(s.uri);
    fits.send('a'.repeat(1024 * 1024));
    expect(await fits.closed).toBe(1000);
    expect(lengths).toEqual([1024 * 1024]);
    const tooBig = await TestClient.open(s.uri);
    tooBig.send('a'.repeat(1024 * 1024 + 1));
    expect(await tooBig.closed).toBe(1009);
    await idle(s);
    expect(outcomes).toEqual(['completed', 'message_too_big']);
  });
});

describe('input timeout (a session waiting on input)', () => {
  it("'end': termination input_timeout, close 1000", async () => {
    const s = await start({ inputTimeoutMs: 50, onConnect: async (io) => void (await io.input('name?')) });
    const client = await TestClient.open(s.uri, 'agentws.v1');
    expect(await client.closed).toBe(1000);
    expect(client.events.map((e) => e.type)).toEqual(['session', 'input_request', 'termination']);
    expect(client.events[1]!.content).toMatchObject({ prompt: 'name?', timeout_ms: 50 });
    expect(client.events[2]!.content).toMatchObject({ reason: 'input_timeout' });
    expect(outcomes).toEqual(['input_timeout']);
  });

  it("'empty': the input resolves to '' and the run goes on", async () => {
    let got: string | undefined;
    const s = await start({
      inputTimeoutMs: 50,
      inputTimeoutAction: 'empty',
      onConnect: async (io) => {
        got = await io.input('name?');
        io.print('went on');
      },
    });
    const client = await TestClient.open(s.uri);
    expect(await client.closed).toBe(1000);
    expect(got).toBe('');
    expect(client.frames).toEqual(['name?', 'went on\n']);
  });

  it('null waits forever (the session stays until answered)', async () => {
    const s = await start({ inputTimeoutMs: null, onConnect: async (io) => io.print(await io.input()) });
    const client = await TestClient.open(s.uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    expect(request.content).toMatchObject({ timeout_ms: null });
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'late' });
    expect(await client.closed).toBe(1000);
  });
});

describe('ping/pong keepalive', () => {
  it('keeps a peer that answers pings', async () => {
    // Keepalive driven round by round (pingIntervalMs 0 in start()), each round only once the last pong is back:
    // what is tested is the rule, not whether the scheduler runs this process within a ping interval.
    const s = await start({ onConnect: async (io) => io.print(await io.input()) });
    const client = await TestClient.open(s.uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    for (let round = 1; round <= 5; round++) {
      const pinged = once(client.ws, 'ping');
      s.endpoint.keepalive();
      await pinged;
      // ws queued its pong before emitting 'ping'; the server answering a protocol ping sent after it proves
      // the server has read that pong.
      client.send({ type: 'ping' });
      await client.waitFor((frames) => frames.filter((f) => f.includes('"type":"pong"')).length === round);
    }
    expect(s.sessionCount).toBe(1);
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'still here' });
    expect(await client.closed).toBe(1000);
    expect(client.events.find((e) => e.type === 'print')?.content).toMatchObject({ objects: ['still here'] });
    expect(outcomes).toEqual(['completed']);
  });

  it('drops a peer that has not answered the previous ping by the next round', async () => {
    const s = await start({ onConnect: async (io) => void (await io.input()) });
    const socket = await rawSocket(s.uri); // reads nothing, so never answers a ping
    while (s.sessionCount === 0) await once(s.endpoint, 'session-start');
    s.endpoint.keepalive();
    s.endpoint.keepalive();
    await idle(s);
    expect(outcomes).toEqual(['unresponsive']);
    socket.destroy();
  });

  it('drops a peer that stops reading while the run is idle, even when onConnect ignores its signal', async () => {
    // onConnect sends a burst the client never reads, then waits on something that never ends: neither the
    // send-time check nor onConnect can end this session; the keepalive must.
    const s = await start({
      pingIntervalMs: 30,
      onConnect: async (io) => {
        for (let i = 0; i < 512; i++) io.print('z'.repeat(1024));
        await new Promise(() => {});
      },
    });
    const socket = await rawSocket(s.uri);
    await idle(s);
    expect(['unresponsive', 'slow_consumer']).toContain(outcomes[0]);
    const reader = new FrameReader(socket);
    await reader.closed;
    expect(s.sessionCount).toBe(0);
  });
});

describe('answers sent before anyone asked (text mode type-ahead)', () => {
  it('are kept and used in order', async () => {
    const s = await start({
      onConnect: async (io) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        io.print([await io.input(), await io.input(), await io.input()].join(','));
      },
    });
    const client = await TestClient.open(s.uri);
    client.send('a');
    client.send('b');
    client.send('c');
    expect(await client.closed).toBe(1000);
    expect(client.frames).toEqual(['a,b,c\n']);
  });

  it('past the buffered limit: error TOO_MANY_ANSWERS, close 1008', async () => {
    const s = await start({ maxBufferedBytes: 4096, onConnect: () => new Promise(() => {}) });
    const client = await TestClient.open(s.uri, 'agentws.v1');
    for (let i = 0; i < 10; i++) client.send('q'.repeat(1000));
    expect(await client.closed).toBe(1008);
    expect(client.events.at(-1)).toMatchObject({ type: 'error', content: { code: 'TOO_MANY_ANSWERS', fatal: true } });
    await idle(s);
    expect(outcomes).toEqual(['protocol_error']);
  });
});
