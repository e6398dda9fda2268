import { describe, expect, it } from 'vitest';
import { AgentwsError, ClientFrameError } from '../../src/errors.js';
import {
  decodeClientFrame,
  decodeServerFrame,
  echoClientValue,
  encodeClientFrame,
  encodeEvent,
  MAX_ECHO_CHARS,
  parseClientFrame,
} from '../../src/protocol/json-codec.js';

describe('JSON codec', () => {
  it('encodes the envelope with v, seq, session, type, content in that order', () => {
    const text = encodeEvent({ type: 'stream', content: { content: 'a"b' } }, 7, JSON.stringify('s-1'));
    expect(text).toBe('{"v":1,"seq":7,"session":"s-1","type":"stream","content":{"content":"a\\"b"}}');
    expect(JSON.parse(text)).toEqual({ v: 1, seq: 7, session: 's-1', type: 'stream', content: { content: 'a"b' } });
  });

  it('parses client frames', () => {
    expect(parseClientFrame('{"type":"cancel"}')).toEqual({ type: 'cancel' });
    expect(parseClientFrame('{"type":"ping"}')).toEqual({ type: 'ping' });
    expect(parseClientFrame('{"type":"input_response","id":"x","value":"y"}')).toEqual({
      type: 'input_response',
      id: 'x',
      value: 'y',
    });
    expect(parseClientFrame('hello there')).toEqual({ type: 'text', value: 'hello there' });
  });

  it('explains what is wrong with a bad frame', () => {
    expect(() => parseClientFrame('{"type":')).toThrow(ClientFrameError);
    // Every error agentws throws is an AgentwsError with a stable code.
    const error = (() => {
      try {
        parseClientFrame('{"type":');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(AgentwsError);
    expect(error).toMatchObject({ code: 'PROTOCOL_ERROR', name: 'ClientFrameError' });
    expect(() => parseClientFrame('{"type":"launch"}')).toThrow(/Unknown frame type "launch"/);
    expect(() => parseClientFrame('{"type":"input_response","value":"y"}')).toThrow(/needs a string "id"/);
    expect(() => parseClientFrame('{"type":"input_response","id":"x","value":3}')).toThrow(/needs a string "value"/);
    expect(() => parseClientFrame('{"no":"type"}')).toThrow(/Unknown frame type null/);
  });

  it('quotes client values back cut to 64 characters, with an ellipsis', () => {
    expect(MAX_ECHO_CHARS).toBe(64);
    expect(echoClientValue('abc')).toBe('"abc"');
    expect(echoClientValue('a'.repeat(64))).toBe(`"${'a'.repeat(64)}"`);
    expect(echoClientValue('a'.repeat(900 * 1024))).toBe(`"${'a'.repeat(64)}"…`);
    expect(echoClientValue(null)).toBe('null');
    expect(echoClientValue(undefined)).toBe('undefined');
    expect(echoClientValue({ a: 'b'.repeat(100) })).toBe(`{"a":"${'b'.repeat(58)}…`);
    const message = (frame: string): string => {
      try {
        parseClientFrame(frame);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('parsed');
    };
    expect(message(JSON.stringify({ type: 't'.repeat(900 * 1024) })).length).toBeLessThan(200);
    expect(message('{"type":' + 't'.repeat(900 * 1024)).length).toBeLessThan(400);
  });

  it('decodes a resume frame, and says what is missing from a bad one', () => {
    expect(decodeClientFrame('{"type":"resume","session":"s","token":"t","after":7}')).toEqual({
      type: 'resume',
      session: 's',
      token: 't',
      after: 7,
    });
    expect(decodeClientFrame('{"type":"resume","session":"s","token":"t"}')).toMatchObject({ after: 0 });
    expect(() => decodeClientFrame('{"type":"resume","token":"t"}')).toThrow(/"session"/);
    expect(() => decodeClientFrame('{"type":"resume","session":"s"}')).toThrow(/"token"/);
    expect(() => decodeClientFrame('{"type":"resume","session":"s","token":"t","after":-1}')).toThrow(/"after"/);
    expect(() => decodeClientFrame('{"type":"resume","session":"s","token":"t","after":1.5}')).toThrow(/"after"/);
  });

  it('decodes what it encodes: server frames round-trip, and a broken envelope is named', () => {
    const frame = encodeEvent({ type: 'pong', content: {} }, 0, JSON.stringify('s1'));
    expect(decodeServerFrame(frame)).toEqual({ v: 1, seq: 0, session: 's1', type: 'pong', content: {} });
    expect(decodeClientFrame(encodeClientFrame({ type: 'cancel' }))).toEqual({ type: 'cancel' });
    expect(() => decodeServerFrame('[]')).toThrow(/JSON object/);
    expect(() => decodeServerFrame('{"v":2,"seq":1,"session":"s","type":"pong","content":{}}')).toThrow(/version/);
    expect(() => decodeServerFrame('{"v":1,"seq":1,"session":"s","type":"nope","content":{}}')).toThrow(
      /unknown event/,
    );
    expect(() => decodeServerFrame('{"v":1,"session":"s","type":"pong","content":{}}')).toThrow(/"seq"/);
  });
});
