import { WebSocket } from 'ws';

/**
 * One JSON-mode (`agentws.v1`) seed session through a takeover, for the store phase: it starts on instance A, A is
 * killed with SIGKILL mid-stream (by the orchestrator, when told the session is streaming), the client resumes
 * through instance B after its last seq, and reads the run to its end as the instance that took the run over sends it.
 *
 * Every frame is parsed (a paced 200-token run: cost does not matter here), so that the whole transcript is checked:
 * seqs continuous from 1 across both connections, the retried step's first try discarded as `step_retried` says, the
 * poem whole, exactly one terminal event, close 1000.
 */

const WS_OPTIONS = { perMessageDeflate: false };

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export const epochNow = () => performance.timeOrigin + performance.now();

/**
 * @typedef {object} TakeoverRecord
 * @property {number} tokensBeforeKill non-empty stream events received from A
 * @property {number} afterSeq the last seq received from A (the resume's `after`)
 * @property {number} closedAt A's connection closed (epoch ms); `closeCode` its code (1006: no close frame)
 * @property {number} closeCode
 * @property {number} resumedAt `resumed` received from B
 * @property {number} retriedAt the `step_retried` event: the first event of the run's new owner
 * @property {number} firstTokenAt the first token of the retried step
 * @property {number} discarded events of the step's first try that `step_retried` told the client to discard
 * @property {number} tokens non-empty stream events the client keeps (after the discards)
 */

/** The events a client keeps: each `step_retried` drops the events after its `discard_after`. */
function kept(events) {
  const out = [];
  for (const event of events) {
    if (event.type === 'step_retried') {
      while (out.length > 0 && out.at(-1).seq > event.content.discard_after) out.pop();
    } else out.push(event);
  }
  return out;
}

const isToken = (event) => event.type === 'stream' && event.content.content !== '';
const isTerminal = (event) => event.type === 'run_completion' || event.type === 'termination';

/**
 * Runs the takeover of one session: `onStreaming()` is called once A has sent `killAfterTokens` tokens (the caller
 * then kills A). Resolves with the record once the run ended on B with close 1000 and its transcript checked; rejects
 * with what was wrong otherwise, or after `timeoutMs`.
 * @returns {Promise<TakeoverRecord>}
 */
export function followTakeover({ uri, resumeUri, message, killAfterTokens, expectTokens, onStreaming, timeoutMs }) {
  const events = [];
  const record = { tokensBeforeKill: 0, afterSeq: 0, discarded: 0, tokens: 0 };
  let session = '';
  let token = '';
  let chatEnded = false;
  const sockets = [];
  let settled = false;
  let timer;
  const done = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`takeover: the run did not end within ${timeoutMs} ms`)), timeoutMs);
    /** Session events (seq > 0) of either connection; the follow-up request is answered on the one that got it. */
    const onEvent = (ws, event) => {
      events.push(event);
      if (event.type === 'session') {
        session = event.content.id;
        token = event.content.resume_token;
      } else if (event.type === 'error') reject(new Error(`error event: ${JSON.stringify(event.content)}`));
      else if (event.type === 'chat_end') chatEnded = true;
      else if (event.type === 'input_request' && chatEnded) {
        ws.send(JSON.stringify({ type: 'input_response', id: event.content.id, value: '' }));
      }
    };
    const a = new WebSocket(uri, ['agentws.v1'], WS_OPTIONS);
    sockets.push(a);
    a.on('open', () => a.send(message));
    a.on('message', (data) => {
      const event = JSON.parse(data.toString());
      onEvent(a, event);
      if (isToken(event) && ++record.tokensBeforeKill === killAfterTokens) onStreaming();
    });
    a.on('error', () => {});
    a.on('close', (code) => {
      if (settled) return; // closed by the clean-up below
      record.closedAt = epochNow();
      record.closeCode = code;
      record.afterSeq = events.at(-1)?.seq ?? 0;
      if (record.tokensBeforeKill < killAfterTokens) {
        reject(new Error(`A closed with ${code} after ${record.tokensBeforeKill} tokens, before the kill`));
        return;
      }
      resume();
    });
    const resume = () => {
      const b = new WebSocket(resumeUri, ['agentws.v1', 'agentws.resume'], WS_OPTIONS);
      sockets.push(b);
      b.on('open', () => b.send(JSON.stringify({ type: 'resume', session, token, after: record.afterSeq })));
      b.on('message', (data) => {
        const now = epochNow();
        const event = JSON.parse(data.toString());
        if (event.seq === 0) {
          if (event.type === 'resumed') record.resumedAt = now;
          else if (event.type === 'resume_failed') reject(new Error(`resume failed: ${JSON.stringify(event.content)}`));
          return;
        }
        if (event.type === 'step_retried' && record.retriedAt === undefined) {
          record.retriedAt = now;
          record.discarded = event.content.discard_through - event.content.discard_after;
        } else if (record.retriedAt !== undefined && record.firstTokenAt === undefined && isToken(event)) {
          record.firstTokenAt = now;
        }
        onEvent(b, event);
      });
      b.on('error', (error) => reject(new Error(`B: socket error: ${error.code ?? error.message}`)));
      b.on('close', (code) => {
        if (code !== 1000) {
          reject(new Error(`B closed with ${code}`));
          return;
        }
        try {
          resolve(check());
        } catch (error) {
          reject(error);
        }
      });
    };
  });
  /** The whole transcript, as a client keeps it. */
  const check = () => {
    const gap = events.findIndex((event, i) => event.seq !== i + 1);
    if (gap !== -1) throw new Error(`seq ${events[gap].seq} at position ${gap + 1}: not continuous`);
    if (record.retriedAt === undefined) throw new Error('no step_retried event after the takeover');
    const view = kept(events);
    const terminals = view.filter(isTerminal);
    if (terminals.length !== 1 || view.at(-1).type !== 'run_completion') {
      throw new Error(`${terminals.length} terminal events, the last event ${view.at(-1)?.type}`);
    }
    const tokens = view.filter(isToken);
    record.tokens = tokens.length;
    if (expectTokens !== undefined && record.tokens !== expectTokens) {
      throw new Error(`the client keeps ${record.tokens} tokens, expected ${expectTokens}`);
    }
    if (!tokens.at(-1).content.content.includes('TERMINATE')) throw new Error('the poem does not end in TERMINATE');
    return record;
  };
  return done.finally(() => {
    settled = true;
    clearTimeout(timer);
    for (const ws of sockets) ws.terminate();
  });
}
