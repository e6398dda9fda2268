import { ServerError } from '../errors.js';
import { noopSessionObserver, type SessionObserver } from '../observability/session-observer.js';
import { MemorySessionStore } from '../store/memory-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { InputTimeoutAction } from './io-websockets.js';
import type { Logger } from './logger.js';
import { consoleLogger } from './logger.js';
import type { OnConnect } from './session.js';
import { normalizeOrigin } from './upgrade-guard.js';

/** Options of a websocket endpoint, shared by `runServer` and `attach`. Defaults in brackets. */
export interface EndpointOptions {
  /** Runs for every connection with that connection's IOWebsockets. Required. */
  onConnect: OnConnect;
  /**
   * Required at the upgrade when set: `Authorization: Bearer <token>`, or a `agentws.token.<token>` subprotocol
   * entry (browsers). Never accepted in the query string. At least 8 of `A-Z a-z 0-9 . _ ~ -`. [none]
   */
  token?: string;
  /** Browser origins allowed besides the server's own, as browsers send them (`https://example.com`); `'*'` allows any. [[]] */
  allowOrigins?: readonly string[];
  /** Host names accepted in the Host header; empty accepts any. [[] — runServer sets loopback names on loopback] */
  allowHosts?: readonly string[];
  /** Largest client frame in bytes; bigger frames close the socket with 1009. [1 MiB] */
  maxMessageSize?: number;
  /** Concurrent sessions; more are refused with HTTP 503. [1000] */
  maxSessions?: number;
  /** Client frames (pings included) per second per session; more end the session with 1008. [50] */
  maxFramesPerSecond?: number;
  /** How long an input request waits for the client, in ms; null waits forever. [30 minutes] */
  inputTimeoutMs?: number | null;
  /** On input timeout: `'end'` the run (termination input_timeout) or answer `'empty'` (AutoGen's no input). ['end'] */
  inputTimeoutAction?: InputTimeoutAction;
  /**
   * Unsent bytes per session above which a client that reads nothing for `slowConsumerMs` is dropped as a slow
   * consumer; 32 times this drops it at once, even while it reads. [8 MiB]
   */
  maxBufferedBytes?: number;
  /**
   * How long a client's unsent data may stay above `maxBufferedBytes` with nothing delivered before the session is
   * dropped; a client that keeps reading is never dropped for a burst. 0 drops the moment the limit is passed (and
   * closes without waiting for the client to read the end of the run). [30 s]
   */
  slowConsumerMs?: number;
  /**
   * JSON mode: how long a session's run goes on after its connection drops, waiting for the client to resume it (and
   * how long an ended session's log is kept for a late resume), in ms. 0 aborts the run on disconnect, as text mode
   * always does. [120 s]
   */
  resumeWindowMs?: number;
  /** Size of the events kept per session for resume, in characters (about bytes: frames are JSON); older events are dropped past it (a resume then fails). [8 Mi] */
  maxLogBytes?: number;
  /** Where sessions' logs are kept. [an in-memory store with `maxLogBytes`] */
  store?: SessionStore;
  /**
   * With a shared store (Redis): run no JSON session here; each goes to the instances that run sessions (`agentws
   * worker`, or `serve` without this option) through the store, and this one relays it to its client. So that fronts
   * and workers scale apart. Text-mode sessions (not durable) still run here. [false]
   */
  frontOnly?: boolean;
  /** Ping interval; a peer that misses a pong by the next ping is dropped. 0 disables. [20 s] */
  pingIntervalMs?: number;
  /** On `close()`, how long running sessions may go on before they are stopped with 1001. [5 s] */
  shutdownGraceMs?: number;
  /** Paths that accept upgrades, for `attach()`. [['/', '/ws']] */
  paths?: readonly string[];
  /** Where to report refusals and failures; every line is scrubbed of the token and `secrets`. [warnings and errors to stderr] */
  logger?: Logger;
  /** More values to keep out of log lines and error events, e.g. the API keys of the config list. [[]] */
  secrets?: readonly string[];
  /**
   * Let agents run the code blocks they are sent (`codeExecutionConfig`): remote code execution by design, for
   * whoever can open a session. `runServer` refuses it on a non-loopback host without a token. [false]
   */
  allowCodeExecution?: boolean;
  /** Told of detaches, resumes and refused frames, for metrics (`AgentwsMetrics` is one). [none] */
  observer?: SessionObserver;
}

