import type { RawData, WebSocket } from 'ws';
import { AbortedError, InputTimeoutError, isAbortError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import type { AgentEvent, TerminationReason } from '../protocol/events.js';
import { ClientFrameError, parseClientFrame } from '../protocol/json-codec.js';
import { VERSION } from '../version.js';
import { CloseCode } from './close-codes.js';
import type { InputTimeoutAction, WireMode } from './io-websockets.js';
import { IOWebsockets } from './io-websockets.js';
import type { Logger } from './logger.js';

/** What runs for every connection. */
export type OnConnect = (iostream: IOWebsockets) => unknown;

/** How a session ended (logged by `agentws serve`, given to `session-end` listeners). */
export type SessionOutcome =
  | 'completed'
  | 'cancelled'
  | 'input_timeout'
  | 'shutdown'
  | 'disconnected'
  | 'error'
  | 'rate_limited'
  | 'slow_consumer';

/** @internal Limits and behaviour every session of an endpoint shares. */
export interface SessionSettings {
  onConnect: OnConnect;
  logger: Logger;
  maxMessageSize: number;
  maxFramesPerSecond: number;
  inputTimeoutMs: number | null;
  inputTimeoutAction: InputTimeoutAction;
  maxBufferedBytes: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One connection's run: its IOWebsockets, its abort controller, the frames the client sends, and the single terminal
 * event plus close code that end it.
 */
export class Session {
  readonly id: string;
  readonly startedAt = performance.now();
  readonly iostream: IOWebsockets;
  readonly #ws: WebSocket;
  readonly #settings: SessionSettings;
  readonly #controller = new AbortController();
  #stop: SessionOutcome | undefined;
  #framesThisSecond = 0;
  #secondStartedAt = 0;
  /** Set while the socket is still answering pings (see the endpoint's keepalive). */
  alive = true;

  constructor(ws: WebSocket, id: string, mode: WireMode, color: boolean, settings: SessionSettings) {
    this.id = id;
    this.#ws = ws;
    this.#settings = settings;
    this.iostream = new IOWebsockets({
      ws,
      sessionId: id,
      mode,
      color,
      signal: this.#controller.signal,
      inputTimeoutMs: settings.inputTimeoutMs,
      inputTimeoutAction: settings.inputTimeoutAction,
      maxBufferedBytes: settings.maxBufferedBytes,
      onOverflow: () => this.#dropSlowConsumer(),
    });
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.#abort('disconnected'));
    ws.on('error', (error) => settings.logger.debug(`session ${id}: socket error: ${error.message}`));
  }

  /** Runs `onConnect` to its end and closes the socket; resolves with the outcome, never rejects. */
  async run(): Promise<SessionOutcome> {
    const { iostream } = this;
    if (iostream.mode === 'json') {
      iostream.send({
        type: 'session',
        content: {
          id: this.id,
          protocol: 'agentws.v1',
          server: { name: 'agentws', version: VERSION },
          limits: { max_message_size: this.#settings.maxMessageSize, input_timeout_ms: this.#settings.inputTimeoutMs },
        },
      });
    }
    let outcome: SessionOutcome;
    try {
      await IOStream.withDefault(iostream, () => this.#settings.onConnect(iostream));
      outcome = this.#stop ?? 'completed';
    } catch (error) {
      outcome = this.#stop ?? (error instanceof InputTimeoutError ? 'input_timeout' : isAbortError(error) ? 'cancelled' : 'error');
      if (outcome === 'error') this.#reportError(error);
    }
    this.#finish(outcome);
    return outcome;
  }

  /** Keepalive: drops a peer that did not answer the previous ping. */
  ping(): void {
    if (!this.alive) {
      this.#settings.logger.debug(`session ${this.id}: no pong; dropping the connection`);
      this.#ws.terminate();
      return;
    }
    this.alive = false;
    this.#ws.ping();
  }

  /** Ends the run from outside: the model request and tools are aborted, the client is told why. */
  stop(reason: 'cancelled' | 'shutdown'): void {
    this.#abort(reason);
  }

  #abort(reason: SessionOutcome): void {
    if (this.#stop !== undefined) return;
    this.#stop = reason;
    this.#controller.abort(new AbortedError(`The run was stopped: ${reason}.`));
  }

  #reportError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    this.#settings.logger.error(`session ${this.id}: onConnect failed: ${message}`);
    if (error instanceof Error && error.stack) this.#settings.logger.debug(error.stack);
    this.iostream.send({
      type: 'error',
      content: { error: message, code: typeof code === 'string' ? code : 'INTERNAL_ERROR', fatal: true },
    });
  }

  #terminalEvent(outcome: SessionOutcome): AgentEvent | undefined {
    const termination = (reason: TerminationReason, text: string): AgentEvent => ({
      type: 'termination',
      content: { reason, termination_reason: text },
    });
    switch (outcome) {
      case 'completed': {
        const last = this.iostream.lastChatEnd;
        return {
          type: 'run_completion',
          content: {
            summary: last?.summary ?? null,
            history: last?.history ?? [],
            cost: last?.cost ?? null,
            last_speaker: last?.history.at(-1)?.name ?? null,
            termination_reason: last?.termination_reason ?? null,
          },
        };
      }
      case 'cancelled':
        return termination('cancelled', 'The client cancelled the run.');
      case 'shutdown':
        return termination('shutdown', 'The server is shutting down.');
      case 'input_timeout':
        return termination('input_timeout', 'No answer to an input request in time.');
      default:
        return undefined;
    }
  }

  #finish(outcome: SessionOutcome): void {
    const terminal = this.#terminalEvent(outcome);
    if (terminal) this.iostream.send(terminal);
    const code =
      outcome === 'error'
        ? CloseCode.INTERNAL_ERROR
        : outcome === 'shutdown'
          ? CloseCode.GOING_AWAY
          : outcome === 'rate_limited' || outcome === 'slow_consumer'
            ? CloseCode.POLICY_VIOLATION
            : CloseCode.NORMAL;
    if (outcome === 'slow_consumer') this.#ws.terminate();
    else if (this.#ws.readyState === 1) this.#ws.close(code);
    this.#abort(outcome);
  }

  #dropSlowConsumer(): void {
    if (this.#stop !== undefined) return;
    this.#settings.logger.warn(`session ${this.id}: client stopped reading; dropped (send buffer over the limit)`);
    this.#abort('slow_consumer');
  }

  #protocolError(message: string, fatal = false): void {
    this.iostream.send({ type: 'error', content: { error: message, code: 'PROTOCOL_ERROR', fatal } });
  }

  #overRate(): boolean {
    const now = performance.now();
    if (now - this.#secondStartedAt >= 1000) {
      this.#secondStartedAt = now;
      this.#framesThisSecond = 0;
    }
    this.#framesThisSecond += 1;
    return this.#framesThisSecond > this.#settings.maxFramesPerSecond;
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#stop !== undefined) return;
    if (this.#overRate()) {
      this.iostream.send({
        type: 'error',
        content: {
          error: `Too many frames: more than ${this.#settings.maxFramesPerSecond} per second.`,
          code: 'RATE_LIMITED',
          fatal: true,
        },
      });
      this.#abort('rate_limited');
      this.#ws.close(CloseCode.POLICY_VIOLATION, 'rate limited');
      return;
    }
    let text: string;
    try {
      text = decoder.decode(Array.isArray(data) ? Buffer.concat(data) : (data as Buffer));
    } catch {
      this.#protocolError(`A ${isBinary ? 'binary' : 'text'} frame was not valid UTF-8; it was ignored.`);
      return;
    }
    if (this.iostream.mode === 'text') {
      this.iostream.deliver(text);
      return;
    }
    let frame;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      if (error instanceof ClientFrameError) this.#protocolError(error.message);
      return;
    }
    switch (frame.type) {
      case 'text':
        this.iostream.deliver(frame.value);
        return;
      case 'ping':
        this.iostream.send({ type: 'pong', content: {} });
        return;
      case 'cancel':
        this.#abort('cancelled');
        return;
      case 'input_response':
        if (!this.iostream.answer(frame.id, frame.value)) {
          this.#protocolError(`No pending input request has id ${JSON.stringify(frame.id)} (unknown or already answered).`);
        }
        return;
    }
  }
}
