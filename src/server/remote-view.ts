import { randomUUID } from 'node:crypto';
import type { AgentEvent } from '../protocol/events.js';
import { encodeEvent } from '../protocol/json-codec.js';
import type { FollowNote, LogRead, SessionStore } from '../store/session-store.js';
import { readClientMessage } from './client-message.js';
import { CloseCode } from './close-codes.js';
import type { Connection } from './connection.js';
import { FrameRate } from './frame-rate.js';
import { SendQueue } from './send-queue.js';
import type { SessionSettings } from './session-settings.js';

/** A store shared by instances: what a remote view needs of it. */
type SharedStore = SessionStore & Required<Pick<SessionStore, 'follow' | 'command'>>;

/** True for a store through which sessions run on other instances can be followed (Redis). */
export function isSharedStore(store: SessionStore): store is SharedStore {
  return typeof store.follow === 'function' && typeof store.command === 'function';
}

/**
 * A client's connection to a session whose run is on another instance (a resume through any instance, with a
 * shared store): the session's log after the client's seq, then each batch as the store announces it; the client's
 * answers and cancel go to the run through the store. The run holds the session for this connection meanwhile (it
 * does not abandon it), and a later resume anywhere takes it over (4001).
 */
export class RemoteView {
  /** Names this connection to the run (attach, detach, taken). */
  readonly id = randomUUID();
  readonly sessionId: string;
  /** Set while the socket is still answering pings (see the endpoint's keepalive). */
  alive = true;
  readonly #connection: Connection;
  readonly #store: SharedStore;
  readonly #settings: SessionSettings;
  readonly #sessionJson: string;
  readonly #rate: FrameRate;
  readonly #onEnd: () => void;
  #out: SendQueue | undefined;
  #unfollow: (() => void) | undefined;
  #lastSent = 0;
  #pulling = false;
  #pullAgain = false;
  /** The run ended with this close code: close once the client has everything. */
  #endCode: number | undefined;
  #closed = false;

  constructor(
    connection: Connection,
    sessionId: string,
    store: SharedStore,
    settings: SessionSettings,
    onEnd: () => void,
  ) {
    this.#connection = connection;
    this.sessionId = sessionId;
    this.#store = store;
    this.#settings = settings;
    this.#sessionJson = JSON.stringify(sessionId);
    this.#rate = new FrameRate(settings.maxFramesPerSecond);
    this.#onEnd = onEnd;
  }

