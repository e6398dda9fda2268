import { WebSocket } from 'ws';
import { STREAM_EVENT, EMPTY_STREAM_EVENT, CHAT_END_EVENT, INPUT_REQUEST_EVENT, ERROR_EVENT } from './frame-markers.js';

/**
 * JSON-mode (`agentws.v1`) sessions that outlive their connections, for the resume phase: run a seed session up to
 * its follow-up `input_request` (the run then waits, holding its log), drop the connection, resume it on a new one.
 *
 * Only the frames the client needs are parsed (`session`, the follow-up `input_request`, `resumed`, the last replayed
 * event); the rest are checked as bytes, as in session-client.js.
 */

const SESSION_EVENT = Buffer.from('"type":"session"');
const RUN_COMPLETION_EVENT = Buffer.from('"type":"run_completion"');

const WS_OPTIONS = { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 };

/**
 * @typedef {object} HeldSession
 * @property {WebSocket} ws the connection (open until dropped)
 * @property {string} id session id
 * @property {string} token resume token
 * @property {number} lastSeq seq of the follow-up input_request (the last event of the log)
 * @property {string} requestId the follow-up input_request's id
 * @property {number} tokens non-empty stream events received
 * @property {number} bytes bytes of the frames received
 */

/** A promise that fails after `ms`, so that no step of the phase can hang it. */
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Opens a JSON session, sends `message`, and resolves when the run has finished its chat and sent the follow-up
 * `input_request` (the session then waits for the next message with its whole run in its log). Rejects on an error
 * event, a close, or after `timeoutMs`.
 * @returns {Promise<HeldSession>}
 */
export function runToFollowUp(uri, message, timeoutMs = 30_000) {
  const ws = new WebSocket(uri, ['agentws.v1'], WS_OPTIONS);
  const held = { ws, id: '', token: '', lastSeq: 0, requestId: '', tokens: 0, bytes: 0 };
  let chatEnded = false;
  const done = new Promise((resolve, reject) => {
    ws.on('open', () => ws.send(message));
    ws.on('message', (data) => {
      held.bytes += data.length;
      if (data.includes(STREAM_EVENT)) {
        if (!data.includes(EMPTY_STREAM_EVENT)) held.tokens++;
      } else if (data.includes(CHAT_END_EVENT)) chatEnded = true;
      else if (data.includes(INPUT_REQUEST_EVENT)) {
        if (!chatEnded) return; // the first request, answered by the message sent at open
        const event = JSON.parse(data.toString());
        held.lastSeq = event.seq;
        held.requestId = event.content.id;
        ws.removeAllListeners('close');
        resolve(held);
      } else if (data.includes(SESSION_EVENT) && held.id === '') {
        const event = JSON.parse(data.toString());
        held.id = event.content.id;
        held.token = event.content.resume_token;
      } else if (data.includes(ERROR_EVENT)) reject(new Error(`error event: ${data.toString().slice(0, 200)}`));
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`HTTP ${res.statusCode} at upgrade`));
    });
    ws.on('error', (error) => reject(new Error(`socket error: ${error.code ?? error.message}`)));
    ws.on('close', (code) => reject(new Error(`closed with ${code} before the follow-up request`)));
  });
  return withTimeout(done, timeoutMs, 'seed run to its follow-up request').catch((error) => {
    ws.terminate();
    throw error;
  });
}

/** Drops a connection as a network would (no close frame) and resolves once the socket is gone. */
export function drop(ws) {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) {
      resolve();
      return;
    }
    ws.removeAllListeners('close');
    ws.removeAllListeners('message');
    ws.on('error', () => {});
    ws.once('close', () => resolve());
    ws.terminate();
  });
}

/**
 * @typedef {object} ResumeTiming
 * @property {number} toResumedMs resume frame sent → `resumed` received
 * @property {number} toLastReplayedMs resume frame sent → the last replayed event received
 * @property {number} replayed events replayed
 * @property {number} replayedBytes their bytes
 * @property {number} lastSeq `resumed`'s last_seq
 */

