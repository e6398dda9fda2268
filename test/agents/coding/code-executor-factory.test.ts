import { describe, expect, it } from 'vitest';
import { createCodeExecutor } from '../../../src/agents/index.js';
import { DefinitionError } from '../../../src/errors.js';

// Ports AutoGen 0.2's test/coding/test_factory.py (v0.2.40). A missing executor reads `undefined` where Python
// reads `None`.

describe('createCodeExecutor', () => {
  it('test_create_unknown', () => {
    expect(() => createCodeExecutor({ executor: 'unknown' as never })).toThrow('Unknown code executor unknown');
    expect(() => createCodeExecutor({ executor: 'unknown' as never })).toThrow(DefinitionError);

    expect(() => createCodeExecutor({})).toThrow('Unknown code executor undefined');
  });
});
