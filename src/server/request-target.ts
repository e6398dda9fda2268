/**
 * The request target of an HTTP request line (`GET <target> HTTP/1.1`), parsed without ever throwing.
 *
 * The target is whatever the client wrote: `//`, `///`, `http://[` or `http://a:99999/` reach a handler as they are,
 * and `new URL(target, base)` throws on each of them. Every route and the upgrade handler go through here, so one odd
 * request line can never stop the server: a target that does not parse is answered 400.
 */

/** The parts of a request target agentws routes on. */
export interface RequestTarget {
  /** The path, normalised as `URL` does (`/a/../ws` is `/ws`, `//` stays `//`). */
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

/** Schemes accepted in absolute-form targets (`GET http://host/ws HTTP/1.1`, as proxies send them). */
const ABSOLUTE_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:']);

/**
 * Parses a request target in origin-form (`/path?query`) or absolute-form (`http://host/path`). Returns undefined
 * for anything else (authority-form, asterisk-form, an unparseable URL), which the caller answers with 400.
 */
export function parseRequestTarget(target: string | undefined): RequestTarget | undefined {
  const raw = target ?? '/';
  try {
    if (raw.startsWith('/')) {
      // Appended, not resolved against a base: `//evil/ws` resolved would become host `evil`, path `/ws`.
      const url = new URL('http://agentws.invalid' + raw);
      return { pathname: url.pathname, searchParams: url.searchParams };
    }
    const url = new URL(raw);
    if (!ABSOLUTE_SCHEMES.has(url.protocol)) return undefined;
    return { pathname: url.pathname, searchParams: url.searchParams };
  } catch {
    return undefined;
  }
}