/**
 * Resumes `held` on a new connection (subprotocols agentws.v1 + agentws.resume) after event `after`, reads the
 * replay to its last event (`resumed.last_seq`, checked to be the follow-up request), then ends the run with an empty
 * answer to that request and waits for `run_completion` and close 1000.
 * @returns {Promise<ResumeTiming>}
 */
export function resumeAndEnd(uri, held, after, timeoutMs = 30_000) {
  const ws = new WebSocket(uri, ['agentws.v1', 'agentws.resume'], WS_OPTIONS);
  const timing = { toResumedMs: NaN, toLastReplayedMs: NaN, replayed: 0, replayedBytes: 0, lastSeq: 0 };
  let sentAt = 0;
  let expected = -1;
  let completed = false;
  const done = new Promise((resolve, reject) => {
    ws.on('open', () => {
      sentAt = performance.now();
      ws.send(JSON.stringify({ type: 'resume', session: held.id, token: held.token, after }));
    });
    ws.on('message', (data) => {
      const now = performance.now();
      if (expected < 0) {
        const event = JSON.parse(data.toString());
        if (event.type !== 'resumed') {
          reject(new Error(`expected resumed, got ${data.toString().slice(0, 200)}`));
          return;
        }
        timing.toResumedMs = now - sentAt;
        timing.lastSeq = event.content.last_seq;
        expected = event.content.last_seq - after;
        if (event.content.last_seq !== held.lastSeq) {
          reject(new Error(`resumed.last_seq ${event.content.last_seq}, expected ${held.lastSeq}`));
          return;
        }
        if (expected === 0) ws.send(JSON.stringify({ type: 'input_response', id: held.requestId, value: '' }));
        return;
      }
      if (timing.replayed < expected) {
        timing.replayed++;
        timing.replayedBytes += data.length;
        if (timing.replayed < expected) return;
        timing.toLastReplayedMs = now - sentAt;
        const last = JSON.parse(data.toString());
        if (last.seq !== held.lastSeq || last.type !== 'input_request') {
          reject(new Error(`last replayed event is seq ${last.seq} ${last.type}, expected ${held.lastSeq}`));
          return;
        }
        ws.send(JSON.stringify({ type: 'input_response', id: held.requestId, value: '' }));
        return;
      }
      if (data.includes(RUN_COMPLETION_EVENT)) completed = true;
      else if (data.includes(ERROR_EVENT)) reject(new Error(`error event: ${data.toString().slice(0, 200)}`));
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`HTTP ${res.statusCode} at upgrade`));
    });
    ws.on('error', (error) => reject(new Error(`socket error: ${error.code ?? error.message}`)));
    ws.on('close', (code) => {
      if (code === 1000 && completed) resolve(timing);
      else reject(new Error(`closed with ${code}${completed ? '' : ' before run_completion'}`));
    });
  });
  return withTimeout(done, timeoutMs, 'resume').catch((error) => {
    ws.terminate();
    throw error;
  });
}

/** Ends a held session on its own connection: an empty answer to the follow-up request, then close 1000. */
export function endHeld(held, timeoutMs = 30_000) {
  const { ws } = held;
  const done = new Promise((resolve, reject) => {
    let completed = false;
    ws.on('message', (data) => {
      if (data.includes(RUN_COMPLETION_EVENT)) completed = true;
    });
    ws.on('close', (code) => {
      if (code === 1000 && completed) resolve();
      else reject(new Error(`closed with ${code}${completed ? '' : ' before run_completion'}`));
    });
    ws.send(JSON.stringify({ type: 'input_response', id: held.requestId, value: '' }));
  });
  return withTimeout(done, timeoutMs, 'end of a held session').catch((error) => {
    ws.terminate();
    throw error;
  });
}
