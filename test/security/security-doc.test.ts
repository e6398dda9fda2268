import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/server/close-codes.js';
import { WebsocketEndpoint } from '../../src/server/websocket-endpoint.js';

const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');

describe('docs/security.md', () => {
  it('lists every close code the server sends', () => {
    const table = doc.slice(doc.indexOf('## Close codes'));
    for (const code of Object.values(CloseCode)) {
      if (code === CloseCode.TRY_AGAIN_LATER) expect(table).toContain('rather than accepting and closing with 1013');
      else expect(table).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    }
  });

  it('documents every endpoint option with its default', () => {
    const { options } = new WebsocketEndpoint({ onConnect: () => {}, pingIntervalMs: 0 });
    const table = doc.slice(doc.indexOf('## Options'), doc.indexOf('## The token'));
    for (const name of Object.keys(options)) {
      if (name === 'onConnect' || name === 'logger' || name === 'paths') continue;
      expect(table).toContain(`| \`${name}\``);
    }
    expect(table).toContain('`1048576`');
    expect(table).toContain('`8388608`');
    expect(table).toContain('`1800000`');
  });

  it('lists every refusal status', () => {
    const table = doc.slice(doc.indexOf('## Refusals at the upgrade'), doc.indexOf('## Close codes'));
    for (const status of [400, 401, 403, 404, 503]) expect(table).toMatch(new RegExp(`^\\| ${status} `, 'm'));
  });
});