/** setTimeout's largest delay: a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

const DEFAULTS = {
  allowOrigins: [] as readonly string[],
  allowHosts: [] as readonly string[],
  maxMessageSize: 1024 * 1024,
  maxSessions: 1000,
  maxFramesPerSecond: 50,
  inputTimeoutMs: (30 * 60 * 1000) as number | null,
  inputTimeoutAction: 'end' as InputTimeoutAction,
  maxBufferedBytes: 8 * 1024 * 1024,
  slowConsumerMs: 30_000,
  resumeWindowMs: 120_000,
  maxLogBytes: 8 * 1024 * 1024,
  pingIntervalMs: 20_000,
  shutdownGraceMs: 5_000,
  paths: ['/', '/ws'] as readonly string[],
  logger: consoleLogger as Logger,
  secrets: [] as readonly string[],
  allowCodeExecution: false,
  frontOnly: false,
  observer: noopSessionObserver as SessionObserver,
};

/** The options with every default filled in and checked. */
export type ResolvedOptions = typeof DEFAULTS & {
  onConnect: OnConnect;
  token: string | undefined;
  store: SessionStore;
};

function checkNumber(
  name: string,
  value: number | null,
  { allowZero = false, integer = false, max = Infinity } = {},
): void {
  if (value === null) return;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (allowZero ? value >= 0 : value > 0) &&
    (!integer || Number.isInteger(value)) &&
    value <= max;
  if (!ok) {
    const what = integer ? 'a positive whole number' : 'a positive number';
    const bound = Number.isFinite(max) ? ` up to ${max}` : '';
    throw new ServerError(
      'OPTION_INVALID',
      `Option ${name} must be ${what}${allowZero ? ' or 0' : ''}${bound}, got ${String(value)}.`,
    );
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Merges `options` over the defaults once and checks them; bad values throw `OPTION_INVALID` naming the option. */
export function resolveOptions(options: EndpointOptions): ResolvedOptions {
  if (typeof options.onConnect !== 'function') {
    throw new ServerError('OPTION_INVALID', 'Option onConnect must be a function (iostream) => void | Promise<void>.');
  }
  const merged = { ...DEFAULTS, ...stripUndefined(options), token: options.token } as ResolvedOptions;
  if (merged.token !== undefined && (typeof merged.token !== 'string' || !/^[A-Za-z0-9._~-]{8,}$/.test(merged.token))) {
    // The value is never echoed: it is a secret even when malformed.
    throw new ServerError(
      'OPTION_INVALID',
      'Option token (--token / AGENTWS_TOKEN) must be at least 8 characters of A-Z a-z 0-9 . _ ~ - ' +
        '(it travels in a subprotocol header). Generate one with: openssl rand -hex 24',
    );
  }
  if (!Array.isArray(merged.allowOrigins)) {
    throw new ServerError('OPTION_INVALID', 'Option allowOrigins must be a list of origins.');
  }
  merged.allowOrigins = merged.allowOrigins.map(normalizeOrigin);
  checkNumber('maxMessageSize', merged.maxMessageSize, { integer: true });
  checkNumber('maxSessions', merged.maxSessions, { integer: true });
  checkNumber('maxFramesPerSecond', merged.maxFramesPerSecond);
  checkNumber('inputTimeoutMs', merged.inputTimeoutMs, { max: MAX_TIMER_MS });
  checkNumber('maxBufferedBytes', merged.maxBufferedBytes, { integer: true });
  checkNumber('slowConsumerMs', merged.slowConsumerMs, { allowZero: true, max: MAX_TIMER_MS });
  checkNumber('resumeWindowMs', merged.resumeWindowMs, { allowZero: true, max: MAX_TIMER_MS });
  checkNumber('maxLogBytes', merged.maxLogBytes, { integer: true });
  merged.store = options.store ?? new MemorySessionStore({ maxLogBytes: merged.maxLogBytes });
  checkNumber('pingIntervalMs', merged.pingIntervalMs, { allowZero: true, max: MAX_TIMER_MS });
  checkNumber('shutdownGraceMs', merged.shutdownGraceMs, { allowZero: true, max: MAX_TIMER_MS });
  if (typeof merged.allowCodeExecution !== 'boolean') {
    throw new ServerError('OPTION_INVALID', 'Option allowCodeExecution must be true or false.');
  }
  if (merged.frontOnly && (!merged.store.dispatch || !merged.store.runs)) {
    throw new ServerError(
      'OPTION_INVALID',
      'Option frontOnly (--front-only) needs a shared store: give --store redis://….',
    );
  }
  if (merged.frontOnly && merged.resumeWindowMs === 0) {
    throw new ServerError('OPTION_INVALID', 'Option frontOnly (--front-only) needs a resume window above 0.');
  }
  if (merged.inputTimeoutAction !== 'end' && merged.inputTimeoutAction !== 'empty') {
    throw new ServerError('OPTION_INVALID', `Option inputTimeoutAction must be 'end' or 'empty'.`);
  }
  return merged;
}
