import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { JSON_SUBPROTOCOL } from '../protocol/events.js';

/** Prefix of the `Sec-WebSocket-Protocol` entry that carries the token (browsers cannot set headers). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'agentws.token.';
/** Subprotocol a client may offer to ask for text mode explicitly. */
export const TEXT_SUBPROTOCOL = 'agentws.text';

/** Why an upgrade is refused: the HTTP status and a message for the client (never holding a secret). */
export interface Refusal {
  status: 401 | 403 | 404 | 503;
  message: string;
  /** Worth a log line (e.g. a foreign Origin), already free of secrets. */
  log?: string;
}

/** Options of {@link checkUpgrade}. */
export interface GuardOptions {
  token: string | undefined;
  allowOrigins: readonly string[];
  /** Host names the server answers to; empty means any (the server is bound to a public address on purpose). */
  allowHosts: readonly string[];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The subprotocols a client offered, trimmed. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string' || header === '') return [];
  return header.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const entry = offeredProtocols(req).find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  return entry?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
}

function hostName(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return '';
  }
}

/**
 * Checks an upgrade request: Host (against DNS rebinding on loopback), Origin (browsers only), then the token.
 * Returns undefined when the request may proceed.
 */
export function checkUpgrade(req: IncomingMessage, options: GuardOptions): Refusal | undefined {
  const host = req.headers.host ?? '';
  if (options.allowHosts.length > 0 && !options.allowHosts.includes(hostName(host))) {
    return { status: 403, message: 'Host not allowed.', log: `refused an upgrade for host ${JSON.stringify(host)}` };
  }
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '') {
    let same = false;
    try {
      same = new URL(origin).host.toLowerCase() === host.toLowerCase();
    } catch {
      same = false;
    }
    if (!same && !options.allowOrigins.includes(origin) && !options.allowOrigins.includes('*')) {
      return {
        status: 403,
        message: 'Origin not allowed. Start the server with --allow-origin to allow it.',
        log: `refused a websocket from origin ${JSON.stringify(origin)} (add it with --allow-origin if it is yours)`,
      };
    }
  }
  if (options.token !== undefined) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.has('token')) {
      return { status: 401, message: 'Tokens are not accepted in the query string; send Authorization: Bearer.' };
    }
    const given = presentedToken(req);
    if (given === undefined || !tokensEqual(given, options.token)) {
      return { status: 401, message: 'Missing or wrong token.' };
    }
  }
  return undefined;
}

/** JSON mode when the client offers `agentws.v1` or asks `?protocol=json`. */
export function wantsJson(req: IncomingMessage): boolean {
  if (offeredProtocols(req).includes(JSON_SUBPROTOCOL)) return true;
  const url = new URL(req.url ?? '/', 'http://x');
  return url.searchParams.get('protocol') === 'json';
}

/** Colour escapes in text mode only when asked (`?color=1`). */
export function wantsColor(req: IncomingMessage): boolean {
  const value = new URL(req.url ?? '/', 'http://x').searchParams.get('color');
  return value === '1' || value === 'true';
}

/**
 * The subprotocol to answer with: browsers fail the handshake when they offered some and get none back, so one
 * offered entry is always echoed, preferring `agentws.v1`.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(JSON_SUBPROTOCOL)) return JSON_SUBPROTOCOL;
  if (protocols.has(TEXT_SUBPROTOCOL)) return TEXT_SUBPROTOCOL;
  const first = protocols.values().next();
  return first.done ? false : first.value;
}

/** Host names that mean "this machine". */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
