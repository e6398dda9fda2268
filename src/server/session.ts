import type { WireErrorCode } from '../errors.js';
import { AbortedError, InputTimeoutError, isAbortError, wireErrorCode } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import type { AgentEvent } from '../protocol/events.js';
import { echoClientValue, encodeEvent } from '../protocol/json-codec.js';
import { readClientMessage } from './client-message.js';
import { CloseCode } from './close-codes.js';
import { FrameRate } from './frame-rate.js';
import type { Connection } from './connection.js';
import type { FrameSink, WireMode } from './io-websockets.js';
import { IOWebsockets } from './io-websockets.js';
import type { SessionOutcome, SessionSettings } from './session-settings.js';
import type { SlowConsumer } from './send-queue.js';
import { CEILING_FACTOR, SendQueue } from './send-queue.js';
import { terminalEvent } from './terminal-event.js';
import type { LogRead, RunCommand, SessionWriter } from '../store/session-store.js';
import { tokenHash } from './upgrade-guard.js';
import { DurableRun } from './durable-run.js';
import { sessionEvent } from './session-event.js';
import type { JournalEntry } from '../io/run-journal.js';

export type { OnConnect, SessionOutcome, SessionSettings } from './session-settings.js';

/** What a session holds of the connection attached to it now. */
interface Attachment {
  connection: Connection;
  out: SendQueue;
  /** The last seq this client has (a resume replayed the log up to it): later frames only. */
  after: number;
}

/** What a process taking a run over found of it in the shared store. */
export interface RunTakeover {
  frames: readonly (string | undefined)[];
  journal: readonly JournalEntry[];
}

/** A resume reading the log: frames stored meanwhile, so the client gets them after the log's. */
type Tap = { frame: string; seq: number }[];

/**
 * One run of `onConnect`: its IOWebsockets, its abort controller, the frames the client sends, and the single
 * terminal event plus close code that end it. A session is not its connection: in JSON mode with a resume window,
 * a dropped connection detaches it (the run goes on, its frames go to the log) and a resume attaches another one.
 */
export class Session {
  readonly id: string;
  readonly startedAt = performance.now();
  readonly iostream: IOWebsockets;
  readonly #settings: SessionSettings;
  readonly #controller = new AbortController();
  readonly #sessionJson: string;
  /** JSON mode with a resume window: frames are logged, and a drop detaches rather than aborts. */
  readonly #resumable: boolean;
  readonly #resumeToken: string | null;
  /** The session's log in the store (resumable sessions): frames reach the client once it holds them. */
  readonly #writer: SessionWriter | undefined;
  readonly #taps = new Set<Tap>();
  #attached: Attachment | undefined;
  /** A connection on another instance that resumed this session and holds it (shared stores). */
  #remoteView: string | undefined;
  /** How the run closed its client's connection, once it ended. */
  #closeCode: number = CloseCode.NORMAL;
  /** The run was taken over from another process (or started by a front-only instance): it did not start here. */
  readonly #takeover: boolean;
  /** The run taken over has steps to replay. */
  readonly #replays: boolean;
  /** The session event as its first client gets it, with the resume token (the store's copy has none). */
  #sessionFrame: string | undefined;
  /** Runs out the resume window while detached. */
  #detachTimer: NodeJS.Timeout | undefined;
  /** The run is over and its close was started: the log's fate waits for how the connection closes. */
  #endAfterClose = false;
  /** Superseded by a resume on its connection: sends nothing more, closes nothing. */
  #discarded = false;
  /** Frames received on the first connection (a resume must be the first). */
  #received = 0;
  /** Set while the end of a finished run is on its way to the client: a shutdown stops waiting for it. */
  #stopWaiting: (() => void) | undefined;
  #stop: SessionOutcome | undefined;
  readonly #rate: FrameRate;
  /** Set while the socket is still answering pings (see the endpoint's keepalive). */
  alive = true;

