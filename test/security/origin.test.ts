import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import type { CapturedLogger } from '../helpers/capture-logger.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { upgrade } from '../helpers/raw-ws.js';

let server: AgentwsServer | undefined;
let logs: CapturedLogger;
let connects = 0;

async function start(options: Partial<ServerOptions> = {}): Promise<AgentwsServer> {
  logs = captureLogger();
  connects = 0;
  server = await runServer({
    port: 0,
    logger: logs,
    ...options,
    onConnect: () => {
      connects += 1;
    },
  });
  return server;
}

/** Status of an upgrade with these headers; the socket of a 101 is closed at once. */
async function status(url: string, headers: Record<string, string>): Promise<number> {
  const answer = await upgrade(url, headers);
  answer.socket?.destroy();
  return answer.status;
}

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

describe('Origin check at the upgrade', () => {
  it('allows requests without Origin (non-browser clients)', async () => {
    const s = await start();
    expect(await status(s.uri, {})).toBe(101);
  });

  it("allows the server's own origin, by either loopback name", async () => {
    const s = await start();
    expect(await status(s.uri, { Origin: `http://127.0.0.1:${s.port}` })).toBe(101);
    expect(await status(s.uri, { Host: `localhost:${s.port}`, Origin: `http://localhost:${s.port}` })).toBe(101);
  });

  it('refuses a foreign origin with 403 and logs it once', async () => {
    const s = await start();
    for (let i = 0; i < 3; i++) {
      const answer = await upgrade(s.uri, { Origin: 'https://evil.example' });
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('--allow-origin');
    }
    expect(logs.at('warn')).toEqual([expect.stringContaining('origin "https://evil.example"')]);
    expect(connects).toBe(0);
  });

  it('refuses another port on the same host, and the "null" origin', async () => {
    const s = await start();
    expect(await status(s.uri, { Origin: `http://127.0.0.1:${s.port + 1}` })).toBe(403);
    expect(await status(s.uri, { Origin: 'null' })).toBe(403);
  });

  it('allows --allow-origin entries, compared as browsers send them', async () => {
    const s = await start({ allowOrigins: ['HTTPS://App.Example.com:443/', 'http://localhost:3000'] });
    expect(await status(s.uri, { Origin: 'https://app.example.com' })).toBe(101);
    expect(await status(s.uri, { Origin: 'http://localhost:3000' })).toBe(101);
    expect(await status(s.uri, { Origin: 'https://app.example.com:8443' })).toBe(403);
    expect(await status(s.uri, { Origin: 'http://app.example.com' })).toBe(403);
  });

  it("allows any origin with '*', and warns when there is no token", async () => {
    const s = await start({ allowOrigins: ['*'] });
    expect(await status(s.uri, { Origin: 'https://anything.example' })).toBe(101);
    expect(logs.at('warn').join('\n')).toContain('any origin without a token');
  });

  it('refuses entries that are not origins, naming the option', async () => {
    for (const entry of ['example.com', 'https://example.com/app', 'https://example.com?x=1']) {
      await expect(start({ allowOrigins: [entry] })).rejects.toMatchObject({
        code: 'OPTION_INVALID',
        message: expect.stringContaining('allowOrigins (--allow-origin)'),
      });
    }
  });
});

describe('Host check (DNS rebinding) when bound to loopback', () => {
  it('refuses a Host that is not a name of this machine, even with a matching Origin', async () => {
    const s = await start();
    const answer = await upgrade(s.uri, {
      Host: `rebound.example:${s.port}`,
      Origin: `http://rebound.example:${s.port}`,
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('Host not allowed');
    expect(logs.at('warn').join('\n')).toContain('host "rebound.example:');
  });

  it('accepts the loopback names and the bound address', async () => {
    const s = await start({ host: '127.0.0.2' });
    for (const host of ['localhost', '127.0.0.1', '[::1]', '127.0.0.2']) {
      expect(await status(s.uri, { Host: `${host}:${s.port}` })).toBe(101);
    }
  });
});
