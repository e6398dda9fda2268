import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { WebsocketEndpoint } from '../../src/server/websocket-endpoint.js';
import { captureLogger } from '../helpers/capture-logger.js';

let server: AgentwsServer | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

describe('secure defaults', () => {
  it('binds 127.0.0.1 by default', async () => {
    server = await runServer({ port: 0, logger: captureLogger(), onConnect: () => {} });
    expect(server.host).toBe('127.0.0.1');
    expect(server.httpServer.address()).toMatchObject({ address: '127.0.0.1' });
  });

  it('the documented limits', () => {
    const { options } = new WebsocketEndpoint({ onConnect: () => {}, pingIntervalMs: 0 });
    expect(options).toMatchObject({
      maxMessageSize: 1024 * 1024,
      maxSessions: 1000,
      maxFramesPerSecond: 50,
      inputTimeoutMs: 30 * 60 * 1000,
      inputTimeoutAction: 'end',
      maxBufferedBytes: 8 * 1024 * 1024,
      shutdownGraceMs: 5000,
      allowOrigins: [],
      token: undefined,
    });
    expect(new WebsocketEndpoint({ onConnect: () => {} }).options.pingIntervalMs).toBe(20_000);
  });

  it('warns, saying what is exposed, when bound to a non-loopback address without a token', async () => {
    const logs = captureLogger();
    server = await runServer({ host: '0.0.0.0', port: 0, logger: logs, onConnect: () => {} });
    const warning = logs.at('warn').join('\n');
    expect(warning).toContain('listening on 0.0.0.0 without a token');
    expect(warning).toContain('API credits');
    expect(warning).toContain('tools on this machine');
    expect(warning).toContain('--token');
  });

  it('does not warn on a non-loopback address with a token, nor on loopback', async () => {
    const logs = captureLogger();
    server = await runServer({
      host: '0.0.0.0',
      port: 0,
      token: 'a-long-enough-token',
      logger: logs,
      onConnect: () => {},
    });
    await server.close();
    server = await runServer({ port: 0, logger: logs, onConnect: () => {} });
    expect(logs.lines).toEqual([]);
  });

  it.each([
    ['maxMessageSize', 0],
    ['maxSessions', 1.5],
    ['maxFramesPerSecond', -1],
    ['inputTimeoutMs', 2 ** 31],
    ['maxBufferedBytes', Number.NaN],
    ['pingIntervalMs', -5],
    ['shutdownGraceMs', Infinity],
  ])('refuses %s = %s, naming the option', async (name, value) => {
    await expect(runServer({ port: 0, onConnect: () => {}, [name]: value })).rejects.toMatchObject({
      code: 'OPTION_INVALID',
      message: expect.stringContaining(`Option ${name} must be`),
    });
  });

  it('refuses a port in use, and a bad port, at once', async () => {
    server = await runServer({ port: 0, logger: captureLogger(), onConnect: () => {} });
    await expect(runServer({ port: server.port, onConnect: () => {} })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    await expect(runServer({ port: 70000, onConnect: () => {} })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
  });
});
