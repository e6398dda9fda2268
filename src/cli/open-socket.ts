import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { JSON_SUBPROTOCOL, RESUME_SUBPROTOCOL } from '../protocol/events.js';
import { ExitCode, ExitError } from './exit-codes.js';

/** Options of {@link openSocket}. */
export interface OpenSocketOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Give up when the handshake takes longer; null waits as long as the OS does. */
  timeoutMs: number | null;
  /**
   * The connection resumes a session: it announces it (`agentws.resume` beside `agentws.v1`, so the server starts
   * no fresh session for it), and a server that selects no subprotocol is not retried in text mode. [false]
   */
  resume?: boolean;
}

/**
 * Called with the open socket and the protocol the server chose (`json` when it selected `agentws.v1`), in the
 * 'open' event itself: a server may send its first frames (and even close) together with the handshake, and
 * listeners added after an `await` would miss them.
 */
export type OnOpen = (ws: WebSocket, mode: 'json' | 'text') => void;

const STATUS_HINTS: Record<number, string> = {
  401: "Pass the server's token with --token (or AGENTWS_TOKEN).",
  403: "The server refused this client's Origin or Host.",
  404: 'There is no websocket endpoint at this path; agentws serves / and /ws.',
  503: 'The server is full or shutting down; try again later.',
};

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < 500) body += chunk;
    });
    res.on('end', () => resolve(body.trim()));
    res.on('error', () => resolve(body.trim()));
  });
}

function connectError(url: string, error: Error & { code?: string }, timeoutMs: number | null): ExitError {
  const host = new URL(url).host;
  switch (error.code) {
    case 'ECONNREFUSED':
      return new ExitError(
        ExitCode.CANNOT_CONNECT,
        `Cannot connect to ${url}: connection refused. Is the server running (agentws serve)? Check the host and port.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ExitError(ExitCode.CANNOT_CONNECT, `Cannot connect to ${url}: the host ${host} was not found.`);
    default:
      if (/handshake has timed out/i.test(error.message)) {
        return new ExitError(
          ExitCode.TIMED_OUT,
          `No answer from ${url} within ${(timeoutMs ?? 0) / 1000} s (--timeout).`,
        );
      }
      return new ExitError(ExitCode.CANNOT_CONNECT, `Cannot connect to ${url}: ${error.message}`, { cause: error });
  }
}

function attempt(url: string, protocols: string[], options: OpenSocketOptions, onOpen: OnOpen): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, {
      headers: options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` },
      perMessageDeflate: false,
      ...(options.timeoutMs === null ? {} : { handshakeTimeout: options.timeoutMs }),
    });
    const onError = (error: Error): void => reject(error);
    ws.once('error', onError);
    ws.once('unexpected-response', (_req, res) => {
      ws.off('error', onError);
      ws.on('error', () => {});
      void readBody(res).then((body) => {
        const status = res.statusCode ?? 0;
        const said = body === '' ? '' : ` (${body.replace(/\.$/, '')})`;
        const hint = STATUS_HINTS[status] ?? '';
        reject(
          new ExitError(
            ExitCode.CANNOT_CONNECT,
            `The server at ${url} refused the connection: HTTP ${status} ${res.statusMessage ?? ''}${said}. ${hint}`.trim(),
          ),
        );
        ws.terminate();
      });
    });
    ws.once('open', () => {
      ws.off('error', onError);
      onOpen(ws, ws.protocol === JSON_SUBPROTOCOL ? 'json' : 'text');
      resolve();
    });
  });
}

/**
 * Opens a websocket to an agentws server, offering the JSON protocol (`agentws.v1`). A server that selects no
 * subprotocol (AutoGen's Python IOWebsockets) makes `ws` fail the handshake; the connection is then retried without
 * one, in text mode. Failures become {@link ExitError}s: CANNOT_CONNECT, or TIMED_OUT for a handshake timeout.
 */
export async function openSocket(url: string, options: OpenSocketOptions, onOpen: OnOpen): Promise<void> {
  const protocols = options.resume ? [JSON_SUBPROTOCOL, RESUME_SUBPROTOCOL] : [JSON_SUBPROTOCOL];
  try {
    return await attempt(url, protocols, options, onOpen);
  } catch (error) {
    if (error instanceof ExitError) throw error;
    const failure = error as Error & { code?: string };
    if (options.resume || !/sent no subprotocol/i.test(failure.message)) {
      throw connectError(url, failure, options.timeoutMs);
    }
  }
  try {
    return await attempt(url, [], options, onOpen);
  } catch (error) {
    if (error instanceof ExitError) throw error;
    throw connectError(url, error as Error, options.timeoutMs);
  }
}
