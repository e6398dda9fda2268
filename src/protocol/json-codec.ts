import { ClientFrameError } from '../errors.js';
import type { AgentEvent, ClientFrame } from './events.js';

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

const CLIENT_TYPES = 'input_response, cancel, ping';

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

/**
 * Parses a text frame from a JSON-mode client. A frame that is not a JSON object is a plain answer to the oldest
 * pending input request (returned as `{ type: 'text' }`).
 */
export function parseClientFrame(data: string): ClientFrame | { type: 'text'; value: string } {
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
    default:
      throw new ClientFrameError(
        `Unknown frame type ${echoClientValue(frame.type ?? null)}; a client may send ${CLIENT_TYPES}.`,
      );
  }
}
