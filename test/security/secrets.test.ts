import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { createRedactor } from '../../src/server/redact.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { TestClient } from '../helpers/ws-client.js';

const TOKEN = 'server-token-0123456789';
const API_KEY = 'key-from-the-config-list-42';
const STRAY_KEY = 'sk-proj-AbCdEf0123456789xyz';

let server: AgentwsServer | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

describe('secrets never leave the process', () => {
  it('an error holding the token, a configured key and a key-shaped string is scrubbed in the event and the logs', async () => {
    const logs = captureLogger();
    server = await runServer({
      port: 0,
      token: TOKEN,
      secrets: [API_KEY],
      logger: logs,
      onConnect: () => {
        throw new Error(`request failed with ${API_KEY} / ${STRAY_KEY} / Bearer ${TOKEN}`);
      },
    });
    const client = await TestClient.open(server.uri, 'agentws.v1', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(await client.closed).toBe(1011);
    const error = client.events.find((e) => e.type === 'error')!;
    expect(error.content).toMatchObject({ error: 'request failed with *** / sk-*** / Bearer ***', fatal: true });
    expect(logs.at('error')).toEqual([expect.stringContaining('onConnect failed: request failed with *** / sk-***')]);
    expect(logs.at('debug').join('\n')).toContain('at '); // the stack goes to debug, scrubbed too
    for (const text of [...logs.lines, ...client.frames]) {
      for (const secret of [TOKEN, API_KEY, STRAY_KEY]) expect(text).not.toContain(secret);
    }
  });

  it('the redactor removes known values (longest first) and secret-shaped strings', () => {
    const redact = createRedactor(['abcd', 'abcdef', undefined, 'ab']);
    expect(redact('x abcdef y abcd z ab')).toBe('x *** y *** z ab');
    const patterns = createRedactor([]);
    expect(patterns('Authorization: Bearer xyz.123')).toBe('Authorization: Bearer ***');
    expect(patterns('Sec-WebSocket-Protocol: agentws.v1, agentws.token.s3cr3t')).toBe(
      'Sec-WebSocket-Protocol: agentws.v1, agentws.token.***',
    );
    expect(patterns('key sk-ant-api03-0123456789abcdef end')).toBe('key sk-*** end');
    expect(patterns('a short sk-1 stays')).toBe('a short sk-1 stays');
  });
});
