import type { WebSocket } from 'ws';
import type { ResumeFailedEvent, ServerFrame, SessionEvent, WireFrame } from '../protocol/events.js';
import { isTerminalEvent } from '../protocol/events.js';
import { decodeServerFrame, encodeClientFrame } from '../protocol/json-codec.js';
import type { Outcome } from './connect-outcome.js';
import { ExitCode } from './exit-codes.js';
import { openSocket } from './open-socket.js';

/**
 * Closes after which the session is resumed: 1006 (dropped), 1012 (the instance restarts; the run goes on elsewhere)
 * and 1013 (the session store did not answer in time).
 */
const RESUMABLE_CLOSE_CODES = new Set([1006, 1012, 1013]);
/** Delays between reconnect attempts: the first after 50–100 ms, then doubling (with jitter) up to 1–2 s. */
export const RECONNECT_DELAY = { firstMs: 100, maxMs: 2000 } as const;

/** Options of {@link SessionLink}. */
export interface SessionLinkOptions {
  /** The server's url, for reconnecting. */
  url: string;
  /** Sent as `Authorization: Bearer` on every connection. */
  token?: string;
  /** Handshake timeout of each connection; null waits as long as the OS does. */
  timeoutMs: number | null;
  /** Resume a dropped JSON session (false with --no-reconnect). */
  reconnect: boolean;
  /** Prints one status line (to stderr). */
  status: (line: string) => void;
}

/** How a link ended: its last socket closed for good, or resuming failed. */
export type LinkEnd =
  | { kind: 'closed'; code: number; reason: string; lastError: string | undefined }
  | { kind: 'failed'; outcome: Outcome };

/** What a {@link SessionLink} tells the run it carries. */
export interface LinkListener {
  /**
   * A frame from the server. JSON mode: each session event exactly once, in `seq` order, however many connections
   * it took (`frame` parsed), and connection frames such as `pong`; `frame` is undefined for a frame that is not a
   * JSON envelope (and always in text mode).
   */
  frame(text: string, frame: ServerFrame | undefined): void;
  /** The connection dropped and a resume is under way: nothing arrives until `resumed` (or `ended`). */
  lost(): void;
  /** The session was resumed: frames flow again, the missed ones first. */
  resumed(): void;
  /** The link is over (not called after {@link SessionLink.close}). */
  ended(end: LinkEnd): void;
}

/** What the `session` event gave for resuming. */
interface ResumeTicket {
  id: string;
  token: string;
  windowMs: number;
}

/** The frame as {@link decodeServerFrame} reads it, or undefined for a frame that is not an agentws.v1 envelope. */
/** Answers remembered for a resend after a drop. */
const MAX_KEPT_ANSWERS = 64;

function decode(text: string): ServerFrame | undefined {
  try {
    return decodeServerFrame(text);
  } catch {
    return undefined;
  }
}

/** The next delay for `failures` failed attempts so far: exponential with "equal jitter" (half fixed, half random). */
function retryDelay(failures: number): number {
  const base = Math.min(RECONNECT_DELAY.maxMs, RECONNECT_DELAY.firstMs * 2 ** failures);
  return base / 2 + (Math.random() * base) / 2;
}

/**
 * The connection of one `agentws connect` run, which outlives its sockets: in JSON mode it keeps the session id,
 * resume token and window from the `session` event and the last `seq` seen; when the socket drops without a close
 * frame (1006: a reset, a cut, an error), or with 1012 (the instance restarts) or 1013 (its store was busy), before
 * the run's terminal event, it reconnects with backoff, announcing
 * the resume at the handshake (`agentws.resume`), sends the `resume` frame first, ignores anything before `resumed`,
 * and delivers the replay from the first event it had not seen, so the run sees every event once. Frames the run
 * sends meanwhile go out after `resumed`. It gives up when the window has passed since the drop. Close frames the
 * server sent on purpose (1000, 1001, 1008, 1011, 4001...) end the link as they are; so does text mode.
 */
