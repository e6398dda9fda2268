import { ClientFrameError } from '../errors.js';
import type { AgentEvent, ClientFrame, ServerFrame } from './events.js';
import { EVENT_TYPES } from './events.js';

/**
 * The JSON rendering of the protocol (`agentws.v1`): one envelope per event, and the parser for client frames.
 */

/**
 * Serialises one event in its envelope. Built by hand around `JSON.stringify(content)` so the hot path (one call per
 * streamed token) makes a single string and no envelope object.
 */
export function encodeEvent(event: AgentEvent, seq: number, sessionJson: string): string {
  return (
    '{"v":1,"seq":' +
    seq +
    ',"session":' +
    sessionJson +
    ',"type":"' +
    event.type +
    '","content":' +
    JSON.stringify(event.content) +
    '}'
  );
}

const CLIENT_TYPES = 'input_response, cancel, ping, resume';

/** Most characters of a client's value an error message quotes back (a 900 KB id must not become a 900 KB event). */
export const MAX_ECHO_CHARS = 64;

/**
 * A client-supplied value as error messages quote it: JSON, cut to {@link MAX_ECHO_CHARS} characters with `…` after.
 * @example echoClientValue('x'.repeat(900_000)) // '"xxx…xxx"…' (64 x's)
 */
export function echoClientValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > MAX_ECHO_CHARS ? JSON.stringify(value.slice(0, MAX_ECHO_CHARS)) + '…' : JSON.stringify(value);
  }
  const json = JSON.stringify(value) ?? String(value);
  return json.length > MAX_ECHO_CHARS ? json.slice(0, MAX_ECHO_CHARS) + '…' : json;
}

/** JSON.parse's own message quotes the input; V8 keeps it short today, but what is echoed must not depend on that. */
function capMessage(message: string): string {
  const max = 4 * MAX_ECHO_CHARS;
  return message.length > max ? message.slice(0, max) + '…' : message;
}

/** A client frame as the server reads it: a typed frame, or a plain text answer. */
export type DecodedClientFrame = ClientFrame | { type: 'text'; value: string };

/**
 * Decodes a text frame from a JSON-mode client. A frame that is not a JSON object is a plain answer to the oldest
 * pending input request (returned as `{ type: 'text' }`). Throws {@link ClientFrameError} saying what is wrong.
 */
export function decodeClientFrame(data: string): DecodedClientFrame {
  const first = data.trimStart()[0];
  if (first !== '{') return { type: 'text', value: data };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw new ClientFrameError(
      `Malformed JSON frame: ${capMessage((error as Error).message)}. Send one JSON object per frame.`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ClientFrameError('A frame must be a JSON object with a "type".');
  }
  const frame = parsed as Record<string, unknown>;
  switch (frame.type) {
    case 'cancel':
      return { type: 'cancel' };
    case 'ping':
      return { type: 'ping' };
    case 'input_response': {
      if (typeof frame.id !== 'string' || frame.id === '') {
        throw new ClientFrameError('input_response needs a string "id" naming the input_request it answers.');
      }
      if (typeof frame.value !== 'string') throw new ClientFrameError('input_response needs a string "value".');
      return { type: 'input_response', id: frame.id, value: frame.value };
    }
    case 'resume': {
      if (typeof frame.session !== 'string' || frame.session === '') {
        throw new ClientFrameError('resume needs the string "session" (the id from the session event).');
      }
      if (typeof frame.token !== 'string' || frame.token === '') {
        throw new ClientFrameError('resume needs the string "token" (resume_token from the session event).');
      }
      const after = frame.after ?? 0;
      if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) {
        throw new ClientFrameError('resume needs "after": the last seq received, a whole number (0 for none).');
      }
      return { type: 'resume', session: frame.session, token: frame.token, after };
    }
    default:
      throw new ClientFrameError(
        `Unknown frame type ${echoClientValue(frame.type ?? null)}; a client may send ${CLIENT_TYPES}.`,
      );
  }
}

/** @deprecated The old name of {@link decodeClientFrame}. */
export const parseClientFrame = decodeClientFrame;

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * Decodes a server frame in JSON mode (what clients receive): checks the envelope (`v`, `seq`, `session`, a known
 * `type`, an object `content`) and returns it typed. A malformed frame throws a `SyntaxError` or `TypeError` naming
 * what is wrong (it means a broken server or proxy, not bad input from a person).
 */
export function decodeServerFrame(data: string): ServerFrame {
  const parsed: unknown = JSON.parse(data);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError('an agentws.v1 frame must be a JSON object');
  }
  const frame = parsed as Record<string, unknown>;
  if (frame.v !== 1) throw new TypeError(`unsupported protocol version ${echoClientValue(frame.v ?? null)}`);
  if (typeof frame.seq !== 'number' || typeof frame.session !== 'string') {
    throw new TypeError('an agentws.v1 frame needs a number "seq" and a string "session"');
  }
  if (typeof frame.type !== 'string' || !EVENT_TYPE_SET.has(frame.type)) {
    throw new TypeError(`unknown event type ${echoClientValue(frame.type ?? null)}`);
  }
  if (frame.content === null || typeof frame.content !== 'object') {
    throw new TypeError(`the ${frame.type} event needs an object "content"`);
  }
  return parsed as ServerFrame;
}

/** Encodes a frame a JSON-mode client sends. */
export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}
