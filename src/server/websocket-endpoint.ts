import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ServerError } from '../errors.js';
import type { InputTimeoutAction } from './io-websockets.js';
import type { Logger } from './logger.js';
import { consoleLogger } from './logger.js';
import type { OnConnect, SessionOutcome } from './session.js';
import { Session } from './session.js';
import type { Refusal } from './upgrade-guard.js';
import { checkUpgrade, selectProtocol, wantsColor, wantsJson } from './upgrade-guard.js';

/** Options of a websocket endpoint, shared by `runServer` and `attach`. Defaults in brackets. */
export interface EndpointOptions {
  /** Runs for every connection with that connection's IOWebsockets. Required. */
  onConnect: OnConnect;
  /** Required at the upgrade when set (`Authorization: Bearer`, or a `agentws.token.<token>` subprotocol). [none] */
  token?: string;
  /** Browser origins allowed besides the server's own; `'*'` allows any. [[]] */
  allowOrigins?: readonly string[];
  /** Host names accepted in the Host header; empty accepts any. [[] — runServer sets loopback names on loopback] */
  allowHosts?: readonly string[];
  /** Largest client frame in bytes; bigger frames close the socket with 1009. [1 MiB] */
  maxMessageSize?: number;
  /** Concurrent sessions; more are refused with HTTP 503. [1000] */
  maxSessions?: number;
  /** Client frames per second per session; more close the socket with 1008. [50] */
  maxFramesPerSecond?: number;
  /** How long an input request waits for the client, in ms; null waits forever. [30 minutes] */
  inputTimeoutMs?: number | null;
  /** On input timeout: `'end'` the run (termination input_timeout) or answer `'empty'` (AutoGen's no input). ['end'] */
  inputTimeoutAction?: InputTimeoutAction;
  /** Bytes a client may leave unread before the session is dropped as a slow consumer. [8 MiB] */
  maxBufferedBytes?: number;
  /** Ping interval; a peer that misses a pong by the next ping is dropped. 0 disables. [20 s] */
  pingIntervalMs?: number;
  /** On `close()`, how long running sessions may go on before they are stopped with 1001. [5 s] */
  shutdownGraceMs?: number;
  /** Paths that accept upgrades, for `attach()`. [['/', '/ws']] */
  paths?: readonly string[];
  /** Where to report refusals and failures. [warnings and errors to stderr] */
  logger?: Logger;
}

const DEFAULTS = {
  allowOrigins: [] as readonly string[],
  allowHosts: [] as readonly string[],
  maxMessageSize: 1024 * 1024,
  maxSessions: 1000,
  maxFramesPerSecond: 50,
  inputTimeoutMs: 30 * 60 * 1000 as number | null,
  inputTimeoutAction: 'end' as InputTimeoutAction,
  maxBufferedBytes: 8 * 1024 * 1024,
  pingIntervalMs: 20_000,
  shutdownGraceMs: 5_000,
  paths: ['/', '/ws'] as readonly string[],
  logger: consoleLogger,
};

type ResolvedOptions = typeof DEFAULTS & { onConnect: OnConnect; token: string | undefined };

function positive(name: string, value: number | null, allowZero = false): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ServerError('OPTION_INVALID', `Option ${name} must be a positive number, got ${String(value)}.`);
  }
}

