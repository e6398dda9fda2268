import { WebSocket } from 'ws';
import { STREAM_EVENT, EMPTY_STREAM_EVENT, CHAT_END_EVENT, INPUT_REQUEST_EVENT, ERROR_EVENT } from './frame-markers.js';

/**
 * One benchmark websocket session against an agentws server (or the bare ws server, which frames the same way).
 *
 * Text mode (the AutoGen-compatible default, no colour): a model stream is the frames between the stream-start frame
 * (an empty frame outside a stream) and the stream-end frame ("\n\n"); every non-empty frame inside is one token.
 * JSON mode (`agentws.v1`): every `stream` event with non-empty content is one token. Frames are inspected as bytes,
 * not decoded or parsed, so the client costs as little as possible per token.
 *
 * JSON mode takes follow-up messages: after `chat_end` the server's default agents send an `input_request` for the
 * next message. The client answers it with an empty `input_response` (the one frame it parses), which ends the run
 * (`run_completion`, close 1000) as a seed session ended before follow-ups existed.
 */

const STREAM_START_EVENT = Buffer.from('"type":"stream_start"');
const STREAM_END_EVENT = Buffer.from('"type":"stream_end"');
const ERROR_TEXT = Buffer.from('\n>>>>>>>> ERROR');
const TERMINATE = Buffer.from('TERMINATE');

/**
 * @typedef {object} SessionRecord
 * @property {number} t0 performance.now() just before the socket was created
 * @property {number | undefined} open
 * @property {number | undefined} firstToken first non-empty token of any stream
 * @property {number | undefined} terminate the token that carries TERMINATE
 * @property {number | undefined} close
 * @property {number | undefined} code close code
 * @property {number} tokens tokens of the longest stream
 * @property {number | undefined} streamStart start of the longest stream
 * @property {number | undefined} streamEnd end of the longest stream
 * @property {string | undefined} error what went wrong, if anything
 * @property {number[] | undefined} gaps inter-token gaps (ms) of the longest stream, when asked for
 */

/** Ends a JSON run at its follow-up request: an empty answer, as a person who has nothing more to say. */
function answerFollowUp(ws, data, record) {
  let id;
  try {
    id = JSON.parse(data.toString()).content.id;
  } catch {
    record.error ??= `unreadable input_request: ${data.toString().slice(0, 200)}`;
    return;
  }
  ws.send(JSON.stringify({ type: 'input_response', id, value: '' }));
}

/**
 * Opens a session, sends `message` once open, and resolves when the socket closes (never rejects).
 * @param {string} uri
 * @param {{ message: string, mode?: 'text' | 'json', gaps?: boolean, onFirstToken?: () => void }} options
 * @returns {{ done: Promise<SessionRecord>, ws: WebSocket }}
 */
export function openSession(uri, options) {
  const json = options.mode === 'json';
  /** @type {SessionRecord} */
  const record = {
    t0: performance.now(),
    open: undefined,
    firstToken: undefined,
    terminate: undefined,
    close: undefined,
    code: undefined,
    tokens: 0,
    streamStart: undefined,
    streamEnd: undefined,
    error: undefined,
    gaps: undefined,
  };
  const ws = new WebSocket(uri, json ? ['agentws.v1'] : [], { perMessageDeflate: false });
  let inStream = false;
  let start = 0;
  let tokens = 0;
  let prev = 0;
  let gaps = options.gaps ? [] : undefined;
  /** JSON mode: a chat ended, so the next input request asks for a follow-up message. */
  let chatEnded = false;

  const beginStream = (now) => {
    inStream = true;
    start = now;
    tokens = 0;
    if (options.gaps) gaps = [];
  };
  const endStream = (now) => {
    inStream = false;
    if (tokens > record.tokens) {
      record.tokens = tokens;
      record.streamStart = start;
      record.streamEnd = now;
      record.gaps = gaps;
    }
  };
  const token = (data, now) => {
    tokens++;
    if (record.firstToken === undefined) {
      record.firstToken = now;
      options.onFirstToken?.();
    }
    if (gaps !== undefined) {
      if (tokens > 1) gaps.push(now - prev);
      prev = now;
    }
    if (record.terminate === undefined && data.includes(TERMINATE)) record.terminate = now;
  };

  ws.on('open', () => {
    record.open = performance.now();
    ws.send(options.message);
  });
  ws.on('message', (data) => {
    const now = performance.now();
    if (json) {
      if (data.includes(STREAM_EVENT)) {
        if (!data.includes(EMPTY_STREAM_EVENT)) token(data, now);
      } else if (data.includes(STREAM_START_EVENT)) beginStream(now);
      else if (data.includes(STREAM_END_EVENT)) endStream(now);
      else if (data.includes(CHAT_END_EVENT)) chatEnded = true;
      else if (data.includes(INPUT_REQUEST_EVENT)) {
        // The first request (if the message did not arrive first) is answered by the message sent at open.
        if (chatEnded) answerFollowUp(ws, data, record);
      } else if (data.includes(ERROR_EVENT)) record.error ??= `error event: ${data.toString().slice(0, 200)}`;
      return;
    }
    if (!inStream) {
      if (data.length === 0) beginStream(now);
      else if (data.subarray(0, ERROR_TEXT.length).equals(ERROR_TEXT)) {
        record.error ??= `error frame: ${data.toString().trim().slice(0, 200)}`;
      }
    } else if (data.length === 2 && data[0] === 10 && data[1] === 10) endStream(now);
    else if (data.length > 0) token(data, now);
  });
  ws.on('unexpected-response', (_req, res) => {
    record.error ??= `HTTP ${res.statusCode} at upgrade`;
    res.resume();
    ws.terminate();
  });
  ws.on('error', (error) => {
    record.error ??= `socket error: ${error.code ?? error.message}`;
  });
  const done = new Promise((resolve) => {
    ws.on('close', (code) => {
      record.close = performance.now();
      record.code = code;
      if (inStream) endStream(record.close);
      if (record.error === undefined && code !== 1000) record.error = `closed with ${code}`;
      resolve(record);
    });
  });
  return { done, ws };
}
