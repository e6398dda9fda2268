// @ts-check
// The page's link to one session (docs/protocol.md, "Resume: sessions outlive connections"). It opens the websocket;
// when a connection drops before the run ended, it opens another and resumes the session where the page left it,
// retrying with backoff for as long as the server keeps a dropped session. The page sees each session event once, in
// order, whatever happened to the connections underneath.
import { saveSession } from './tab-storage.js';

/**
 * @typedef {import('../dist/protocol/events.js').ServerFrame} ServerFrame
 * @typedef {import('../dist/protocol/events.js').ClientFrame} ClientFrame
 * @typedef {import('../dist/protocol/events.js').ResumeFailure} ResumeFailure
 * @typedef {import('../dist/protocol/events.js').ResumedEvent['content']} ResumedContent
 * @typedef {import('./tab-storage.js').SavedSession} SavedSession
 * @typedef {'connecting' | 'live' | 'reconnecting'} LinkState
 */
/**
 * Why a link stopped before the run ended. Nothing more comes from it.
 * @typedef {{ kind: 'unreachable' }
 *   | { kind: 'lost', code: number }
 *   | { kind: 'closed', code: number }
 *   | { kind: 'taken_over' }
 *   | { kind: 'gave_up', windowMs: number }
 *   | { kind: 'resume_failed', reason: ResumeFailure, message: string }} LinkOver
 */
/**
 * @typedef {object} LinkHandlers
 * @property {(frame: ServerFrame) => void} event Each session event (seq > 0), once, in order.
 * @property {(state: LinkState) => void} state
 * @property {(resumed: ResumedContent) => void} resumed A resume was accepted; its replay follows.
 * @property {(over: LinkOver) => void} over
 * @property {() => void} partial After a reload, the conversation's start no longer fits the server's log: the
 *   replay starts where this tab left it instead.
 */

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 4000;
/** How often the last seq is written to storage at most: it only matters after a reload, and not to the second. */
const SAVE_EVERY_MS = 500;
/**
 * A connection silent this long is asked for a pong, and one silent this much longer is taken for dead: a laptop that
 * slept or a network that changed can leave a socket that never reports its close.
 */
const SILENT_MS = 20_000;
const PONG_WAIT_MS = 10_000;
/**
 * Closes after which a new connection would be refused again or fight another tab: policy and protocol errors, and
 * 4001 (another connection resumed the session and holds it now).
 */
const FINAL_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010, 4001]);

/** @param {ServerFrame} frame */
function isTerminal(frame) {
  return (
    frame.type === 'run_completion' || frame.type === 'termination' || (frame.type === 'error' && frame.content.fatal)
  );
}

export class SessionLink {
  /** The session's id and resume token once the server sent them (null while unknown, or when it keeps none). */
  saved;
  #url;
  #authToken;
  #on;
  /** @type {WebSocket | null} The current connection. */
  #ws = null;
  /** @type {LinkState} */
  #state = 'connecting';
  #lastSeq = 0;
  /** The run's terminal event arrived: a close is the end, not a drop. */
  #ended = false;
  /** Closed on purpose, or over: nothing more happens. */
  #stopped = false;
  #attempt = 0;
  /** No reconnecting after this (`Date.now()`): the server no longer keeps the session. */
  #deadline = 0;
  #timer = 0;
  #saveTimer = 0;
  /** When the current connection last received a frame (`Date.now()`). */
  #heard = 0;
  /** After a reload: where the tab was, to resume from if the whole conversation no longer fits the server's log. */
  #fallbackAfter = 0;

  /**
   * Connects at once: to a new session, or, with `saved` (a reload), to that session, whose whole conversation is
   * replayed into the empty page.
   * @param {{ url: string, authToken: string, saved: SavedSession | null, on: LinkHandlers }} options
   */
  constructor({ url, authToken, saved, on }) {
    this.#url = url;
    this.#authToken = authToken;
    this.#on = on;
    this.saved = saved;
    if (saved) {
      this.#fallbackAfter = saved.lastSeq;
      this.#deadline = Date.now() + saved.windowMs;
      this.#connect(0);
    } else {
      this.#connect(null);
    }
  }

  get state() {
    return this.#state;
  }

