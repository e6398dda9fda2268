import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
});
