import { randomUUID } from 'node:crypto';
import { AbortedError, InputTimeoutError, SessionClosedError } from '../errors.js';
import type { InputOptions, IOStream } from '../io/iostream.js';
import { splitPrintArgs } from '../io/print-args.js';
import type { AgentEvent, ChatEndEvent } from '../protocol/events.js';
import { isTerminalEvent } from '../protocol/events.js';
import { encodeEvent } from '../protocol/json-codec.js';
import { renderText } from '../protocol/text-renderer.js';
import type { AgentwsServer, ServerOptions } from './agentws-server.js';
import type { DurableRun } from './durable-run.js';
import type { RunJournal } from '../io/run-journal.js';
import type { LlmCache } from '../llm/cache/llm-cache.js';

/** How a connection's events are written: AutoGen text frames, or `agentws.v1` JSON envelopes. */
export type WireMode = 'text' | 'json';

/** What to do when the client does not answer an input request in time. */
export type InputTimeoutAction = 'end' | 'empty';

/** @internal Where an IOWebsockets puts its encoded frames: the session's log and the client attached now. */
export interface FrameSink {
  /** False once no frame can reach anyone any more (the run's connection closed, and nothing keeps a log). */
  readonly accepting: boolean;
  /** Bytes the attached client has not been sent yet. */
  readonly unsent: number;
  write(frame: string, seq: number): void;
  /** The input requests waiting for an answer changed (their ids, oldest first). */
  pending?(ids: string[]): void;
}

/** @internal Built by the session. */
export interface IOWebsocketsInit {
  sink: FrameSink;
  sessionId: string;
  mode: WireMode;
  color: boolean;
  signal: AbortSignal;
  inputTimeoutMs: number | null;
  inputTimeoutAction: InputTimeoutAction;
  /** Characters of type-ahead answers kept for input() calls not made yet. */
  maxBufferedBytes: number;
  /** A durable run (shared store, JSON mode): its journal, and what it replays when taken over. */
  durable?: DurableRun;
  /** The seq of the last event sent already (a run taken over starts after the session event). [0] */
  sent?: number;
  /** The shared cache of model replies for a seed (a server with a Redis store). */
  llmCache?: (seed: string) => LlmCache;
  /** The endpoint's `allowCodeExecution`. Default false. */
  allowCodeExecution?: boolean;
}

interface PendingInput {
  id: string;
  resolve: (value: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Removes the listener on the caller's signal (a long-lived signal must not collect one per input). */
  cleanup: (() => void) | undefined;
}

/** Answers by id kept for a durable run's input requests not made yet. */
const MAX_STASHED = 100;

/** Answers kept for input() calls not made yet: a client may type ahead, but not without bound. */
const MAX_EARLY_ANSWERS = 1000;

/**
 * The IOStream of one websocket connection (AutoGen's IOWebsockets). Agents print and ask through it; each event
 * goes out in the connection's wire mode, and `input()` resolves with the client's answer.
 */
export class IOWebsockets implements IOStream {
  /** The session id (also in every JSON frame). */
  readonly id: string;
  readonly mode: WireMode;
  readonly signal: AbortSignal;
  /** Whether agents may run code in this session: the endpoint's `allowCodeExecution` (`serve --allow-code-execution`). */
  readonly allowsCodeExecution: boolean;
  /** The cache of model replies for `llmConfig.cacheSeed` shared by the server's instances, when it has one. */
  readonly llmCache: ((seed: string) => LlmCache) | undefined;
  /** The run's journal when it is durable (a shared session store): see {@link RunJournal}. */
  readonly journal: RunJournal | undefined;
  /** @internal The last `chat_end` this run emitted, for `run_completion`. */
  lastChatEnd: ChatEndEvent['content'] | undefined;

  readonly #sink: FrameSink;
  readonly #sessionJson: string;
  readonly #color: boolean;
  readonly #init: IOWebsocketsInit;
  #seq = 0;
  #finished = false;
  /** JSON mode: requests in the order they were made (plain text frames answer the oldest). */
  readonly #pending: PendingInput[] = [];
  /**
   * Durable runs: answers by id to input requests not made yet (a run taken over is still replaying up to them). Ids
   * of durable runs are the same in every try, so such an answer is for the request this run will make.
   */
  readonly #stashed = new Map<string, string>();
  /** Answers that arrived before anyone asked (e.g. the first message, sent right after connecting). */
  readonly #early: string[] = [];
  #earlyChars = 0;

