import { ClientFrameError } from '../errors.js';
import type { DecodedClientFrame } from '../protocol/json-codec.js';
import { decodeClientFrame } from '../protocol/json-codec.js';
import type { WireMode } from './io-websockets.js';

/** What a client's websocket message is, read once for whoever holds the connection (a session, a remote view). */
export type ClientMessage =
  /** A JSON frame of the protocol. */
  | { kind: 'frame'; frame: DecodedClientFrame }
  /** Text mode: the message is an answer, as it is. */
  | { kind: 'plain'; value: string }
  /** JSON mode: a message that is not a valid frame; the client is told why and the session goes on. */
  | { kind: 'refused'; message: string }
  /** Not UTF-8: the session ends (1007). */
  | { kind: 'invalid_data'; message: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads one client message: binary frames are read as UTF-8 text all the same, as upstream's IOWebsockets does. */
export function readClientMessage(data: Buffer, isBinary: boolean, mode: WireMode): ClientMessage {
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    const message = `A ${isBinary ? 'binary' : 'text'} frame was not valid UTF-8; send UTF-8 text.`;
    return { kind: 'invalid_data', message };
  }
  if (mode === 'text') return { kind: 'plain', value: text };
  try {
    return { kind: 'frame', frame: decodeClientFrame(text) };
  } catch (error) {
    if (error instanceof ClientFrameError) return { kind: 'refused', message: error.message };
    throw error;
  }
}