function resolveOptions(options: EndpointOptions): ResolvedOptions {
  if (typeof options.onConnect !== 'function') {
    throw new ServerError('OPTION_INVALID', 'Option onConnect must be a function (iostream) => void | Promise<void>.');
  }
  const merged = { ...DEFAULTS, ...stripUndefined(options), token: options.token } as ResolvedOptions;
  if (merged.token !== undefined && (typeof merged.token !== 'string' || !/^[A-Za-z0-9._~-]{8,}$/.test(merged.token))) {
    throw new ServerError(
      'OPTION_INVALID',
      'Option token must be at least 8 characters of A-Z a-z 0-9 . _ ~ - (it travels in a subprotocol header).',
    );
  }
  positive('maxMessageSize', merged.maxMessageSize);
  positive('maxSessions', merged.maxSessions);
  positive('maxFramesPerSecond', merged.maxFramesPerSecond);
  positive('inputTimeoutMs', merged.inputTimeoutMs);
  positive('maxBufferedBytes', merged.maxBufferedBytes);
  positive('pingIntervalMs', merged.pingIntervalMs, true);
  positive('shutdownGraceMs', merged.shutdownGraceMs, true);
  if (merged.inputTimeoutAction !== 'end' && merged.inputTimeoutAction !== 'empty') {
    throw new ServerError('OPTION_INVALID', `Option inputTimeoutAction must be 'end' or 'empty'.`);
  }
  return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function refuse(socket: Duplex, refusal: Refusal): void {
  const reasons = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };
  const body = refusal.message + '\n';
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reasons[refusal.status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Events of a {@link WebsocketEndpoint}. */
export interface EndpointEvents {
  'session-start': [session: { id: string; mode: 'text' | 'json' }];
  'session-end': [session: { id: string; outcome: SessionOutcome; durationMs: number }];
}

/**
 * agentws's websocket endpoint: guards upgrades (Host, Origin, token, capacity), runs a session per connection,
 * keeps them alive with pings and shuts them down gracefully. `runServer` uses one; `attach` mounts one into any
 * `node:http` server (Express and Fastify included).
 */
export class WebsocketEndpoint extends EventEmitter<EndpointEvents> {
  readonly options: ResolvedOptions;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, Session>();
  readonly #runs = new Set<Promise<SessionOutcome>>();
  #closing = false;
  #pingTimer: NodeJS.Timeout | undefined;

  constructor(options: EndpointOptions) {
    super();
    this.options = resolveOptions(options);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.options.maxMessageSize,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: selectProtocol,
    });
    if (this.options.pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#ping(), this.options.pingIntervalMs);
      this.#pingTimer.unref();
    }
  }

  /** Sessions running now. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** True when `path` (the request URL's path) is one this endpoint serves. */
  matches(url: string | undefined): boolean {
    const path = new URL(url ?? '/', 'http://x').pathname;
    return this.options.paths.includes(path);
  }

  /** Takes over an upgrade request (call it from a server's `'upgrade'` event). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refusal = this.#check(req);
    if (refusal) {
      if (refusal.log) this.options.logger.warn(refusal.log);
      refuse(socket, refusal);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const id = randomUUID();
      const mode = wantsJson(req) ? 'json' : 'text';
      const session = new Session(ws, id, mode, wantsColor(req), this.options);
      this.#sessions.set(id, session);
      this.emit('session-start', { id, mode });
      const run = session.run().then((outcome) => {
        this.#sessions.delete(id);
        this.#runs.delete(run);
        this.emit('session-end', { id, outcome, durationMs: performance.now() - session.startedAt });
        return outcome;
      });
      this.#runs.add(run);
    });
  }

  /**
   * Adds this endpoint to an existing HTTP server: upgrades on its `paths` are handled here, others are left to
   * the server's other upgrade listeners (or refused with 404 when there are none).
   */
  attach(server: Server): this {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.matches(req.url)) this.handleUpgrade(req, socket, head);
      else if (server.listenerCount('upgrade') === 1) refuse(socket, { status: 404, message: 'No websocket here.' });
    });
    return this;
  }

  /**
   * Stops taking sessions; running ones get `shutdownGraceMs` to finish, then are stopped (termination shutdown,
   * close 1001, model requests aborted). Resolves when every session has ended.
   */
  async close(graceMs = this.options.shutdownGraceMs): Promise<void> {
    this.#closing = true;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    if (this.#runs.size > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#runs]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const session of this.#sessions.values()) session.stop('shutdown');
    await Promise.allSettled([...this.#runs]);
  }

  #check(req: IncomingMessage): Refusal | undefined {
    if (this.#closing) return { status: 503, message: 'The server is shutting down.' };
    const refusal = checkUpgrade(req, this.options);
    if (refusal) return refusal;
    if (this.#sessions.size >= this.options.maxSessions) {
      return {
        status: 503,
        message: `The server is full (${this.options.maxSessions} sessions). Try again later.`,
        log: `refused a session: ${this.options.maxSessions} sessions running (--max-sessions)`,
      };
    }
    return undefined;
  }

  #ping(): void {
    for (const session of this.#sessions.values()) session.ping();
  }
}

/**
 * Mounts agentws's websocket endpoint into an existing `node:http` server (also Express's `app.listen()` result and
 * Fastify's `fastify.server`).
 * @example const endpoint = attach(server, { path: '/agents', onConnect });
 */
export function attach(server: Server, options: EndpointOptions & { path?: string }): WebsocketEndpoint {
  const { path, ...rest } = options;
  const endpoint = new WebsocketEndpoint(path === undefined ? rest : { ...rest, paths: [path] });
  endpoint.attach(server);
  server.on('close', () => void endpoint.close(0));
  return endpoint;
}
