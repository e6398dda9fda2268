import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { ServerError } from '../errors.js';
import { parseRequestTarget } from './request-target.js';

/** Serves the web chat page and its assets from the package's `web/` folder. */
export interface WebPage {
  /** Answers the request when it is for the page; returns false otherwise (so it fits any router as middleware). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Options of {@link createWebPage}. Defaults in brackets. */
export interface WebPageOptions {
  /** Show a banner saying the replies come from the scripted demo model, not an LLM (`serve --demo`). [false] */
  demo?: boolean;
  /**
   * Where the page lives: `'/'` or a folder such as `'/chat/'`. The page opens its websocket at `<path>ws`, so
   * mount the endpoint there (`attach(server, { path: '/chat/ws', onConnect })`). ['/']
   */
  path?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The files of the page, by URL path below the page's folder: its own, in the package's `web/` folder… */
const FILES: Record<string, string> = {
  '': 'index.html',
  'index.html': 'index.html',
  'app.js': 'app.js',
  'composer.js': 'composer.js',
  'connection.js': 'connection.js',
  'markdown.js': 'markdown.js',
  'tab-storage.js': 'tab-storage.js',
  'transcript.js': 'transcript.js',
  'view.js': 'view.js',
  'style.css': 'style.css',
  'favicon.svg': 'favicon.svg',
};

/**
 * …and the libraries it imports, by package export: the browser builds of the installed packages, so the page needs
 * no CDN and gets the version the package manager installed.
 */
const VENDOR: Record<string, string> = {
  'vendor/markdown-it.mjs': 'markdown-it/browser',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * The chat page agentws serves (at `/` by `agentws serve`), read once into memory. Mount it into your own server
 * with `page.handle(req, res) || next()`.
 * @example const page = createWebPage({ path: '/chat/' }); attach(server, { path: '/chat/ws', onConnect });
 */
export function createWebPage(options: WebPageOptions = {}): WebPage {
  const base = options.path ?? '/';
  if (typeof base !== 'string' || !base.startsWith('/') || !base.endsWith('/') || /[?#\s]/.test(base)) {
    throw new ServerError(
      'OPTION_INVALID',
      `Option path of the web page must be a URL folder that starts and ends with '/', such as '/chat/' (got ${JSON.stringify(base)}).`,
    );
  }
  const root = new URL('../../web/', import.meta.url);
  const cache = new Map<string, { body: Buffer; type: string }>();
  const files = [
    ...Object.entries(FILES).map(([path, file]) => [path, new URL(file, root)] as const),
    ...Object.entries(VENDOR).map(([path, specifier]) => [path, new URL(import.meta.resolve(specifier))] as const),
  ];
  for (const [path, file] of files) {
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      continue;
    }
    if (options.demo && extname(file.pathname) === '.html') {
      body = Buffer.from(body.toString('utf8').replace('<body>', '<body data-demo="true">'));
    }
    cache.set(base + path, { body, type: TYPES[extname(file.pathname)] ?? 'application/octet-stream' });
  }
  // The page's links are relative: `/chat` must become `/chat/` for them to resolve inside the folder.
  const folder = base === '/' ? undefined : base.slice(0, -1);
  return {
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      // A target that does not parse is not the page's; the app's own routes answer it.
      const path = parseRequestTarget(req.url)?.pathname;
      if (path === undefined) return false;
      if (path === folder) {
        res.writeHead(308, { Location: base, 'Content-Length': 0 });
        res.end();
        return true;
      }
      const entry = cache.get(path);
      if (!entry) return false;
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': entry.type, 'Content-Length': entry.body.length });
      res.end(req.method === 'HEAD' ? undefined : entry.body);
      return true;
    },
  };
}
