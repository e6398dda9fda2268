import type { RedisOptions } from 'ioredis';
import { ServerError } from '../errors.js';

/** Where a Redis store connects, parsed from its URL. */
export interface RedisTarget {
  options: Pick<RedisOptions, 'host' | 'port' | 'db' | 'username' | 'password' | 'tls'>;
  tls: boolean;
}

const USAGE = 'Use redis://[user:password@]host[:port][/db] (or rediss:// for TLS), e.g. redis://127.0.0.1:6379/0.';

/**
 * Parses `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS). Throws `OPTION_INVALID` saying what is
 * wrong, never echoing the URL (it may hold a password).
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ServerError('OPTION_INVALID', `The store URL does not parse. ${USAGE}`);
  }
  const tls = parsed.protocol === 'rediss:';
  if (parsed.protocol !== 'redis:' && !tls) {
    const scheme = parsed.protocol.slice(0, 16);
    throw new ServerError(
      'OPTION_INVALID',
      `The store URL's scheme must be redis: or rediss:, got ${scheme}. ${USAGE}`,
    );
  }
  if (parsed.hostname === '') throw new ServerError('OPTION_INVALID', `The store URL has no host. ${USAGE}`);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) {
    throw new ServerError('OPTION_INVALID', `The store URL's path must be a database number, such as /0. ${USAGE}`);
  }
  const options: RedisTarget['options'] = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: path === '' ? 0 : Number(path),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (tls) options.tls = {};
  return { options, tls };
}

/** The target as messages show it: scheme, host, port and db, never the credentials. */
export function describeRedisUrl(target: RedisTarget): string {
  const { host = '', port, db } = target.options;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `${target.tls ? 'rediss' : 'redis'}://${shownHost}:${port}/${db}`;
}
