import { describe, expect, it } from 'vitest';
import { toLlmMessages, toStoredMessage } from '../../src/agents/oai-messages.js';
import type { ToolCall } from '../../src/protocol/events.js';

const call: ToolCall = { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } };

describe('toStoredMessage', () => {
  it("records AutoGen's roles and names", () => {
    expect(toStoredMessage('hi', 'user', 'bob')).toEqual({ role: 'user', content: 'hi', name: 'bob' });
    expect(toStoredMessage({ role: 'assistant', content: 'x' }, 'user', 'bob')).toEqual({
      role: 'user',
      content: 'x',
      name: 'bob',
    });
    expect(toStoredMessage({ content: 'x', name: 'carol' }, 'assistant', 'bob')).toMatchObject({ name: 'carol' });
    // Tool calls force the assistant role and no name; tool results keep role "tool".
    expect(toStoredMessage({ tool_calls: [call] }, 'user', 'bob')).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [call],
    });
    expect(
      toStoredMessage(
        { role: 'tool', content: 'r', tool_responses: [{ tool_call_id: 'c1', role: 'tool', content: 'r' }] },
        'user',
        'bob',
      ),
    ).toMatchObject({ role: 'tool', name: 'bob' });
  });

  it('rejects a message with neither content nor tool calls', () => {
    expect(toStoredMessage({ role: 'user' }, 'user', 'bob')).toBeNull();
    expect(toStoredMessage({ content: null }, 'user', 'bob')).toBeNull();
  });
});

describe('toLlmMessages', () => {
  it('expands tool results into tool messages', () => {
    const responses = [
      { tool_call_id: 'c1', role: 'tool' as const, content: 'a' },
      { tool_call_id: 'c2', role: 'tool' as const, content: 'b' },
    ];
    expect(
      toLlmMessages([
        { role: 'tool', content: 'a\n\nb', tool_responses: responses, name: 'x' },
        { role: 'user', content: 'stop', tool_responses: responses.slice(0, 1), name: 'x' },
      ]),
    ).toEqual([
      { role: 'tool', tool_call_id: 'c1', content: 'a' },
      { role: 'tool', tool_call_id: 'c2', content: 'b' },
      { role: 'tool', tool_call_id: 'c1', content: 'a' },
      { role: 'user', content: 'stop', name: 'x' },
    ]);
  });
});
