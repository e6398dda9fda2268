import { describe, expect, it } from 'vitest';
import { LlmError } from '../../src/errors.js';
import type { IOStream } from '../../src/io/iostream.js';
import { ChatStreamReader } from '../../src/llm/chat-stream.js';
import type { AgentEvent } from '../../src/protocol/events.js';

function reader(): { stream: ChatStreamReader; events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  const io: IOStream = { print() {}, input: () => Promise.resolve(''), send: (event) => void events.push(event) };
  return { stream: new ChatStreamReader(io), events };
}

const chunk = (delta: object, finish: string | null = null) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

describe('ChatStreamReader', () => {
  it('parses events split anywhere, even inside a UTF-8 character, with \\n or \\r\\n line ends', () => {
    const { stream, events } = reader();
    const body = Buffer.from(
      `data: ${chunk({ role: 'assistant', content: '' })}\r\n\r\n` +
        `: a comment\n\ndata: ${chunk({ content: 'héllo ✓' })}\n\n` +
        `data: ${chunk({}, 'stop')}\n\ndata: [DONE]\n\n`,
    );
    for (let i = 0; i < body.length; i += 7) stream.push(body.subarray(i, i + 7));
    stream.end();
    expect(events).toEqual([
      { type: 'stream', content: { content: '' } },
      { type: 'stream', content: { content: 'héllo ✓' } },
    ]);
    expect(stream).toMatchObject({ content: 'héllo ✓', deltas: 2, finishReason: 'stop', model: 'm', done: true });
  });

  it('throws LlmError on an error event and on data that is not JSON', () => {
    const { stream } = reader();
    expect(() => stream.push(Buffer.from('data: {"error":{"message":"overloaded"}}\n\n'))).toThrow(
      /error mid-stream: overloaded/,
    );
    expect(() => reader().stream.push(Buffer.from('data: {nope\n\n'))).toThrow(LlmError);
  });

  it('drops an event cut before its blank line', () => {
    const { stream, events } = reader();
    stream.push(Buffer.from(`data: ${chunk({ content: 'a' })}\n\ndata: ${chunk({ content: 'b' }).slice(0, 20)}`));
    stream.end();
    expect(events).toHaveLength(1);
    expect(stream.finishReason).toBeNull();
  });
});
