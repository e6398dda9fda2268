import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerOptions, WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { Redactor } from './redact.js';
import { createRedactor, redactingLogger } from './redact.js';
import type { SessionOutcome } from './session.js';
import type { SessionSettings } from './session-settings.js';
import type { ResumeFrame } from '../protocol/events.js';
import { decodeClientFrame, encodeEvent } from '../protocol/json-codec.js';
import { CloseCode } from './close-codes.js';
import type { Connection } from './connection.js';
import type { EndpointOptions, ResolvedOptions } from './endpoint-options.js';
export type { EndpointOptions } from './endpoint-options.js';
import { resolveOptions } from './endpoint-options.js';
import { Session } from './session.js';
import { isSharedStore, RemoteView } from './remote-view.js';
import { echoId, resumeSession } from './resume-request.js';
import { dispatch, handOver, startRuns, takeOver, type RunHost } from './durable-runs.js';
import { wsConnection } from './ws-connection.js';
import type { Refusal } from './upgrade-guard.js';
import { checkUpgrade, selectProtocol, wantsColor, wantsJson, wantsResume } from './upgrade-guard.js';
import type { RequestTarget } from './request-target.js';
import { parseRequestTarget } from './request-target.js';

/** How long a closing handshake may take before the socket is destroyed (ws's default is 30 s). */
const CLOSE_HANDSHAKE_MS = 2_000;
/** How long a connection that announced a resume may take to send the resume frame. */
const RESUME_FRAME_MS = 10_000;
/** Distinct refusals remembered for log-once; the set starts over when full. */
const MAX_LOGGED_REFUSALS = 1_000;

const REASONS = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** A request target that does not parse (`//`, `http://[`): never ours, never a reason to throw. */
const BAD_TARGET: Refusal = { status: 400, message: 'Bad request target: send a path such as /ws.' };
const NOT_HERE: Refusal = { status: 404, message: 'No websocket here.' };