  /**
   * Sends a frame if the session is connected now.
   * @param {ClientFrame} frame
   * @returns {boolean} Whether it was sent.
   */
  send(frame) {
    if (this.#state !== 'live' || this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  /** Closes on purpose (a new chat): no reconnecting, nothing more saved. */
  close() {
    this.#stop();
    if (this.#ws && this.#ws.readyState <= WebSocket.OPEN) this.#ws.close(1000, 'new chat');
    this.#ws = null;
  }

  /** While waiting to reconnect, tries now (the browser says it is back online). */
  retryNow() {
    if (this.#stopped || this.#state !== 'reconnecting' || this.#ws !== null) return;
    window.clearTimeout(this.#timer);
    this.#connect(this.#lastSeq);
  }

  /** @param {number | null} after Null for a new session; otherwise resume after this seq. */
  #connect(after) {
    const protocols = ['agentws.v1'];
    // Announced, the server starts no session of its own for the connection and waits for the resume frame.
    if (after !== null) protocols.push('agentws.resume');
    if (this.#authToken) protocols.push('agentws.token.' + this.#authToken);
    const ws = new WebSocket(this.#url, protocols);
    this.#ws = ws;
    let opened = false;
    let live = after === null;
    ws.addEventListener('open', () => {
      if (this.#ws !== ws) return;
      opened = true;
      this.#watch(ws, () => live);
      if (live) this.#setState('live');
      else if (this.saved) {
        ws.send(JSON.stringify({ type: 'resume', session: this.saved.id, token: this.saved.token, after }));
      }
    });
    ws.addEventListener('message', (event) => {
      if (this.#ws !== ws || typeof event.data !== 'string') return;
      this.#heard = Date.now();
      /** @type {ServerFrame} */
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (live) this.#receive(frame);
      else if (frame.type === 'resumed') {
        live = true;
        this.#attempt = 0;
        this.#setState('live');
        this.#on.resumed(frame.content);
      } else if (frame.type === 'resume_failed') {
        this.#resumeFailed(frame.content);
      }
    });
    ws.addEventListener('close', (event) => {
      if (this.#ws === ws) this.#dropped(event.code, opened);
    });
  }

  /**
   * Pings the server when the connection has been silent for a while, and drops the connection (to resume on a new
   * one) when nothing comes back. (A resume not answered yet is not pinged: the server wants the resume frame only.)
   * @param {WebSocket} ws
   * @param {() => boolean} live
   */
  #watch(ws, live) {
    this.#heard = Date.now();
    let pinged = false;
    const timer = window.setInterval(() => {
      if (this.#ws !== ws) return window.clearInterval(timer);
      const silent = Date.now() - this.#heard;
      if (silent < SILENT_MS) pinged = false;
      else if (!pinged && live()) {
        pinged = true;
        ws.send(JSON.stringify({ type: 'ping' }));
      } else if (silent >= SILENT_MS + PONG_WAIT_MS) {
        // Nothing came back: drop it and resume on a new connection.
        window.clearInterval(timer);
        ws.close();
        this.#dropped(1006, true);
      }
    }, PONG_WAIT_MS / 2);
  }

  /** @param {ServerFrame} frame */
  #receive(frame) {
    // Connection frames (seq 0: pong) are not the session's; a seq already seen is never shown twice.
    if (!(frame.seq > this.#lastSeq)) return;
    this.#lastSeq = frame.seq;
    if (frame.type === 'session' && !this.saved && frame.content.resume_token) {
      this.saved = {
        id: frame.content.id,
        token: frame.content.resume_token,
        windowMs: frame.content.resume_window_ms,
        lastSeq: frame.seq,
        answers: {},
      };
      saveSession(this.saved);
    } else {
      this.#saveSoon();
    }
    if (isTerminal(frame)) this.#ended = true;
    this.#on.event(frame);
  }

  /** @param {{ reason: ResumeFailure, message: string }} failure */
  #resumeFailed(failure) {
    if (failure.reason === 'evicted' && this.#lastSeq === 0 && this.#fallbackAfter > 0) {
      // The server closes this connection; the next one asks only for what came after the tab's last event.
      this.#lastSeq = this.#fallbackAfter;
      this.#fallbackAfter = 0;
      this.#on.partial();
      this.#connect(this.#lastSeq);
      return;
    }
    this.#over({ kind: 'resume_failed', ...failure });
  }

  /**
   * @param {number} code
   * @param {boolean} opened
   */
  #dropped(code, opened) {
    this.#ws = null;
    if (this.#stopped || this.#ended) return;
    if (code === 4001) return this.#over({ kind: 'taken_over' });
    if (!this.saved) return this.#over(opened ? { kind: 'lost', code } : { kind: 'unreachable' });
    if (FINAL_CODES.has(code)) return this.#over({ kind: 'closed', code });
    // The run goes on without us for the server's resume window, counted from the drop.
    if (this.#state === 'live') this.#deadline = Date.now() + this.saved.windowMs;
    this.#setState('reconnecting');
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.#attempt);
    this.#attempt += 1;
    // Jitter: the tabs of many users whose server restarted do not all come back at the same moment.
    const wait = delay * (0.5 + Math.random() / 2);
    if (Date.now() + wait >= this.#deadline) return this.#over({ kind: 'gave_up', windowMs: this.saved.windowMs });
    this.#timer = window.setTimeout(() => this.#connect(this.#lastSeq), wait);
  }

  /** @param {LinkState} state */
  #setState(state) {
    if (this.#state === state) return;
    this.#state = state;
    this.#on.state(state);
  }

  #saveSoon() {
    if (this.#saveTimer !== 0) return;
    this.#saveTimer = window.setTimeout(() => {
      this.#saveTimer = 0;
      if (this.#stopped || !this.saved) return;
      this.saved.lastSeq = this.#lastSeq;
      saveSession(this.saved);
    }, SAVE_EVERY_MS);
  }

  #stop() {
    this.#stopped = true;
    window.clearTimeout(this.#timer);
    window.clearTimeout(this.#saveTimer);
  }

  /** @param {LinkOver} over */
  #over(over) {
    this.#stop();
    this.#on.over(over);
  }
}
