import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { ServerError } from '../errors.js';
import { VERSION } from '../version.js';
import type { Logger } from './logger.js';
import { consoleLogger } from './logger.js';
import type { EndpointOptions } from './websocket-endpoint.js';
import { WebsocketEndpoint } from './websocket-endpoint.js';
import { parseRequestTarget } from './request-target.js';
import { checkHost, isLoopback, LOOPBACK_HOSTS } from './upgrade-guard.js';
import type { WebPage } from './web-page.js';

/** Options of {@link runServer}: the endpoint's options plus where to listen. */
export interface ServerOptions extends EndpointOptions {
  /** Interface to bind. ['127.0.0.1'] */
  host?: string;
  /** Port; 0 picks a free one (see `uri`). [8765] */
  port?: number;
  /** Serve the web chat page at `/`. [false; `agentws serve` turns it on] */
  web?: WebPage | false;
}

/** A running server. `await using server = await runServer(...)` closes it at the end of the scope. */
export interface AgentwsServer {
  /** `ws://host:port`, with the real port. */
  readonly uri: string;
  /** `http://host:port/`, where the page is served. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly endpoint: WebsocketEndpoint;
  readonly httpServer: Server;
  /** Sessions running now. */
  readonly sessionCount: number;
  /** Graceful stop: no new sessions, a grace period for running ones, then close 1001. */
  close(options?: { graceMs?: number }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new ServerError(
            'PORT_IN_USE',
            `Port ${port} on ${host} is already in use. Stop the process using it, or choose another port (--port).`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new ServerError('LISTEN_FAILED', `Cannot listen on ${host}:${port}: ${error.message}`, { cause: error }),
        );
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  414: 'URI Too Long',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Longest request target answered normally; longer ones get 414 (the headers' limit, 16 KiB, bounds the rest). */
const MAX_TARGET_LENGTH = 8 * 1024;

function sendPlain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/**
 * Answers a request Node's HTTP parser rejected (oversized request line or headers, garbage, a timeout) with the
 * status that says why, then closes the connection. Node's own answer is lost once a listener is installed.
 */
function answerClientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  let status = 400;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    // The parser counts the request line and the headers together: a first line past the target limit (or one
    // that never ended within the packet) is an oversized URL.
    const lineEnd = error.rawPacket?.indexOf('\r\n') ?? -1;
    status = lineEnd === -1 || lineEnd > MAX_TARGET_LENGTH ? 414 : 431;
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
  }
  const body = `${REASONS[status]}.\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The routes of `runServer`'s HTTP server: `/healthz`, the page, and a word for plain requests on the websocket
 * paths. Checks the request target and the Host header first, for every route.
 */
function createRequestHandler(
  endpoint: WebsocketEndpoint,
  page: WebPage | false,
): (req: IncomingMessage, res: ServerResponse) => void {
  const readOnly = { Allow: 'GET, HEAD' };
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    if ((req.url?.length ?? 0) > MAX_TARGET_LENGTH) {
      sendPlain(res, 414, `Request target too long: at most ${MAX_TARGET_LENGTH} bytes.\n`);
      return;
    }
    const target = parseRequestTarget(req.url);
    if (target === undefined) {
      sendPlain(res, 400, 'Bad request target: send a path such as /healthz.\n');
      return;
    }
    const hostRefusal = checkHost(req, endpoint.options.allowHosts);
    if (hostRefusal) {
      sendPlain(res, hostRefusal.status, hostRefusal.message + '\n');
      return;
    }
    if (endpoint.closing) {
      sendPlain(res, 503, 'The server is shutting down.\n', { 'Retry-After': '5', Connection: 'close' });
      return;
    }
    const readable = req.method === 'GET' || req.method === 'HEAD';
    const path = target.pathname;
    if (path === '/healthz') {
      if (!readable) sendPlain(res, 405, 'Use GET.\n', readOnly);
      else {
        const body = JSON.stringify({ status: 'ok', version: VERSION, sessions: endpoint.sessionCount });
        sendPlain(res, 200, body, { 'Content-Type': 'application/json' });
      }
      return;
    }
    if (page && page.handle(req, res)) return;
    if (endpoint.options.paths.includes(path)) {
      if (readable) {
        sendPlain(
          res,
          426,
          'This is an agentws websocket endpoint: connect with a websocket client (agentws connect).\n',
          {
            Upgrade: 'websocket',
          },
        );
      } else sendPlain(res, 405, 'Use GET with a websocket upgrade.\n', readOnly);
      return;
    }
    sendPlain(res, 404, 'Not found.\n');
  };
  return (req, res) => {
    try {
      route(req, res);
    } catch (error) {
      // A route must never take the server down; this request alone fails.
      endpoint.options.logger.error(
        `cannot answer a request: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (!res.headersSent) sendPlain(res, 500, 'Internal error.\n');
      else res.destroy();
    }
  };
}

/**
 * Starts agentws's server: one `node:http` server on one port, websocket upgrades on `/` and `/ws`, `/healthz`, and
 * the web page when asked. Rejects at once with `PORT_IN_USE` when the port is taken.
 */
export async function runServer(options: ServerOptions): Promise<AgentwsServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8765;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServerError('OPTION_INVALID', `Option port must be an integer from 0 to 65535, got ${String(port)}.`);
  }
  const logger: Logger = options.logger ?? consoleLogger;
  const loopback = isLoopback(host);
  if (options.allowCodeExecution === true && !loopback && options.token === undefined) {
    throw new ServerError(
      'OPTION_INVALID',
      `Option allowCodeExecution (--allow-code-execution) needs a token on a non-loopback host (${host}): ` +
        `anyone who can reach it could run code on this machine. Set --token (or AGENTWS_TOKEN), or bind to 127.0.0.1.`,
    );
  }
  // On loopback the Host header must name this machine: a page on a rebound DNS name (DNS rebinding) is refused.
  const loopbackHosts = [...new Set([...LOOPBACK_HOSTS, host.toLowerCase().replace(/^\[|\]$/g, '')])];
  const endpoint = new WebsocketEndpoint({
    ...options,
    logger,
    allowHosts: options.allowHosts ?? (loopback ? loopbackHosts : []),
  });
  if (!loopback && options.token === undefined) {
    endpoint.options.logger.warn(
      `listening on ${host} without a token: anyone who can reach this address can start agent sessions, ` +
        `spending the API credits of your models and running your agents' tools on this machine. ` +
        `Set --token (or AGENTWS_TOKEN), or bind to 127.0.0.1.`,
    );
  }
  const page = options.web === undefined ? false : options.web;

  const httpServer = createServer(createRequestHandler(endpoint, page));
  endpoint.attach(httpServer);
  httpServer.on('clientError', answerClientError);

  let actualPort: number;
  try {
    actualPort = await listen(httpServer, host, port);
  } catch (error) {
    void endpoint.close(0);
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = (closeOptions: { graceMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      // The port stays open through the grace period, so a client that comes now is told 503 (shutting down,
      // retry) rather than refused at the TCP level; it closes once the sessions have ended.
      await endpoint.close(closeOptions.graceMs);
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await stopped;
    })();
    return closing;
  };
  const shown = formatHost(host);
  return {
    uri: `ws://${shown}:${actualPort}`,
    url: `http://${shown}:${actualPort}/`,
    host,
    port: actualPort,
    endpoint,
    httpServer,
    get sessionCount() {
      return endpoint.sessionCount;
    },
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}
