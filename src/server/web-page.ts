import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Serves the web chat page and its assets from the package's `web/` folder. */
export interface WebPage {
  /** Answers the request when it is for the page; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The files of the page, by URL path. */
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/view.js': 'view.js',
  '/style.css': 'style.css',
  '/favicon.svg': 'favicon.svg',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * The page agentws serves at `/`, read once into memory. `demo` adds a banner saying replies are scripted.
 */
export function createWebPage(options: { demo?: boolean } = {}): WebPage {
  const root = new URL('../../web/', import.meta.url);
  const cache = new Map<string, { body: Buffer; type: string }>();
  for (const [path, file] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(new URL(file, root));
    } catch {
      continue;
    }
    if (file === 'index.html' && options.demo) {
      body = Buffer.from(body.toString('utf8').replace('<body>', '<body data-demo="true">'));
    }
    cache.set(path, { body, type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
  }
  return {
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const entry = cache.get(path);
      if (!entry) return false;
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': entry.type, 'Content-Length': entry.body.length });
      res.end(req.method === 'HEAD' ? undefined : entry.body);
      return true;
    },
  };
}
