import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import { createWebPage } from '../../src/server/web-page.js';
import { rawRequest, upgradeHeaders } from '../helpers/raw-http.js';

let server: AgentwsServer | undefined;

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

async function start(options: Partial<ServerOptions> = {}): Promise<AgentwsServer> {
  server = await runServer({ port: 0, logger: silentLogger, onConnect: () => {}, ...options });
  return server;
}

describe("runServer's HTTP routes", () => {
  it('answers each method with the status that says what is allowed', async () => {
    const { port } = await start({ web: createWebPage() });
    const cases: Array<[line: string, status: number, allow?: string]> = [
      ['GET / HTTP/1.1', 200],
      ['HEAD / HTTP/1.1', 200],
      ['POST / HTTP/1.1', 405, 'GET, HEAD'],
      ['DELETE /ws HTTP/1.1', 405, 'GET, HEAD'],
      ['GET /ws HTTP/1.1', 426],
      ['GET /healthz HTTP/1.1', 200],
      ['PUT /healthz HTTP/1.1', 405, 'GET, HEAD'],
      ['GET /nothing-here HTTP/1.1', 404],
    ];
    for (const [line, status, allow] of cases) {
      const answer = await rawRequest(port, line, ['Content-Length: 0']);
      expect({ line, status: answer.status }).toEqual({ line, status });
      if (allow) expect(answer.head).toContain(`Allow: ${allow}`);
    }
  });

  it('a websocket path without the page: GET says to upgrade (426), other methods get 405', async () => {
    const { port } = await start();
    expect((await rawRequest(port, 'GET / HTTP/1.1')).status).toBe(426);
    expect((await rawRequest(port, 'POST / HTTP/1.1', ['Content-Length: 0'])).status).toBe(405);
  });

  it('oversized request targets get 414 and oversized headers 431, not a reset', async () => {
    const { port } = await start();
    // Past agentws's own target limit (8 KiB) but within Node's header limit (16 KiB), and past both.
    expect((await rawRequest(port, `GET /${'a'.repeat(10_000)} HTTP/1.1`)).status).toBe(414);
    expect((await rawRequest(port, `GET /${'a'.repeat(40_000)} HTTP/1.1`)).status).toBe(414);
    expect((await rawRequest(port, `GET /${'a'.repeat(40_000)} HTTP/1.1`, upgradeHeaders())).status).toBe(414);
    expect((await rawRequest(port, 'GET /healthz HTTP/1.1', [`X-Big: ${'b'.repeat(40_000)}`])).status).toBe(431);
    const many = Array.from({ length: 2_000 }, (_, i) => `X-H${i}: value`);
    expect((await rawRequest(port, 'GET /healthz HTTP/1.1', many)).status).toBe(431);
    expect((await rawRequest(port, 'GET /healthz HTTP/1.1')).status).toBe(200);
  });

  it('garbage request lines get 400', async () => {
    const { port } = await start();
    expect((await rawRequest(port, 'NOT A REQUEST')).status).toBe(400);
    expect((await rawRequest(port, 'GET / HTTP/9.9')).status).toBe(400);
  });

  it('on loopback, every route checks the Host header (DNS rebinding), not only upgrades', async () => {
    const { port } = await start({ web: createWebPage() });
    for (const path of ['/', '/app.js', '/healthz', '/ws', '/nothing-here']) {
      const rebound = await rawRequest(port, `GET ${path} HTTP/1.1`, [], `attacker.example:${port}`);
      expect({ path, status: rebound.status }).toEqual({ path, status: 403 });
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await rawRequest(port, 'GET /healthz HTTP/1.1', [], host)).status).toBe(200);
    }
  });

  it('a server bound on purpose to every address accepts any Host', async () => {
    const { port } = await start({ host: '0.0.0.0', token: 'a-token-for-the-test' });
    expect((await rawRequest(port, 'GET /healthz HTTP/1.1', [], `agents.example:${port}`)).status).toBe(200);
  });
});
