import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { tokensEqual } from '../../src/server/upgrade-guard.js';
import { createWebPage } from '../../src/server/web-page.js';
import type { CapturedLogger } from '../helpers/capture-logger.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { upgrade } from '../helpers/raw-ws.js';
import { TestClient } from '../helpers/ws-client.js';

const TOKEN = 'Secr3t-token_0123456789abcdef';
const WRONG = 'wrong-token_0123456789abcdef';

let server: AgentwsServer | undefined;
let logs: CapturedLogger;
let connects = 0;

async function start(token: string | null = TOKEN): Promise<AgentwsServer> {
  logs = captureLogger();
  connects = 0;
  server = await runServer({
    port: 0,
    token: token ?? undefined,
    logger: logs,
    web: createWebPage(),
    onConnect: async (io) => {
      connects += 1;
      io.print(`hello ${io.mode}`);
    },
  });
  return server;
}

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
  for (const line of logs.lines) {
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain(WRONG);
  }
});

describe('token', () => {
  it('is accepted from Authorization: Bearer', async () => {
    const s = await start();
    const client = await TestClient.open(s.uri, undefined, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(await client.closed).toBe(1000);
    expect(client.frames).toEqual(['hello text\n']);
  });

  it('is accepted from a subprotocol entry beside agentws.v1, and the token is not echoed', async () => {
    const s = await start();
    const client = await TestClient.open(s.uri, ['agentws.v1', `agentws.token.${TOKEN}`]);
    expect(client.ws.protocol).toBe('agentws.v1');
    expect(await client.closed).toBe(1000);
    expect(client.events.map((e) => e.type)).toEqual(['session', 'print', 'run_completion']);
  });

  it('is accepted beside agentws.text (text mode), which is echoed', async () => {
    const s = await start();
    const answer = await upgrade(s.uri, { 'Sec-WebSocket-Protocol': `agentws.token.${TOKEN}, agentws.text` });
    expect(answer.status).toBe(101);
    expect(answer.headers['sec-websocket-protocol']).toBe('agentws.text');
    answer.socket?.destroy();
  });

  it('offered alone as a subprotocol is refused with 400 (the handshake would have to echo it)', async () => {
    const s = await start();
    const answer = await upgrade(s.uri, { 'Sec-WebSocket-Protocol': `agentws.token.${TOKEN}` });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('Offer agentws.v1 (JSON) or agentws.text (text)');
    expect(JSON.stringify(answer.headers)).not.toContain(TOKEN);
    expect(connects).toBe(0);
  });

  it.each([
    ['a wrong bearer token', { Authorization: `Bearer ${WRONG}` }, 'wrong token'],
    ['a wrong subprotocol token', { 'Sec-WebSocket-Protocol': `agentws.v1, agentws.token.${WRONG}` }, 'wrong token'],
    ['no token', {}, 'no token'],
    ['another auth scheme', { Authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }, 'no token'],
  ])('%s → 401 at the upgrade, no session', async (_what, headers: Record<string, string>, logged) => {
    const s = await start();
    const answer = await upgrade(s.uri, headers);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    expect(answer.body).toContain('Missing or wrong token');
    expect(answer.body).not.toContain(WRONG);
    expect(connects).toBe(0);
    expect(s.sessionCount).toBe(0);
    expect(logs.at('warn')).toEqual([expect.stringContaining(`: ${logged}`)]);
  });

  it.each(['token', 'access_token'])('in the query string (?%s=) → 401, even when right', async (name) => {
    const s = await start();
    const answer = await upgrade(`${s.uri}/?${name}=${TOKEN}`, { Authorization: `Bearer ${TOKEN}` });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('not accepted in the query string');
    expect(connects).toBe(0);
  });

  it('refusals from one address are logged once', async () => {
    const s = await start();
    for (let i = 0; i < 5; i++) expect((await upgrade(s.uri, {})).status).toBe(401);
    expect(logs.at('warn')).toHaveLength(1);
  });

  it('is not required when none is set', async () => {
    const s = await start(null);
    const client = await TestClient.open(s.uri);
    expect(await client.closed).toBe(1000);
  });

  it('a malformed token option fails at once without echoing the value', async () => {
    const bad = 'short';
    await expect(runServer({ port: 0, token: bad, onConnect: () => {} })).rejects.toMatchObject({
      code: 'OPTION_INVALID',
      message: expect.stringContaining('Option token'),
    });
    await expect(runServer({ port: 0, token: 'has space in it', onConnect: () => {} })).rejects.not.toMatchObject({
      message: expect.stringContaining('has space'),
    });
  });

  it('the web page never holds the token', async () => {
    const s = await start();
    const body = await new Promise<string>((resolve, reject) => {
      request(s.url, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toContain('<html');
    expect(body).not.toContain(TOKEN);
  });

  it('tokensEqual compares whole values', () => {
    expect(tokensEqual(TOKEN, TOKEN)).toBe(true);
    expect(tokensEqual(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(tokensEqual('', TOKEN)).toBe(false);
    expect(tokensEqual(WRONG, TOKEN)).toBe(false);
  });
});
