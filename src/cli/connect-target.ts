import { ExitCode, ExitError } from './exit-codes.js';

/** Where `agentws connect` goes: its url and message arguments, read the forgiving way. */

/** The default server of `agentws connect`. */
export const DEFAULT_URL = 'ws://127.0.0.1:8765';

/** True for `scheme://…` and `host:port[/path]`: what `connect`'s first argument must look like to be the url. */
export function looksLikeUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^(\[[0-9a-f:.]+\]|[\w.-]+):\d+(\/\S*)?$/i.test(text);
}

/**
 * `agentws connect [url] [message]` with one argument that is not a url (`agentws connect "Hi there"`): that
 * argument is the message, for the default server.
 */
export function resolveTarget(url: string, message: string | undefined): { url: string; message: string | undefined } {
  if (message === undefined && !looksLikeUrl(url)) return { url: DEFAULT_URL, message: url };
  return { url, message };
}

/** `host:port`, `http://…` and `https://…` are accepted for `ws://…` and `wss://…`. Throws a usage error otherwise. */
export function normalizeUrl(input: string): string {
  let text = input.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `ws://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ExitError(
      ExitCode.USAGE,
      `Invalid url ${JSON.stringify(input)}: expected ws://host:port. The url comes before the message: ` +
        'agentws connect ws://127.0.0.1:8765 "your message".',
    );
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ExitError(ExitCode.USAGE, `Invalid url ${JSON.stringify(input)}: the scheme must be ws:// or wss://.`);
  }
  return url.toString();
}