export class SessionLink {
  readonly mode: 'json' | 'text';
  readonly #options: SessionLinkOptions;
  #ws: WebSocket;
  #listener: LinkListener | undefined;
  #state: 'live' | 'resuming' | 'ended' = 'live';
  #ticket: ResumeTicket | undefined;
  #lastSeq = 0;
  #terminalSeen = false;
  #lastError: string | undefined;
  /** Frames the run sent while the link was resuming: they go out right after `resumed`. */
  #queue: string[] = [];
  /**
   * Answers sent, by input request id, until a resume says whether they arrived: one sent just before a drop may be
   * lost, and `resumed` lists the requests still pending.
   */
  readonly #answers = new Map<string, string>();
  #attempt: WebSocket | undefined;
  #failures = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #windowTimer: NodeJS.Timeout | undefined;
  #windowEndsAt = 0;

  constructor(ws: WebSocket, mode: 'json' | 'text', options: SessionLinkOptions) {
    this.#ws = ws;
    this.mode = mode;
    this.#options = options;
  }

  /** Starts delivering to `listener`. Call it in the socket's 'open' event: frames may come with the handshake. */
  start(listener: LinkListener): void {
    this.#listener = listener;
    this.#watch(this.#ws, false);
  }

  /** True while frames can be sent now (not resuming, not ended). */
  get open(): boolean {
    return this.#state === 'live' && this.#ws.readyState === 1;
  }

  /** True from a drop until the session is resumed or the link gives up. */
  get resuming(): boolean {
    return this.#state === 'resuming';
  }

