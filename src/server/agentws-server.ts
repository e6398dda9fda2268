import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { ServerError } from '../errors.js';
import { VERSION } from '../version.js';
import type { Logger } from './logger.js';
import { consoleLogger } from './logger.js';
import type { EndpointOptions } from './websocket-endpoint.js';
import { WebsocketEndpoint } from './websocket-endpoint.js';
import { isLoopback, LOOPBACK_HOSTS } from './upgrade-guard.js';
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

function sendPlain(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
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

  const httpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/healthz') {
      sendPlain(
        res,
        200,
        JSON.stringify({ status: 'ok', version: VERSION, sessions: endpoint.sessionCount }),
        'application/json',
      );
      return;
    }
    if (page && page.handle(req, res)) return;
    if (path === '/' || path === '/ws') {
      sendPlain(
        res,
        426,
        'This is an agentws websocket endpoint: connect with a websocket client (agentws connect).\n',
      );
      return;
    }
    sendPlain(res, 404, 'Not found.\n');
  });
  endpoint.attach(httpServer);
  httpServer.on('clientError', (_error, socket) => socket.destroy());

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
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await endpoint.close(closeOptions.graceMs);
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
