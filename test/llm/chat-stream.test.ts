import { describe, expect, it } from 'vitest';
import { LlmError } from '../../src/errors.js';
import type { ChatModelSink } from '../../src/llm/chat-model.js';
import { ChatStreamReader } from '../../src/llm/chat-stream.js';
import type { AgentEvent } from '../../src/protocol/events.js';

/** A reader whose sink keeps what it relays as the events LlmClient would send. */
function reader(maxEventSize?: number): { stream: ChatStreamReader; events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  const sink: ChatModelSink = {
    start() {},
    content: (text) => void events.push({ type: 'stream', content: { content: text } }),
    reasoning: (text) => void events.push({ type: 'reasoning', content: { content: text } }),
  };
  return { stream: new ChatStreamReader(sink, maxEventSize), events };
}

const PIECE = 64 * 1024;
/** The start of a content delta whose text follows in later pieces. */
const LINE_START = 'data: {"choices":[{"index":0,"delta":{"content":"';

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

  it('relays reasoning apart from content, once when a server sends it under both names', () => {
    const { stream, events } = reader();
    stream.push(
      Buffer.from(
        `data: ${chunk({ role: 'assistant', content: null, reasoning_content: '' })}\n\n` +
          `data: ${chunk({ content: null, reasoning_content: 'think', reasoning: 'think' })}\n\n` +
          `data: ${chunk({ reasoning: ' more' })}\n\n` +
          `data: ${chunk({ content: 'Answer', reasoning_content: null, reasoning: null })}\n\n` +
          `data: ${chunk({}, 'stop')}\n\n`,
      ),
    );
    expect(events).toEqual([
      { type: 'reasoning', content: { content: 'think' } },
      { type: 'reasoning', content: { content: ' more' } },
      { type: 'stream', content: { content: 'Answer' } },
    ]);
    expect(stream).toMatchObject({ content: 'Answer', deltas: 1, finishReason: 'stop' });
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

  it('searches each character for a line end once, however long its line', () => {
    const { stream, events } = reader(Infinity);
    const piece = Buffer.from('x'.repeat(PIECE));
    stream.push(Buffer.from(LINE_START));
    const perPiece: number[] = [];
    for (let i = 0; i < 48; i++) {
      const before = stream.scanned;
      stream.push(piece);
      perPiece.push(stream.scanned - before);
    }
    expect(perPiece).toEqual(Array<number>(48).fill(PIECE));
    stream.push(Buffer.from(`"}}]}\n\ndata: ${chunk({ content: '!' })}\n\n`));
    const texts = events.map((e) => (e.type === 'stream' ? e.content.content : ''));
    expect(texts.map((t) => t.length)).toEqual([48 * PIECE, 1]);
    expect(stream.content).toBe('x'.repeat(48 * PIECE) + '!');
  });

  it('refuses an event larger than its limit as soon as the unfinished line passes it', () => {
    const limit = 1024 * 1024;
    const { stream } = reader(limit);
    stream.push(Buffer.from(LINE_START));
    const piece = Buffer.from('x'.repeat(PIECE));
    let held = LINE_START.length;
    while (held + PIECE <= limit) {
      stream.push(piece);
      held += PIECE;
    }
    const error = (() => {
      try {
        stream.push(piece);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'LLM_REQUEST_FAILED' });
    expect((error as LlmError).message).toBe(
      `the server sent a stream event larger than ${limit} characters (llmConfig.maxEventSize); ` +
        'raise maxEventSize only if this model really sends events that large',
    );
  });

  it('counts every data line of an event against the limit', () => {
    const { stream } = reader(10_000);
    const line = Buffer.from(`data: ${'y'.repeat(1000)}\n`);
    for (let i = 0; i < 9; i++) stream.push(line);
    expect(() => stream.push(line)).toThrow(/larger than 10000 characters/);
    const fits = reader(10_000).stream;
    for (let i = 0; i < 9; i++) fits.push(line);
    expect(() => fits.push(Buffer.from('\n'))).toThrow(/not JSON/); // dispatched: the limit was not in the way
  });

  it('uses a 4 MiB limit by default', () => {
    const { stream } = reader();
    stream.push(Buffer.from(LINE_START));
    const piece = Buffer.from('x'.repeat(PIECE));
    for (let i = 0; i < 63; i++) stream.push(piece);
    expect(() => stream.push(piece)).toThrow(/larger than 4194304 characters/);
  });
});
