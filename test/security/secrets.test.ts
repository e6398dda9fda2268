import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { createRedactor, escapeControlChars, redactingLogger } from '../../src/server/redact.js';
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

  it('log lines escape control characters in client and model text; the error event keeps the text as it was', async () => {
    const logs = captureLogger();
    server = await runServer({
      port: 0,
      logger: logs,
      onConnect: async (iostream) => {
        throw new Error(`the model answered: ${await iostream.input()}`);
      },
    });
    const client = await TestClient.open(server.uri, 'agentws.v1');
    await client.waitForEvent('input_request');
    client.send('hi\nagentws: error: forged\u001b[2J');
    expect(await client.closed).toBe(1011);

    expect(client.events.find((e) => e.type === 'error')!.content).toMatchObject({
      error: 'the model answered: hi\nagentws: error: forged\u001b[2J',
    });
    expect(logs.at('error')).toEqual([
      expect.stringContaining('onConnect failed: the model answered: hi\\nagentws: error: forged\\x1b[2J'),
    ]);
    // The stack (debug) is one escaped line too: a log entry never spans lines.
    expect(logs.at('debug').join('')).toMatch(/forged\\x1b\[2J\\n {4}at /);
    // eslint-disable-next-line no-control-regex -- no raw control character in any line
    for (const line of logs.lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  it('escapeControlChars writes C0, DEL, C1 and the Unicode line separators as escapes, and leaves the rest', () => {
    expect(escapeControlChars('a\nb\rc\td\u0000e\u001bf\u007fg\u0085h\u009bi\u2028j\u2029k')).toBe(
      'a\\nb\\rc\\td\\x00e\\x1bf\\x7fg\\x85h\\x9bi\\u2028j\\u2029k',
    );
    expect(escapeControlChars('plain text, 東京, émoji 🙂, back\\slash')).toBe(
      'plain text, 東京, émoji 🙂, back\\slash',
    );
    const lines: string[] = [];
    const sink = {
      debug: (m: string) => lines.push(m),
      info: (m: string) => lines.push(m),
      warn: () => {},
      error: () => {},
    };
    const logger = redactingLogger(sink, createRedactor(['secret-value']));
    logger.info('key secret-value\nforged');
    logger.debug('\u001b[31m');
    expect(lines).toEqual(['key ***\\nforged', '\\x1b[31m']);
  });
});
