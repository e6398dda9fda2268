import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WIRE_ERROR_CODES } from '../../src/errors.js';
import { EVENT_TYPES } from '../../src/protocol/events.js';

describe('docs/protocol.md', () => {
  const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

  it.each(EVENT_TYPES)('documents the %s event', (type) => {
    expect(doc).toContain(`### \`${type}\``);
  });

  it('documents no event that does not exist', () => {
    const documented = [...doc.matchAll(/^### `([a-z_]+)`$/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('lists every wire error code in the table of the error event, and no other', () => {
    const section = doc.slice(doc.indexOf('### `error`'), doc.indexOf('### `termination`'));
    const table = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = table.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]));
    expect(documented.sort()).toEqual([...WIRE_ERROR_CODES].sort());
  });
});
