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

/** Why a client frame was refused; becomes a non-fatal `error` event with code `PROTOCOL_ERROR`. */
export class ClientFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientFrameError';
  }
}

const CLIENT_TYPES = 'input_response, cancel, ping';

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
    throw new ClientFrameError(`Malformed JSON frame: ${(error as Error).message}. Send one JSON object per frame.`);
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
        `Unknown frame type ${JSON.stringify(frame.type ?? null)}; a client may send ${CLIENT_TYPES}.`,
      );
  }
}