  /**
   * Follows the session, then sends `resumed` and the log after `after`. Resolves with the read when it failed (the
   * caller refuses the resume; nothing was sent), or `ok` once the connection is attached.
   */
  async start(after: number, { announce = true } = {}): Promise<LogRead['status']> {
    this.#unfollow = await this.#store.follow(this.sessionId, (note) => this.#onNote(note));
    let record;
    let read: LogRead;
    try {
      record = await this.#store.get(this.sessionId);
      read = await this.#store.read(this.sessionId, after);
    } catch (error) {
      this.#unfollow();
      throw error;
    }
    if (read.status !== 'ok' || !record) {
      this.#unfollow();
      return read.status === 'ok' ? 'expired' : read.status;
    }
    this.#out = new SendQueue({
      connection: this.#connection,
      maxBufferedBytes: this.#settings.maxBufferedBytes,
      slowConsumerMs: this.#settings.slowConsumerMs,
      onSlowConsumer: () => {
        this.#settings.logger.warn(`session ${this.sessionId}: the client stopped reading; dropped the connection`);
        this.#connection.terminate();
      },
    });
    this.#connection.listen({
      message: (data, isBinary) => this.#onMessage(data, isBinary),
      ping: () => {
        if (this.#rate.over()) this.#rateLimited();
      },
      pong: () => {
        this.alive = true;
      },
      close: () => this.#onClose(),
      error: () => {},
    });
    if (record.state === 'live') this.#store.command(this.sessionId, { type: 'attach', view: this.id });
    // A connection whose session just started elsewhere (a front-only instance) is not a resume: no `resumed`.
    if (announce) {
      const resumed = { after, last_seq: read.lastSeq, pending_inputs: [...(record.pendingInputs ?? [])] };
      this.#out.send(encodeEvent({ type: 'resumed', content: resumed }, 0, this.#sessionJson));
    }
    for (const frame of read.frames) this.#out.send(frame);
    this.#lastSent = Math.max(after, read.lastSeq);
    if (announce) {
      this.#settings.logger.info(
        `session ${this.sessionId}: resumed after event ${after} through this instance ` +
          `(${read.frames.length} replayed; the run is on another instance)`,
      );
      this.#settings.observer.resumed(this.sessionId);
    }
    if (record.state === 'ended') this.#endCode ??= record.closeCode ?? CloseCode.NORMAL;
    void this.#pull();
    return 'ok';
  }

  /** A resume that did not start: the endpoint forgets this view. */
  forget(): void {
    this.#onEnd();
  }

  /** Keepalive: drops a peer that did not answer the previous ping (it may resume again). */
  ping(): void {
    if (this.#closed) return;
    if (!this.alive) {
      this.#connection.terminate();
      return;
    }
    this.alive = false;
    this.#connection.ping();
  }

  /**
   * The server is shutting down: the run goes on elsewhere, so the client is told to come back (1012, service restart)
   * and resume through another instance.
   */
  shutdown(): void {
    this.#close(CloseCode.SERVICE_RESTART, 'service restart: resume through another instance');
  }

  #onNote(note: FollowNote): void {
    switch (note.type) {
      case 'stored':
        if (note.lastSeq > this.#lastSent) void this.#pull();
        return;
      case 'ended':
        this.#endCode = note.closeCode;
        void this.#pull();
        return;
      case 'taken':
        if (note.view === this.id) this.#close(CloseCode.TAKEN_OVER, 'resumed by another connection');
        return;
      case 'restarted':
        // The process running the session now does not know this connection holds it.
        if (!this.#closed && this.#endCode === undefined) {
          this.#store.command(this.sessionId, { type: 'attach', view: this.id });
        }
        return;
    }
  }

  /** Sends what the store holds after the last frame sent; once the run ended and all is sent, closes as it did. */
  async #pull(): Promise<void> {
    if (!this.#out) return; // start() pulls once attached
    if (this.#pulling) {
      this.#pullAgain = true;
      return;
    }
    this.#pulling = true;
    try {
      do {
        this.#pullAgain = false;
        const read = await this.#store.read(this.sessionId, this.#lastSent);
        if (this.#closed) return;
        if (read.status !== 'ok') {
          // Expired: the run ended and its log went; evicted: this client fell behind the log's bound.
          this.#fail(`the session's log can no longer be read (${read.status})`);
          return;
        }
        for (const frame of read.frames) this.#out.send(frame);
        this.#lastSent = Math.max(this.#lastSent, read.lastSeq);
      } while (this.#pullAgain);
    } catch (error) {
      this.#fail(`the session store did not answer (${error instanceof Error ? error.message : String(error)})`);
      return;
    } finally {
      this.#pulling = false;
    }
    const code = this.#endCode;
    if (code !== undefined && !this.#closed) {
      await this.#out.flushed();
      this.#close(code);
    }
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#closed) return;
    if (this.#rate.over()) {
      this.#rateLimited();
      return;
    }
    const message = readClientMessage(data, isBinary, 'json');
    switch (message.kind) {
      case 'invalid_data':
        this.#sendError('INVALID_DATA', message.message, true);
        this.#close(CloseCode.INVALID_DATA, 'invalid_data');
        return;
      case 'refused':
        this.#settings.observer.frameRejected('invalid_frame');
        this.#sendError('PROTOCOL_ERROR', message.message, false);
        return;
      case 'plain':
        return; // JSON mode only
    }
    const { frame } = message;
    switch (frame.type) {
      case 'ping':
        this.#out?.send(encodeEvent({ type: 'pong', content: {} }, 0, this.#sessionJson));
        return;
      case 'resume':
        this.#sendError('PROTOCOL_ERROR', 'resume must be the first frame of a new connection.', false);
        return;
      default:
        // The run checks answers against its pending requests; this connection cannot know them.
        this.#store.command(this.sessionId, frame);
    }
  }

  #rateLimited(): void {
    this.#sendError(
      'RATE_LIMITED',
      `Too many frames: more than ${this.#settings.maxFramesPerSecond} per second.`,
      true,
    );
    this.#close(CloseCode.POLICY_VIOLATION, 'rate_limited');
  }

  /** An error outside the session's log (seq 0): this connection's, not the run's. */
  #sendError(
    code: 'INVALID_DATA' | 'PROTOCOL_ERROR' | 'RATE_LIMITED' | 'STORE_UNAVAILABLE',
    text: string,
    fatal: boolean,
  ): void {
    const event: AgentEvent = { type: 'error', content: { error: text, code, fatal } };
    this.#out?.send(encodeEvent(event, 0, this.#sessionJson));
  }

  #fail(why: string): void {
    this.#settings.logger.warn(`session ${this.sessionId}: ${why}; closed the connection (it may resume again)`);
    this.#sendError('STORE_UNAVAILABLE', `This connection lost the session: ${why}. Resume to go on.`, true);
    this.#close(CloseCode.TRY_AGAIN_LATER, 'store unavailable');
  }

  #close(code: number, reason?: string): void {
    if (this.#closed) return;
    if (this.#connection.open) {
      this.#out?.flushNow();
      this.#connection.close(code, reason);
    }
    this.#detach(code !== CloseCode.TAKEN_OVER);
  }

  #onClose(): void {
    this.#out?.dispose();
    this.#detach(true);
  }

  /** Stops following; a live run is told this connection is gone (unless taken over), so it waits for a resume. */
  #detach(tellRun: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unfollow?.();
    if (tellRun && this.#endCode === undefined) {
      this.#store.command(this.sessionId, { type: 'detach', view: this.id });
    }
    this.#onEnd();
  }
}