  /** @internal Use {@link IOWebsockets.runServer} or `attach()`; sessions build these. */
  constructor(init: IOWebsocketsInit) {
    this.#init = init;
    this.#sink = init.sink;
    this.id = init.sessionId;
    this.mode = init.mode;
    this.signal = init.signal;
    this.allowsCodeExecution = init.allowCodeExecution === true;
    this.#color = init.color;
    this.#sessionJson = JSON.stringify(init.sessionId);
    this.#seq = init.sent ?? 0;
    this.journal = init.durable;
    this.llmCache = init.llmCache;
    init.durable?.bind({
      get sent() {
        return io.#seq;
      },
      jumpTo: (seq) => {
        this.#seq = seq;
      },
      send: (event) => this.send(event),
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the seq control's getter reads this stream's seq
    const io = this;
    init.signal.addEventListener('abort', () => this.#rejectPending(), { once: true });
  }

  /**
   * Starts a websocket server that runs `onConnect` for every connection with that connection's IOWebsockets.
   * @example await using server = await IOWebsockets.runServer({ onConnect, port: 8765 });
   */
  static runServer: (options: ServerOptions) => Promise<AgentwsServer> = () =>
    // Attached by the package's entry point (src/index.ts), as ws's index.js attaches WebSocket.Server: the server
    // modules import this one, so importing them here would make a cycle.
    Promise.reject(new Error("IOWebsockets.runServer: import IOWebsockets from 'agentws'."));

  /** Number of events sent so far (the `seq` of the last JSON frame). */
  get sent(): number {
    return this.#seq;
  }

  /**
   * Bytes sent but not yet handed to the operating system: grows when the client reads slowly. Above the server's
   * `maxBufferedBytes` with nothing delivered for `slowConsumerMs` the session is dropped; an `onConnect` producing a
   * lot may wait while this is high.
   */
  get bufferedAmount(): number {
    return this.#sink.unsent;
  }

  /** True once the run's terminal event went out: nothing more is sent. */
  get finished(): boolean {
    return this.#finished;
  }

  print(...objects: unknown[]): void {
    this.send({ type: 'print', content: splitPrintArgs(objects) });
  }

  send(event: AgentEvent): void {
    if (this.#finished || !this.#sink.accepting) return;
    if (event.type === 'chat_end') this.lastChatEnd = event.content;
    if (this.mode === 'json') {
      this.#seq += 1;
      const frame = encodeEvent(event, this.#seq, this.#sessionJson);
      // A run taken over sends again what it sent before: the client has those events already.
      if (this.#init.durable?.replayed(frame, this.#seq) !== true) this.#sink.write(frame, this.#seq);
    } else if (event.type === 'stream') {
      this.#seq += 1;
      this.#sink.write(event.content.content, this.#seq);
    } else {
      for (const frame of renderText(event, { color: this.#color })) {
        this.#seq += 1;
        this.#sink.write(frame, this.#seq);
      }
    }
    if (isTerminalEvent(event)) this.#finished = true;
  }

  /**
   * Asks the client. Text mode sends the prompt as a raw frame (as upstream) and takes the next frame as the answer;
   * JSON mode sends an `input_request` whose `id` the answer must carry.
   */
  input(prompt = '', options: InputOptions = {}): Promise<string> {
    if (this.signal.aborted) return Promise.reject(this.#abortError());
    const timeoutMs = this.#init.inputTimeoutMs;
    const durable = this.#init.durable;
    let id = '';
    const ask = (): void => {
      // A durable run's ids are the same when it is replayed: the client may be answering the first one.
      id = durable ? `input-${this.#seq + 1}` : randomUUID();
      this.send({
        type: 'input_request',
        content: { id, prompt, password: options.password === true, timeout_ms: timeoutMs },
      });
    };
    const typedAhead = (): string | undefined => {
      const early = this.#early.shift();
      if (early !== undefined) this.#earlyChars -= early.length;
      return early;
    };
    const answer = (): Promise<string> => this.#waitForAnswer(id, timeoutMs, options.signal);
    if (durable) return durable.input(ask, answer, typedAhead);
    const early = typedAhead();
    if (early !== undefined) return Promise.resolve(early);
    ask();
    return answer();
  }

  #waitForAnswer(id: string, timeoutMs: number | null, outer: AbortSignal | undefined): Promise<string> {
    if (this.signal.aborted) return Promise.reject(this.#abortError());
    const stashed = this.#stashed.get(id);
    if (stashed !== undefined) {
      this.#stashed.delete(id);
      return Promise.resolve(stashed);
    }
    return new Promise<string>((resolve, reject) => {
      const pending: PendingInput = { id, resolve, reject, timer: undefined, cleanup: undefined };
      this.#pending.push(pending);
      this.#sink.pending?.(this.pendingInputIds);
      if (timeoutMs !== null) {
        pending.timer = setTimeout(() => this.#timeOut(pending), timeoutMs);
        pending.timer.unref();
      }
      if (outer) {
        const onAbort = (): void =>
          this.#settle(pending, undefined, new AbortedError('The input request was aborted.'));
        if (outer.aborted) onAbort();
        else {
          outer.addEventListener('abort', onAbort, { once: true });
          pending.cleanup = () => outer.removeEventListener('abort', onAbort);
        }
      }
    });
  }

  /**
   * @internal A plain answer (text mode: any frame; JSON mode: a non-JSON frame): goes to the oldest request, or is
   * kept for the next one. Returns false when too much is kept already (the session then ends).
   */
  deliver(value: string): boolean {
    const oldest = this.#pending[0];
    if (oldest) {
      this.#settle(oldest, value);
      return true;
    }
    if (this.#early.length >= MAX_EARLY_ANSWERS || this.#earlyChars + value.length > this.#init.maxBufferedBytes) {
      return false;
    }
    this.#early.push(value);
    this.#earlyChars += value.length;
    return true;
  }

  /** @internal Ids of the input requests waiting for an answer, oldest first. */
  get pendingInputIds(): string[] {
    return this.#pending.map((pending) => pending.id);
  }

  /**
   * @internal Durable runs: keeps an answer to a request this run has not made yet (bounded); false when it cannot
   * be one (not a durable run, an id of a request made already, too many kept).
   */
  stash(id: string, value: string): boolean {
    if (!this.#init.durable || this.#stashed.size >= MAX_STASHED) return false;
    const seq = /^input-(\d+)$/.exec(id);
    if (!seq || Number(seq[1]) <= this.#seq) return false;
    this.#stashed.set(id, value);
    return true;
  }

  /** @internal A JSON `input_response`. Returns false when no pending request has that id. */
  answer(id: string, value: string): boolean {
    const pending = this.#pending.find((p) => p.id === id);
    if (!pending) return false;
    this.#settle(pending, value);
    return true;
  }

  #timeOut(pending: PendingInput): void {
    if (this.#init.inputTimeoutAction === 'empty') this.#settle(pending, '');
    else
      this.#settle(
        pending,
        undefined,
        new InputTimeoutError(`No answer to the input request within ${this.#init.inputTimeoutMs} ms.`),
      );
  }

  #settle(pending: PendingInput, value: string | undefined, error?: Error): void {
    const index = this.#pending.indexOf(pending);
    if (index === -1) return;
    this.#pending.splice(index, 1);
    this.#sink.pending?.(this.pendingInputIds);
    if (pending.timer) clearTimeout(pending.timer);
    pending.cleanup?.();
    if (error) pending.reject(error);
    else pending.resolve(value ?? '');
  }

  #abortError(): Error {
    const reason: unknown = this.signal.reason;
    return reason instanceof Error ? reason : new SessionClosedError();
  }

  #rejectPending(): void {
    const error = this.#abortError();
    for (const pending of [...this.#pending]) this.#settle(pending, undefined, error);
  }
}
