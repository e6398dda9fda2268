import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ServerError } from '../errors.js';
import { JSON_SUBPROTOCOL, RESUME_SUBPROTOCOL } from '../protocol/events.js';
import type { RequestTarget } from './request-target.js';

/** Prefix of the `Sec-WebSocket-Protocol` entry that carries the token (browsers cannot set headers). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'agentws.token.';
/** Subprotocol a client may offer to ask for text mode explicitly. */
export const TEXT_SUBPROTOCOL = 'agentws.text';

/** Query parameters that look like a token: refused, because URLs end up in logs, history and Referer headers. */
const QUERY_TOKEN_NAMES = ['token', 'access_token'];
/** Longest header value quoted in a log line (headers are attacker-controlled). */
const MAX_LOGGED_VALUE = 200;

/** Why an upgrade is refused: the HTTP status and a message for the client (never holding a secret). */
export interface Refusal {
  status: 400 | 401 | 403 | 404 | 503;
  message: string;
  /** Worth a log line, already free of secrets. */
  log?: string;
  /** Refusals with the same key are logged once (a page retrying in a loop must not flood the log). */
  logKey?: string;
}

/** Options of {@link checkUpgrade}. */
export interface GuardOptions {
  token: string | undefined;
  /** Normalised origins (see {@link normalizeOrigin}); `'*'` allows any. */
  allowOrigins: readonly string[];
  /** Host names the server answers to; empty means any (the server is bound to a public address on purpose). */
  allowHosts: readonly string[];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time token comparison (hashing first makes the lengths equal, so the length leaks nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** What a store keeps of a secret token: its SHA-256, never the token. */
export function tokenHash(token: string): Buffer {
  return digest(token);
}

/** Constant-time check of a presented token against a stored {@link tokenHash}. */
export function tokenMatchesHash(given: string, hash: Buffer): boolean {
  const presented = digest(given);
  return presented.length === hash.length && timingSafeEqual(presented, hash);
}

/** The subprotocols a client offered, trimmed. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string' || header === '') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function isTokenEntry(protocol: string): boolean {
  return protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX);
}

function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const entry = offeredProtocols(req).find(isTokenEntry);
  return entry?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
}

function hostName(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return '';
  }
}

/** A header value made safe to log: quoted (escapes control characters) and cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > MAX_LOGGED_VALUE ? `${value.slice(0, MAX_LOGGED_VALUE)}...` : value);
}

/**
 * An `--allow-origin` entry in the form browsers send (`scheme://host[:port]`, lower case, default port dropped),
 * or `'*'`. Throws `OPTION_INVALID` for anything else, e.g. a path or a bare host name.
 */
export function normalizeOrigin(entry: string): string {
  if (entry === '*') return entry;
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.origin === 'null' || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ServerError(
      'OPTION_INVALID',
      `Option allowOrigins (--allow-origin): ${quote(entry)} is not an origin; write it as a browser sends it, ` +
        `e.g. https://example.com or http://localhost:3000 (no path), or '*' for any.`,
    );
  }
  return url.origin;
}

function checkOrigin(req: IncomingMessage, options: GuardOptions): Refusal | undefined {
  const origin = req.headers.origin;
  // Browsers always send Origin on websocket upgrades; clients without one are not web pages.
  if (typeof origin !== 'string' || origin === '') return undefined;
  if (options.allowOrigins.includes('*')) return undefined;
  let normalized: string | undefined;
  try {
    const url = new URL(origin);
    normalized = url.origin;
    if (url.host.toLowerCase() === (req.headers.host ?? '').toLowerCase()) return undefined; // the server's own page
  } catch {
    normalized = undefined; // "null" (sandboxed frames, file://) and garbage
  }
  if (normalized !== undefined && options.allowOrigins.includes(normalized)) return undefined;
  return {
    status: 403,
    message: 'Origin not allowed. Start the server with --allow-origin <origin> to allow it.',
    log: `refused a websocket from origin ${quote(origin)} (allow it with --allow-origin if it is yours)`,
    logKey: `origin:${origin}`,
  };
}

function checkToken(req: IncomingMessage, target: RequestTarget, token: string): Refusal | undefined {
  const from = req.socket.remoteAddress ?? 'unknown address';
  if (QUERY_TOKEN_NAMES.some((name) => target.searchParams.has(name))) {
    return {
      status: 401,
      message:
        'Tokens are not accepted in the query string (URLs end up in logs and history). ' +
        'Send "Authorization: Bearer <token>", or offer the subprotocol agentws.token.<token>.',
      log: `refused an upgrade from ${from}: token in the query string`,
      logKey: `token:${from}`,
    };
  }
  const given = presentedToken(req);
  if (given === undefined || !tokensEqual(given, token)) {
    return {
      status: 401,
      message: 'Missing or wrong token. Send "Authorization: Bearer <token>", or offer agentws.token.<token>.',
      log: `refused an upgrade from ${from}: ${given === undefined ? 'no token' : 'wrong token'}`,
      logKey: `token:${from}`,
    };
  }
  return undefined;
}

/**
 * Checks the Host header against the names the server answers to (on loopback: against DNS rebinding, where a page
 * on a rebound name would otherwise reach this server as same-origin). Applies to every route, not only upgrades.
 */
export function checkHost(req: IncomingMessage, allowHosts: readonly string[]): Refusal | undefined {
  const host = req.headers.host ?? '';
  if (allowHosts.length === 0 || allowHosts.includes(hostName(host))) return undefined;
  return {
    status: 403,
    message: 'Host not allowed: connect to this server by its loopback address (127.0.0.1 or localhost).',
    log: `refused a request for host ${quote(host)} (not a name of this server)`,
    logKey: `host:${host}`,
  };
}

/**
 * Checks an upgrade request: Host (against DNS rebinding on loopback), Origin (browsers only), the subprotocol
 * offer, then the token. Returns undefined when the request may proceed.
 */
export function checkUpgrade(req: IncomingMessage, target: RequestTarget, options: GuardOptions): Refusal | undefined {
  const hostRefusal = checkHost(req, options.allowHosts);
  if (hostRefusal) return hostRefusal;
  const originRefusal = checkOrigin(req, options);
  if (originRefusal) return originRefusal;
  const offered = offeredProtocols(req);
  if (offered.length > 0 && offered.every(isTokenEntry)) {
    // The handshake must echo one offered subprotocol, and echoing the token would put it in a response header.
    return {
      status: 400,
      message: `Offer ${JSON_SUBPROTOCOL} (JSON) or ${TEXT_SUBPROTOCOL} (text) alongside the agentws.token.<token> subprotocol.`,
    };
  }
  if (options.token !== undefined) return checkToken(req, target, options.token);
  return undefined;
}

/** JSON mode when the client offers `agentws.v1` or asks `?protocol=json`. */
export function wantsJson(req: IncomingMessage, target: RequestTarget): boolean {
  if (offeredProtocols(req).includes(JSON_SUBPROTOCOL)) return true;
  return target.searchParams.get('protocol') === 'json';
}

/** The client announced a resume at the handshake (`agentws.resume` subprotocol, or `?resume=1`). */
export function wantsResume(req: IncomingMessage, target: RequestTarget): boolean {
  return offeredProtocols(req).includes(RESUME_SUBPROTOCOL) || target.searchParams.get('resume') === '1';
}

/** Colour escapes in text mode only when asked (`?color=1`). */
export function wantsColor(target: RequestTarget): boolean {
  const value = target.searchParams.get('color');
  return value === '1' || value === 'true';
}

/**
 * The subprotocol to answer with: browsers fail the handshake when they offered some and get none back, so one
 * offered entry is always echoed, preferring `agentws.v1`, and never the token entry.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(JSON_SUBPROTOCOL)) return JSON_SUBPROTOCOL;
  if (protocols.has(TEXT_SUBPROTOCOL)) return TEXT_SUBPROTOCOL;
  for (const protocol of protocols) if (!isTokenEntry(protocol)) return protocol;
  return false;
}

/** Host names that mean "this machine". */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h.startsWith('::ffff:127.');
}