  /**
   * @param resumeToken The secret that resumes this session (JSON mode with a resume window; its hash is in the
   *   store already), or null.
   */
  constructor(
    connection: Connection | undefined,
    id: string,
    mode: WireMode,
    color: boolean,
    settings: SessionSettings,
    resumeToken: string | null = null,
    takeover?: RunTakeover,
  ) {
    this.id = id;
    this.#settings = settings;
    this.#rate = new FrameRate(settings.maxFramesPerSecond);
    this.#sessionJson = JSON.stringify(id);
    this.#takeover = takeover !== undefined;
    this.#replays = (takeover?.journal.length ?? 0) > 0;
    this.#resumable =
      mode === 'json' && (resumeToken !== null || takeover !== undefined) && settings.resumeWindowMs > 0;
    this.#resumeToken = this.#resumable ? resumeToken : null;
    const sink: FrameSink = {
      get accepting() {
        return session.#accepting;
      },
      get unsent() {
        return session.#attached?.out.unsent ?? 0;
      },
      write: (frame, seq) => {
        if (!this.#writer) this.#toClient(frame, seq);
        else if (seq === 1 && this.#resumeToken !== null) {
          // The session event: the client gets it with the resume token, the store without (never the token).
          this.#sessionFrame = frame;
          this.#writer.append(seq, frame.replace(JSON.stringify(this.#resumeToken), 'null'));
        } else this.#writer.append(seq, frame);
      },
      pending: (ids) => this.#writer?.pending(ids),
    };
    if (this.#resumable) {
      this.#writer = settings.store.create(id, takeover ? undefined : tokenHash(this.#resumeToken!), {
        durable: (frame, seq) => this.#toClient(frame, seq),
        failed: (error) => this.#storeFailed(error),
        lost: () => {
          this.#settings.logger.warn(`session ${this.id}: another process runs it now; stopped here`);
          this.stop('moved');
        },
        command: (command, backlog) => this.#command(command, backlog),
      });
    }
    // With a shared store the run is durable: journaled, so that another process can take it over.
    const writer = this.#writer;
    const durable =
      writer && settings.store.loadRun
        ? new DurableRun({
            frames: takeover?.frames ?? [],
            journal: takeover?.journal ?? [],
            record: (entry) => writer.record(entry),
          })
        : undefined;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the sink's getters read this session's state
    const session = this;
    this.iostream = new IOWebsockets({
      sink,
      sessionId: id,
      mode,
      color,
      signal: this.#controller.signal,
      inputTimeoutMs: settings.inputTimeoutMs,
      inputTimeoutAction: settings.inputTimeoutAction,
      maxBufferedBytes: settings.maxBufferedBytes,
      allowCodeExecution: settings.allowCodeExecution,
      ...(durable ? { durable } : {}),
      ...(settings.store.llmCache ? { llmCache: (seed: string) => settings.store.llmCache!(seed) } : {}),
      // A run taken over goes on after the session event, which its first client got.
      ...(takeover ? { sent: 1 } : {}),
    });
    if (connection) this.#attach(connection);
  }

  /** Frames still reach someone: the attached client, or the log of a resumable session. */
  get #accepting(): boolean {
    // A run moved to another instance writes nothing more: the seqs are the new owner's.
    if (this.#discarded || this.#stop === 'moved') return false;
    return this.#resumable || this.#attached?.connection.open === true;
  }

  /** True while the run goes on and a resume can attach a connection to it. */
  get resumable(): boolean {
    return this.#resumable && this.#stop === undefined && !this.iostream.finished;
  }

  /** Runs `onConnect` to its end and closes the socket; resolves with the outcome, never rejects. */
  async run(): Promise<SessionOutcome> {
    const { iostream } = this;
    // Nobody holds a run taken over until its client resumes (here, or through any instance).
    if (!this.#attached && this.#resumable) this.#startDetachTimer();
    if (iostream.mode === 'json' && !this.#takeover) {
      iostream.send(sessionEvent(this.id, this.#settings, this.#resumable ? this.#resumeToken : null));
    }
    // Once the run is stopped (disconnect, cancel, shutdown, a broken rule) the session ends at once, even when
    // onConnect ignores its signal: a session must never outlive its socket, nor hold up close().
    const stopped = new Promise<void>((resolve) => {
      const signal = this.#controller.signal;
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const work = (async () => IOStream.withDefault(iostream, () => this.#settings.onConnect(iostream)))();
    work.catch(() => {}); // a rejection after the stop has nobody left to tell
    let outcome: SessionOutcome;
    try {
      await Promise.race([work, stopped]);
      outcome = this.#stop ?? 'completed';
    } catch (error) {
      outcome =
        this.#stop ??
        (error instanceof InputTimeoutError ? 'input_timeout' : isAbortError(error) ? 'cancelled' : 'error');
      if (outcome === 'error') this.#reportError(error);
    }
    return this.#finish(outcome);
  }

  /**
   * Keepalive, run by the endpoint every ping interval: drops a peer that did not answer the previous ping. (A client
   * that stops reading is watched by the IOWebsockets' send queue, with its own timer, even while the run is silent.)
   */
  ping(): void {
    const attached = this.#attached;
    if (this.#stop !== undefined || !attached) return;
    if (!this.alive) {
      // A resumable session only loses the dead connection (a laptop lid, a network change): the client resumes.
      this.#settings.logger.info(`session ${this.id}: no pong since the last ping; dropped the connection`);
      if (!this.#resumable) this.#abort('unresponsive');
      attached.connection.terminate();
      return;
    }
    this.alive = false;
    attached.connection.ping();
  }

  /**
   * Attaches the connection of a resume: reads the log after `after`, then closes the connection attached now, if any
   * (4001, taken over), and sends `resumed`, the log, then whatever the run sends next. Frames stored while the log
   * is read are kept and sent after it, each seq once. Resolves with the read when it failed, or with `ended` when the
   * run ended meanwhile (the caller then replays the log to its end); the connection is not attached then.
   */
  async resume(connection: Connection, after: number): Promise<LogRead | { status: 'ended' }> {
    const tap: Tap = [];
    this.#taps.add(tap);
    let read: LogRead;
    try {
      read = await this.#settings.store.read(this.id, after);
    } finally {
      this.#taps.delete(tap);
    }
    if (read.status !== 'ok') return read;
    if (!this.resumable) return { status: 'ended' };
    const previous = this.#attached;
    if (previous) {
      this.#attached = undefined;
      previous.connection.listen(undefined);
      previous.out.dispose();
      previous.connection.close(CloseCode.TAKEN_OVER, 'resumed by another connection');
    }
    if (this.#remoteView !== undefined) {
      this.#writer?.note({ type: 'taken', view: this.#remoteView });
      this.#remoteView = undefined;
    }
    if (this.#detachTimer) clearTimeout(this.#detachTimer);
    this.#detachTimer = undefined;
    const lastSeq = Math.max(read.lastSeq, tap.at(-1)?.seq ?? 0);
    const out = this.#attach(connection, lastSeq);
    const resumed = { after, last_seq: lastSeq, pending_inputs: this.iostream.pendingInputIds };
    out.send(encodeEvent({ type: 'resumed', content: resumed }, 0, this.#sessionJson));
    for (const frame of read.frames) out.send(frame);
    for (const { frame, seq } of tap) if (seq > read.lastSeq) out.send(frame);
    this.#settings.logger.info(
      `session ${this.id}: resumed after event ${after} (${lastSeq - Math.min(after, lastSeq)} replayed)` +
        (previous ? '; the previous connection was taken over' : ''),
    );
    this.#settings.observer.resumed(this.id);
    return read;
  }

  /** A stored frame (or any frame of a session without a log) goes to the client, unless it has it already. */
  #toClient(frame: string, seq: number): void {
    for (const tap of this.#taps) tap.push({ frame, seq });
    const attached = this.#attached;
    if (!attached || seq <= attached.after) return;
    if (seq === 1 && this.#sessionFrame !== undefined) {
      attached.out.send(this.#sessionFrame);
      this.#sessionFrame = undefined;
    } else attached.out.send(frame);
  }

  /**
   * The store lost this session's frames (Redis away for too long): the client is told at once, outside the log
   * (seq 0), and the run ends.
   */
  #storeFailed(error: Error): void {
    if (this.#stop !== undefined) return;
    const message = this.#settings.redact(error.message);
    this.#settings.logger.error(`session ${this.id}: ${message}`);
    const event: AgentEvent = { type: 'error', content: { error: message, code: 'STORE_UNAVAILABLE', fatal: true } };
    this.#attached?.out.send(encodeEvent(event, 0, this.#sessionJson));
    this.#abort('store_unavailable');
  }

  /**
   * A connection on another instance resumed this session: it holds it now. The connection attached here, if any, is
   * taken over (4001), and so is another instance's.
   */
  #remoteAttach(view: string): void {
    const attached = this.#attached;
    if (attached) {
      this.#attached = undefined;
      attached.connection.listen(undefined);
      attached.out.dispose();
      attached.connection.close(CloseCode.TAKEN_OVER, 'resumed by another connection');
    }
    if (this.#remoteView !== undefined && this.#remoteView !== view)
      this.#writer?.note({ type: 'taken', view: this.#remoteView });
    this.#remoteView = view;
    if (this.#detachTimer) clearTimeout(this.#detachTimer);
    this.#detachTimer = undefined;
    this.#settings.logger.info(`session ${this.id}: resumed through another instance`);
  }

  /** A run taken over: connections following it from other instances are told to say again that they hold it. */
  restarted(): void {
    this.#writer?.note({ type: 'restarted' });
  }

  /** A resume took this fresh session's connection: the run stops unseen, nothing is sent or closed. */
  discard(): void {
    this.#discarded = true;
    const attached = this.#attached;
    this.#attached = undefined;
    attached?.connection.listen(undefined);
    attached?.out.dispose();
    this.#abort('superseded');
  }

  #attach(connection: Connection, after = 0): SendQueue {
    const out = new SendQueue({
      connection,
      maxBufferedBytes: this.#settings.maxBufferedBytes,
      slowConsumerMs: this.#settings.slowConsumerMs,
      onSlowConsumer: (slow) => this.#dropSlowConsumer(slow, connection),
    });
    this.#attached = { connection, out, after };
    this.alive = true;
    connection.listen({
      message: (data, isBinary) => this.#onMessage(data, isBinary, connection),
      ping: () => {
        if (this.#stop === undefined && this.#rate.over()) this.#rateLimited();
      },
      pong: () => {
        this.alive = true;
      },
      close: (clean) => this.#onClose(connection, clean),
      error: (error) => this.#onSocketError(error),
    });
    return out;
  }

  /** The connection closed: a resumable run goes on detached for the resume window; any other run is aborted. */
  #onClose(connection: Connection, clean: boolean): void {
    const attached = this.#attached;
    if (attached?.connection !== connection) return;
    this.#attached = undefined;
    attached.out.dispose();
    if (this.#endAfterClose) {
      // The run is over and its end was sent: a clean close proves the client read it, so its log can go now;
      // after a drop it is kept for a resume.
      this.#endAfterClose = false;
      this.#writer?.end(clean ? 0 : this.#settings.resumeWindowMs, this.#closeCode);
      return;
    }
    if (this.#stop !== undefined) return;
    if (!this.#resumable) {
      this.#abort('disconnected');
      return;
    }
    if (this.iostream.finished) return; // its end is in the log, for a resume
    this.#settings.logger.info(
      `session ${this.id}: connection lost; the run goes on, resumable for ${this.#settings.resumeWindowMs} ms`,
    );
    this.#settings.observer.detached(this.id);
    this.#startDetachTimer();
  }

  /** Nobody holds the session: the run goes on for the resume window, then is abandoned. */
  #startDetachTimer(): void {
    const windowMs = this.#settings.resumeWindowMs;
    if (this.#detachTimer) clearTimeout(this.#detachTimer);
    this.#detachTimer = setTimeout(() => {
      this.#settings.logger.info(`session ${this.id}: nobody resumed within ${windowMs} ms; the run is abandoned`);
      this.#abort('abandoned');
    }, windowMs);
    this.#detachTimer.unref();
  }

  /** Ends the run from outside: the model request and tools are aborted, the client is told why. */
  /**
   * Ends the run here from outside. `moved`: a durable run stops here because another instance runs it now (this one
   * is restarting, or lost its lease): nothing more is written, its client is closed with 1012 to resume elsewhere.
   */
  stop(reason: 'cancelled' | 'shutdown' | 'moved'): void {
    if (reason !== 'cancelled') this.#stopWaiting?.();
    this.#abort(reason);
  }

  /** How the run closed (or will close) its client's connection, once it ended. */
  get closeCode(): number {
    return this.#closeCode;
  }

  /** True for a durable run (a shared store): another instance can take it over. */
  get durable(): boolean {
    return this.iostream.journal !== undefined;
  }

  #abort(reason: SessionOutcome): void {
    if (this.#stop !== undefined) return;
    this.#stop = reason;
    if (this.#detachTimer) clearTimeout(this.#detachTimer);
    this.#controller.abort(new AbortedError(`The run was stopped: ${reason}.`));
  }

  #reportError(error: unknown): void {
    const message = this.#settings.redact(error instanceof Error ? error.message : String(error));
    this.#settings.logger.error(`session ${this.id}: onConnect failed: ${message}`);
    if (error instanceof Error && error.stack) this.#settings.logger.debug(error.stack);
    this.iostream.send({
      type: 'error',
      content: { error: message, code: wireErrorCode(error), fatal: true },
    });
  }

  /**
   * Sends the terminal event, lets a reading client get everything, and closes. Outcomes from broken rules closed the
   * socket already (see #fail). Resolves with how the session ended: a client dropped or gone while the end of the
   * run was still on its way changes a `completed` into `slow_consumer` or `disconnected`.
   */
  async #finish(outcome: SessionOutcome): Promise<SessionOutcome> {
    try {
      const terminal = terminalEvent(outcome, this.iostream.lastChatEnd);
      if (terminal) this.iostream.send(terminal);
    } catch (error) {
      this.#settings.logger.error(`session ${this.id}: cannot send the terminal event: ${String(error)}`);
    }
    // The close handshake has a short timeout that counts from the close frame, and the frame waits behind unsent
    // data: a reading client must get the end of the run first. Shutdown does not wait (it had its grace period).
    // Write-ahead: the end of the run reaches the client once the store holds it.
    await this.#writer?.flushed();
    // The store may have refused the end: another process runs the session now, or the store failed.
    if (this.#stop === 'moved' || this.#stop === 'store_unavailable') outcome = this.#stop;
    const out = this.#attached?.out;
    if (out && outcome !== 'shutdown' && outcome !== 'moved') {
      await new Promise<void>((resolve) => {
        this.#stopWaiting = resolve;
        void out.flushed().then(resolve);
      });
      this.#stopWaiting = undefined;
    }
    const code =
      outcome === 'error' || this.#stop === 'store_unavailable'
        ? CloseCode.INTERNAL_ERROR
        : outcome === 'shutdown'
          ? CloseCode.GOING_AWAY
          : outcome === 'moved'
            ? CloseCode.SERVICE_RESTART
            : CloseCode.NORMAL;
    this.#close(code);
    this.#abort(outcome);
    this.#closeCode = code;
    if (this.#writer && this.#stop !== 'moved') {
      // A client that dropped before it read the end can still resume to read it, for one window.
      if (this.#discarded) this.#writer.discard();
      else if (this.#stop === 'abandoned') this.#writer.end(0, code);
      else if (this.#attached) this.#endAfterClose = true;
      else this.#writer.end(this.#settings.resumeWindowMs, code);
    }
    return this.#stop ?? outcome;
  }

  /** Starts the closing handshake after everything queued (a no-op once the socket is closing). */
  #close(code: number, reason?: string): void {
    const attached = this.#attached;
    if (!attached?.connection.open) return;
    attached.out.flushNow();
    attached.connection.close(code, reason);
  }

  /** A frame about the connection, not the session (seq 0, not logged): `pong`. */
  #sendConnectionFrame(event: AgentEvent): void {
    this.#attached?.out.send(encodeEvent(event, 0, this.#sessionJson));
  }

  /**
   * The client stopped reading (see {@link SendQueue}): the socket is destroyed at once (a close frame would only
   * queue behind the unread data) so memory stays bounded even if onConnect keeps sending.
   */
  #dropSlowConsumer({ reason, unsent }: SlowConsumer, connection: Connection): void {
    const limit = this.#settings.maxBufferedBytes;
    const why =
      reason === 'ceiling'
        ? `the client reads slower than the run sends (${unsent} bytes unsent, ` +
          `more than ${CEILING_FACTOR} × the limit ${limit})`
        : `the client stopped reading (${unsent} bytes unsent, limit ${limit})` +
          (this.#settings.slowConsumerMs > 0 ? ` for ${this.#settings.slowConsumerMs} ms` : '');
    this.#settings.logger.warn(`session ${this.id}: ${why}; dropped the connection`);
    this.#abort('slow_consumer');
    connection.terminate();
  }

  /** Ends the session for a broken rule: a fatal error event saying what was wrong, then the close code. */
  #fail(outcome: SessionOutcome, closeCode: number, code: WireErrorCode, message: string): void {
    if (this.#stop !== undefined) return;
    this.#settings.logger.warn(`session ${this.id}: ${message} Closed with ${closeCode}.`);
    this.iostream.send({ type: 'error', content: { error: message, code, fatal: true } });
    this.#abort(outcome);
    this.#close(closeCode, outcome);
  }

  #rateLimited(): void {
    this.#fail(
      'rate_limited',
      CloseCode.POLICY_VIOLATION,
      'RATE_LIMITED',
      `Too many frames: more than ${this.#settings.maxFramesPerSecond} per second.`,
    );
  }

  /** ws closed the socket already (1009, 1002) and only tells us why; the client sees the close code. */
  #onSocketError(error: Error): void {
    const code = (error as { code?: unknown }).code;
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.#settings.logger.warn(
        `session ${this.id}: a frame was over the maximum message size (${this.#settings.maxMessageSize} bytes); ` +
          `closed with ${CloseCode.MESSAGE_TOO_BIG}`,
      );
      this.#abort('message_too_big');
    } else if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
      this.#settings.logger.warn(`session ${this.id}: websocket protocol error (${error.message}); closed`);
      this.#abort('protocol_error');
    } else {
      this.#settings.logger.debug(`session ${this.id}: socket error: ${error.message}`);
    }
  }

  #protocolError(message: string): void {
    this.#settings.observer.frameRejected('invalid_frame');
    this.iostream.send({ type: 'error', content: { error: message, code: 'PROTOCOL_ERROR', fatal: false } });
  }

  /** A plain answer; a client that piles up answers nobody asked for breaks the rules (memory must stay bounded). */
  #deliver(text: string): void {
    if (!this.iostream.deliver(text)) {
      this.#fail(
        'protocol_error',
        CloseCode.POLICY_VIOLATION,
        'TOO_MANY_ANSWERS',
        'Too many messages sent before the server asked for them; wait for an input request.',
      );
    }
  }

  #onMessage(data: Buffer, isBinary: boolean, connection: Connection): void {
    if (this.#stop !== undefined) return;
    this.#received += 1;
    if (this.#rate.over()) {
      this.#rateLimited();
      return;
    }
    const message = readClientMessage(data, isBinary, this.iostream.mode);
    switch (message.kind) {
      case 'invalid_data':
        this.#fail('invalid_data', CloseCode.INVALID_DATA, 'INVALID_DATA', message.message);
        return;
      case 'plain':
        this.#deliver(message.value);
        return;
      case 'refused':
        this.#protocolError(message.message);
        return;
    }
    const { frame } = message;
    switch (frame.type) {
      case 'ping':
        this.#sendConnectionFrame({ type: 'pong', content: {} });
        return;
      case 'resume':
        if (this.#received === 1) this.#settings.onResume(frame, connection, this);
        else this.#protocolError('resume must be the first frame of a new connection.');
        return;
      default:
        this.#command(frame);
    }
  }

  /** A client's frame for the run, from the connection attached here or through another instance. */
  #command(command: RunCommand, backlog = false): void {
    if (this.#stop !== undefined) return;
    switch (command.type) {
      case 'text':
        // A plain answer kept from before a takeover may have been used already: only answers by id are safe.
        if (!(backlog && this.#replays)) this.#deliver(command.value);
        return;
      case 'cancel':
        this.#abort('cancelled');
        return;
      case 'input_response':
        if (!this.iostream.answer(command.id, command.value) && !this.iostream.stash(command.id, command.value)) {
          if (backlog) return; // answered before this run took over
          this.#protocolError(
            `No pending input request has id ${echoClientValue(command.id)} (unknown or already answered).`,
          );
        }
        return;
      case 'attach':
        this.#remoteAttach(command.view);
        return;
      case 'detach':
        if (this.#remoteView !== command.view) return;
        this.#remoteView = undefined;
        if (!this.#attached && !this.iostream.finished) this.#startDetachTimer();
        return;
    }
  }
}