function refuse(socket: Duplex, refusal: Refusal): void {
  const body = refusal.message + '\n';
  const extra =
    refusal.status === 401 ? 'WWW-Authenticate: Bearer\r\n' : refusal.status === 503 ? 'Retry-After: 5\r\n' : '';
  // Destroy once written: a refused client must not keep the socket open (ws's abortHandshake does the same).
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status]}\r\nConnection: close\r\n${extra}` +
      `Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n` +
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
  /** Scrubs the token and `secrets` from text; the endpoint's logger and error events go through it. */
  readonly redact: Redactor;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, Session>();
  /** Connections following sessions whose runs are on other instances (shared store). */
  readonly #views = new Set<RemoteView>();
  readonly #ownsStore: boolean;
  readonly #runs = new Set<Promise<SessionOutcome>>();
  readonly #runOf = new Map<Session, Promise<SessionOutcome>>();
  /** Every upgraded socket until it is closed (a session's run may end before its closing handshake does). */
  readonly #sockets = new Map<WebSocket, Promise<void>>();
  readonly #logged = new Set<string>();
  #closing = false;
  #pingTimer: NodeJS.Timeout | undefined;

  constructor(options: EndpointOptions) {
    super();
    const resolved = resolveOptions(options);
    this.#ownsStore = options.store === undefined;
    this.redact = createRedactor([resolved.token, ...resolved.secrets]);
    this.options = { ...resolved, logger: redactingLogger(resolved.logger, this.redact) };
    const wsOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      maxPayload: this.options.maxMessageSize,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: selectProtocol,
      // Not in @types/ws 8.18 yet: how long a closing handshake may take before the socket is destroyed.
      closeTimeout: CLOSE_HANDSHAKE_MS,
      // Sessions check UTF-8 themselves so the client gets an error event saying so before the 1007 close.
      skipUTF8Validation: true,
    };
    this.#wss = new WebSocketServer(wsOptions);
    if (this.options.pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.keepalive(), this.options.pingIntervalMs);
      this.#pingTimer.unref();
    }
    // With a shared store, this instance takes over durable runs whose process died or restarted (a front-only
    // one runs none).
    if (!this.options.frontOnly) startRuns(this.#host);
    if (this.options.allowOrigins.includes('*') && this.options.token === undefined) {
      this.options.logger.warn(
        'allowing websockets from any origin without a token: every web page opened in a browser on this machine ' +
          'can start agent sessions, spend your API credits and run your tools. Set --token, or list origins.',
      );
    }
  }

  /** Sessions running now. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** True once {@link close} was called: new upgrades are refused with 503. */
  get closing(): boolean {
    return this.#closing;
  }

  /** True when the request target's path is one this endpoint serves (false for a target that does not parse). */
  matches(url: string | undefined): boolean {
    const target = parseRequestTarget(url);
    return target !== undefined && this.options.paths.includes(target.pathname);
  }

  /**
   * Takes over an upgrade request (call it from a server's `'upgrade'` event). Never throws: an upgrade that cannot
   * be served is refused with an HTTP status, and anything unexpected destroys that socket only.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      const target = parseRequestTarget(req.url);
      if (target === undefined) {
        refuse(socket, BAD_TARGET);
        return;
      }
      const refusal = this.#check(req, target);
      if (refusal) {
        this.#logRefusal(refusal);
        refuse(socket, refusal);
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#start(ws, req, target, socket));
    } catch (error) {
      this.options.logger.error(`cannot take an upgrade: ${error instanceof Error ? error.message : String(error)}`);
      socket.destroy();
    }
  }

  #start(ws: WebSocket, req: IncomingMessage, target: RequestTarget, socket: Duplex): void {
    this.#sockets.set(ws, new Promise<void>((resolve) => ws.once('close', () => resolve())));
    ws.once('close', () => this.#sockets.delete(ws));
    const mode = wantsJson(req, target) ? 'json' : 'text';
    const connection = wsConnection(ws, socket);
    if (mode === 'json' && wantsResume(req, target)) {
      this.#awaitResume(connection);
      return;
    }
    const id = randomUUID();
    const resumeToken =
      mode === 'json' && this.options.resumeWindowMs > 0 ? randomBytes(32).toString('base64url') : null;
    if (resumeToken !== null && this.options.frontOnly) {
      dispatch(this.#host, connection, id, resumeToken).catch((error: unknown) => {
        this.options.logger.error(`session ${id}: cannot hand it to a worker: ${String(error)}`);
        connection.close(CloseCode.TRY_AGAIN_LATER, 'store unavailable');
      });
      return;
    }
    const session = new Session(connection, id, mode, wantsColor(target), this.#settings(), resumeToken);
    void this.#track(session, mode);
  }

  /**
   * Takes over the run of session `id` from a process that died or stopped (shared store only): runs its
   * `onConnect` again here, replaying what its journal recorded (model replies, answers, tool results) without
   * redoing it or resending the client's events, then goes on live. Resolves with the outcome once the run ended;
   * `undefined` when the store no longer has the session (it ended, or expired).
   */
  takeOver(id: string): Promise<SessionOutcome | undefined> {
    return takeOver(this.#host, id);
  }

  /** What the durable-run functions need of this endpoint. */
  // A getter: the options are set in the constructor, after the fields.
  readonly #host: RunHost = ((endpoint: WebsocketEndpoint): RunHost => ({
    get options() {
      return endpoint.options;
    },
    sessions: this.#sessions,
    closing: () => this.#closing,
    settings: () => this.#settings(),
    track: (session) => this.#track(session, 'json'),
    runOf: (session) => this.#runOf.get(session),
    follow: (connection, id) => {
      const { store } = this.options;
      if (!isSharedStore(store)) return undefined;
      const view = new RemoteView(connection, id, store, this.#settings(), () => this.#views.delete(view));
      this.#views.add(view);
      return view;
    },
  }))(this);

  /** Runs a session to its end, with the endpoint's bookkeeping (sessions, runs, events). */
  #track(session: Session, mode: 'text' | 'json'): Promise<SessionOutcome> {
    const { id } = session;
    this.#sessions.set(id, session);
    this.#emitSafely('session-start', { id, mode });
    const run = session.run().then((outcome) => {
      this.#sessions.delete(id);
      this.#runs.delete(run);
      this.#runOf.delete(session);
      this.#logged.delete('full');
      this.#emitSafely('session-end', { id, outcome, durationMs: performance.now() - session.startedAt });
      return outcome;
    });
    this.#runs.add(run);
    this.#runOf.set(session, run);
    return run;
  }

  #settings(): SessionSettings {
    return { ...this.options, redact: this.redact, onResume: this.#onResume };
  }

  /**
   * A connection that announced a resume at the handshake: no session starts; its first frame must be the resume
   * frame, within RESUME_FRAME_MS.
   */
  #awaitResume(connection: Connection): void {
    const refuseFrame = (why: string): void => {
      clearTimeout(timer);
      connection.listen(undefined);
      const error = `Expected a resume frame first: ${why}.`;
      const event = { type: 'error' as const, content: { error, code: 'PROTOCOL_ERROR' as const, fatal: true } };
      connection.send(encodeEvent(event, 0, '""'), undefined, () => {});
      connection.close(CloseCode.POLICY_VIOLATION, 'resume expected');
    };
    const timer = setTimeout(() => refuseFrame('none came in time'), RESUME_FRAME_MS);
    timer.unref();
    connection.listen({
      message: (data) => {
        clearTimeout(timer);
        let frame;
        try {
          frame = decodeClientFrame(data.toString('utf8'));
        } catch (error) {
          refuseFrame(error instanceof Error ? error.message : String(error));
          return;
        }
        if (frame.type === 'resume') this.#onResume(frame, connection);
        else refuseFrame(`got a ${frame.type} frame`);
      },
      ping: () => {},
      pong: () => {},
      close: () => clearTimeout(timer),
      error: () => {},
    });
  }

  /**
   * A connection's first frame asks to resume a session: checks the token, then attaches the connection to the
   * running session, or replays an ended one's log to its end. The fresh session the connection started with is
   * discarded either way (a resuming client ignores what came before `resumed` / `resume_failed`).
   */
  readonly #onResume = (frame: ResumeFrame, connection: Connection, fresh?: Session): void => {
    fresh?.discard();
    this.#resume(frame, connection).catch((error: unknown) => {
      // The store did not answer (Redis away): the client may try again soon (1013), its session may be fine.
      const why = error instanceof Error ? error.message : String(error);
      this.options.logger.warn(`resume of session ${echoId(frame.session)} failed: ${why}`);
      if (connection.open) connection.close(CloseCode.TRY_AGAIN_LATER, 'store unavailable');
    });
  };

  #resume(frame: ResumeFrame, connection: Connection): Promise<void> {
    return resumeSession(frame, connection, {
      options: this.options,
      local: (id) => this.#sessions.get(id),
      follow: (id) => {
        const { store } = this.options;
        if (!isSharedStore(store)) return undefined;
        const view = new RemoteView(connection, id, store, this.#settings(), () => this.#views.delete(view));
        this.#views.add(view);
        return view;
      },
    });
  }

  /**
   * Adds this endpoint to an existing HTTP server: upgrades on its `paths` are handled here, others are left to
   * the server's other upgrade listeners (or refused with 404, or 400 for a target that does not parse, when there
   * are none). Call {@link close} before `server.close()`: the server only closes once every websocket has.
   */
  attach(server: Server): this {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.matches(req.url)) this.handleUpgrade(req, socket, head);
      else if (server.listenerCount('upgrade') === 1) {
        socket.on('error', () => socket.destroy());
        refuse(socket, parseRequestTarget(req.url) === undefined ? BAD_TARGET : NOT_HERE);
      }
    });
    return this;
  }

  /**
   * Stops taking sessions (new upgrades get 503); running ones get `graceMs` to finish, then are stopped
   * (termination shutdown, close 1001, model requests aborted). Resolves when every session has ended and every
   * socket is closed; never rejects.
   */
  async close(graceMs = this.options.shutdownGraceMs): Promise<void> {
    this.#closing = true;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    // Their runs go on elsewhere: the clients come back through another instance.
    for (const view of [...this.#views]) view.shutdown();
    await handOver(this.#host);
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
    // Bounded by CLOSE_HANDSHAKE_MS: ws destroys a socket whose peer does not answer the close frame.
    await Promise.allSettled([...this.#sockets.values()]);
    // A store the endpoint made is its own to drop (its timers must not outlive the server); a given one is not.
    if (this.#ownsStore) await this.options.store.close();
  }

  #check(req: IncomingMessage, target: RequestTarget): Refusal | undefined {
    if (this.#closing) return { status: 503, message: 'The server is shutting down.' };
    const refusal = checkUpgrade(req, target, this.options);
    if (refusal) return refusal;
    if (this.#sessions.size >= this.options.maxSessions) {
      return {
        status: 503,
        message: `The server is full (${this.options.maxSessions} sessions). Try again later.`,
        log: `refused sessions: ${this.options.maxSessions} running, the maximum (--max-sessions)`,
        logKey: 'full',
      };
    }
    return undefined;
  }

  #logRefusal(refusal: Refusal): void {
    if (refusal.log === undefined) return;
    if (refusal.logKey !== undefined) {
      if (this.#logged.has(refusal.logKey)) return;
      if (this.#logged.size >= MAX_LOGGED_REFUSALS) this.#logged.clear();
      this.#logged.add(refusal.logKey);
    }
    this.options.logger.warn(refusal.log);
  }

  #emitSafely<K extends keyof EndpointEvents>(event: K, ...args: EndpointEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: EndpointEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.options.logger.error(`a ${event} listener threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * One keepalive round, what the ping timer runs every `pingIntervalMs`: drops each peer that did not answer the
   * previous round's ping, then pings the others. Public so a server with `pingIntervalMs: 0` can drive keepalive
   * from its own clock (and tests from events rather than the scheduler).
   */
  keepalive(): void {
    for (const session of this.#sessions.values()) session.ping();
    for (const view of this.#views) view.ping();
  }
}

/**
 * Mounts agentws's websocket endpoint into an existing `node:http` server (also Express's `app.listen()` result and
 * Fastify's `fastify.server`). Call `endpoint.close()` when shutting down.
 * @example const endpoint = attach(server, { path: '/agents', onConnect });
 */
export function attach(server: Server, options: EndpointOptions & { path?: string }): WebsocketEndpoint {
  const { path, ...rest } = options;
  const endpoint = new WebsocketEndpoint(path === undefined ? rest : { ...rest, paths: [path] });
  endpoint.attach(server);
  server.on('close', () => void endpoint.close(0));
  return endpoint;
}