  /** Sends a frame now, or right after the resume when the link is resuming; dropped once the link has ended. */
  send(data: string): void {
    const answered = answerId(data);
    if (answered !== undefined && this.#ticket) {
      this.#answers.set(answered, data);
      // Only the latest answers can still be in flight; a long run must not keep them all.
      if (this.#answers.size > MAX_KEPT_ANSWERS) this.#answers.delete(this.#answers.keys().next().value!);
    }
    if (this.#state === 'resuming') this.#queue.push(data);
    else if (this.open) this.#ws.send(data);
  }

  /** Ends the link from this side: a normal close (1000) when `clean`, else the socket is dropped. */
  close(clean: boolean): void {
    if (this.#state === 'ended') return;
    const live = this.#state === 'live';
    this.#end();
    if (live && clean) this.#ws.close(1000);
    else if (live) this.#ws.terminate();
  }

  #watch(ws: WebSocket, handshake: boolean): void {
    let awaitingResume = handshake;
    ws.on('message', (data) => {
      if (this.#state === 'ended') return;
      const text = data.toString();
      if (!awaitingResume) {
        this.#deliver(text);
        return;
      }
      // Announced resumes get no fresh session, but a server may start one anyway (the protocol allows resume
      // frames that were not announced): until `resumed`, nothing on this connection is ours.
      const frame = decode(text);
      if (frame?.type === 'resumed') {
        awaitingResume = false;
        this.#onResumed(ws, frame.content.pending_inputs ?? []);
      } else if (frame?.type === 'resume_failed') {
        this.#onResumeFailed(ws, frame.content);
      }
    });
    ws.on('error', (error) => {
      this.#lastError = error.message;
    });
    ws.on('close', (code, reason) => this.#onClose(ws, code, reason.toString()));
  }

  #deliver(text: string): void {
    if (this.mode === 'text') {
      this.#listener?.frame(text, undefined);
      return;
    }
    const frame = decode(text);
    if (frame && frame.seq > 0) {
      // Never the same event twice, whatever a replay holds.
      if (frame.seq <= this.#lastSeq) return;
      this.#lastSeq = frame.seq;
      if (frame.type === 'session') this.#keepTicket(frame);
      if (isTerminalEvent(frame)) this.#terminalSeen = true;
    }
    this.#listener?.frame(text, frame);
  }

  #keepTicket(frame: WireFrame<SessionEvent>): void {
    const { resume_token: token, resume_window_ms: windowMs } = frame.content;
    if (typeof token === 'string' && typeof windowMs === 'number')
      this.#ticket = { id: frame.session, token, windowMs };
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    if (this.#state === 'ended') return;
    if (ws === this.#attempt) {
      this.#attempt = undefined;
      // Dropped again before `resumed`: try again while the window lasts. A close frame is the server's answer
      // (but 1012 and 1013 say: another instance, or a moment later).
      if (RESUMABLE_CLOSE_CODES.has(code)) this.#retry();
      else this.#finish({ kind: 'closed', code, reason, lastError: this.#lastError });
      return;
    }
    if (ws !== this.#ws || this.#state !== 'live') return;
    const ticket = this.#ticket;
    if (
      RESUMABLE_CLOSE_CODES.has(code) &&
      this.#options.reconnect &&
      ticket &&
      ticket.windowMs > 0 &&
      !this.#terminalSeen
    ) {
      this.#onLost(ticket);
      return;
    }
    this.#finish({ kind: 'closed', code, reason, lastError: this.#lastError });
  }

  #onLost(ticket: ResumeTicket): void {
    this.#state = 'resuming';
    this.#failures = 0;
    this.#windowEndsAt = Date.now() + ticket.windowMs;
    this.#windowTimer = setTimeout(() => this.#giveUp(ticket), ticket.windowMs);
    this.#options.status('connection lost; reconnecting…');
    this.#listener?.lost();
    this.#retry();
  }

  #retry(): void {
    clearTimeout(this.#retryTimer);
    const left = this.#windowEndsAt - Date.now();
    if (left <= 0) return; // the window timer gives up
    const delay = Math.min(retryDelay(this.#failures), left);
    this.#failures += 1;
    this.#retryTimer = setTimeout(() => this.#reconnect(), delay);
  }

  #reconnect(): void {
    const ticket = this.#ticket;
    if (this.#state !== 'resuming' || !ticket) return;
    const { url, token, timeoutMs } = this.#options;
    const left = Math.max(1, this.#windowEndsAt - Date.now());
    const handshakeMs = timeoutMs === null ? left : Math.min(timeoutMs, left);
    openSocket(url, { token, timeoutMs: handshakeMs, resume: true }, (ws) => {
      if (this.#state !== 'resuming') {
        ws.terminate();
        return;
      }
      this.#attempt = ws;
      this.#watch(ws, true);
      ws.send(encodeClientFrame({ type: 'resume', session: ticket.id, token: ticket.token, after: this.#lastSeq }));
    }).catch((error: unknown) => {
      if (this.#state !== 'resuming') return;
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#retry();
    });
  }

  #onResumed(ws: WebSocket, pending: readonly string[]): void {
    clearTimeout(this.#windowTimer);
    this.#attempt = undefined;
    this.#ws = ws;
    this.#state = 'live';
    this.#failures = 0;
    this.#options.status(`resumed session ${this.#ticket!.id.slice(0, 8)} after event ${this.#lastSeq}`);
    this.#listener?.resumed();
    // Answers that were in flight when the connection dropped: the server still waits for them.
    const queued = new Set(this.#queue);
    for (const id of pending) {
      const answer = this.#answers.get(id);
      if (answer !== undefined && !queued.has(answer)) ws.send(answer);
    }
    this.#answers.clear();
    for (const data of this.#queue.splice(0)) ws.send(data);
  }

  #onResumeFailed(ws: WebSocket, { reason, message }: ResumeFailedEvent['content']): void {
    ws.terminate();
    const id = this.#ticket!.id.slice(0, 8);
    // `expired` is the window running out, as when no reconnect got through in time; the rest lose the session.
    const code = reason === 'expired' ? ExitCode.CANNOT_CONNECT : ExitCode.SESSION_LOST;
    this.#fail(code, `The connection dropped and session ${id} could not be resumed: ${message} (${reason}).`);
  }

  #giveUp(ticket: ResumeTicket): void {
    if (this.#state !== 'resuming') return;
    this.#attempt?.terminate();
    const seconds = ticket.windowMs / 1000;
    const detail = this.#lastError ? ` Last attempt: ${this.#lastError}` : '';
    this.#fail(
      ExitCode.CANNOT_CONNECT,
      `The connection to ${this.#options.url} dropped and could not be resumed within the server's resume window ` +
        `(${seconds} s); gave up.${detail}`,
    );
  }

  #fail(code: Outcome['code'], message: string): void {
    this.#finish({ kind: 'failed', outcome: { code, message } });
  }

  #finish(end: LinkEnd): void {
    this.#end();
    this.#listener?.ended(end);
  }

  #end(): void {
    this.#state = 'ended';
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#windowTimer);
    this.#queue = [];
    this.#attempt?.terminate();
    this.#attempt = undefined;
  }
}

/** The id an `input_response` frame answers, or undefined for any other frame. */
function answerId(data: string): string | undefined {
  if (!data.startsWith('{"type":"input_response"')) return undefined;
  try {
    const frame = JSON.parse(data) as { id?: unknown };
    return typeof frame.id === 'string' ? frame.id : undefined;
  } catch {
    return undefined;
  }
}
