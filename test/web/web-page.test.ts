import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import { createWebPage } from '../../src/server/web-page.js';

const WEB = new URL('../../web/', import.meta.url);
/** The page's own files; web/ also holds its tsconfig.json and vendor/*.d.mts, for type checking only. */
const PAGE_FILES = [
  'app.js',
  'composer.js',
  'connection.js',
  'favicon.svg',
  'index.html',
  'markdown.js',
  'style.css',
  'tab-storage.js',
  'transcript.js',
  'view.js',
];
const NOT_SERVED = ['tsconfig.json', 'vendor'];
let server: AgentwsServer | undefined;

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

async function serve(web: Parameters<typeof runServer>[0]['web']): Promise<AgentwsServer> {
  server = await runServer({ port: 0, web, onConnect: () => {}, logger: silentLogger });
  return server;
}

describe('createWebPage', () => {
  it('serves every file of the page with its type, the CSP and no-sniff', async () => {
    const { url } = await serve(createWebPage());
    const files = readdirSync(WEB).filter((f) => !f.startsWith('.') && !NOT_SERVED.includes(f));
    expect(files.sort()).toEqual(PAGE_FILES);
    const types: Record<string, string> = {
      'index.html': 'text/html; charset=utf-8',
      'app.js': 'text/javascript; charset=utf-8',
      'composer.js': 'text/javascript; charset=utf-8',
      'connection.js': 'text/javascript; charset=utf-8',
      'markdown.js': 'text/javascript; charset=utf-8',
      'tab-storage.js': 'text/javascript; charset=utf-8',
      'transcript.js': 'text/javascript; charset=utf-8',
      'view.js': 'text/javascript; charset=utf-8',
      'style.css': 'text/css; charset=utf-8',
      'favicon.svg': 'image/svg+xml',
    };
    for (const file of files) {
      const res = await fetch(new URL(file, url));
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(types[file]);
      expect(res.headers.get('content-security-policy'), file).toContain("script-src 'self'");
      expect(res.headers.get('x-content-type-options'), file).toBe('nosniff');
      expect(await res.text(), file).toBe(readFileSync(new URL(file, WEB), 'utf8'));
    }
    const root = await fetch(url);
    expect(await root.text()).toBe(readFileSync(new URL('index.html', WEB), 'utf8'));
    expect((await fetch(new URL('missing.js', url))).status).toBe(404);
    for (const file of ['tsconfig.json', 'vendor/markdown-it.d.mts']) {
      expect((await fetch(new URL(file, url))).status, file).toBe(404);
    }
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it("serves markdown-it's browser build from the installed package at vendor/markdown-it.mjs", async () => {
    const { url } = await serve(createWebPage());
    const res = await fetch(new URL('vendor/markdown-it.mjs', url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const installed = createRequire(import.meta.url).resolve('markdown-it/package.json');
    const build = new URL('dist/browser/markdown-it.esm.min.mjs', `file://${installed}`);
    expect(await res.text()).toBe(readFileSync(build, 'utf8'));
  });

  it('marks the body for the demo banner only when asked', async () => {
    const demo = await serve(createWebPage({ demo: true }));
    expect(await (await fetch(demo.url)).text()).toContain('<body data-demo="true">');
    await demo.close();
    const plain = await serve(createWebPage());
    const html = await (await fetch(plain.url)).text();
    expect(html).toContain('<body>');
    expect(html).not.toContain('data-demo');
  });

  it('is served without the page when web is off (serve --no-web): / answers 426', async () => {
    const { url } = await serve(false);
    const res = await fetch(url);
    expect(res.status).toBe(426);
    expect(await res.text()).toContain('websocket endpoint');
    expect((await fetch(new URL('app.js', url))).status).toBe(404);
  });
});

describe('the page files', () => {
  const html = readFileSync(new URL('index.html', WEB), 'utf8');
  const scripts = PAGE_FILES.filter((f) => f.endsWith('.js')).map((f) => readFileSync(new URL(f, WEB), 'utf8'));

  it('have no inline script or style, which the CSP would block', () => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('load nothing from elsewhere: every asset is a file agentws serves (works offline)', () => {
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['app.js', 'favicon.svg', 'favicon.svg', 'style.css']);
    const imports = scripts.flatMap((source) =>
      [...source.matchAll(/^import [^;]* from '([^']+)';$/gm)].map((m) => m[1]),
    );
    // Each other, and markdown-it's browser build that createWebPage serves beside them.
    expect([...new Set(imports)].sort()).toEqual([
      './composer.js',
      './connection.js',
      './markdown.js',
      './tab-storage.js',
      './transcript.js',
      './vendor/markdown-it.mjs',
      './view.js',
    ]);
    for (const source of [html, ...scripts, readFileSync(new URL('style.css', WEB), 'utf8')]) {
      expect(source).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      expect(source).not.toMatch(/@import|url\(/);
    }
  });

  it('never put server text into HTML', () => {
    for (const source of scripts) expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});

describe('createWebPage({ path })', () => {
  it('serves the page inside a folder, redirects the bare folder, and leaves other paths alone', async () => {
    const page = createWebPage({ path: '/chat/' });
    const httpServer = createServer((req, res) => {
      if (page.handle(req, res)) return;
      res.writeHead(418).end('mine');
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(base + '/chat/')).text()).toBe(readFileSync(new URL('index.html', WEB), 'utf8'));
      expect((await fetch(base + '/chat/view.js')).status).toBe(200);
      const bare = await fetch(base + '/chat', { redirect: 'manual' });
      expect([bare.status, bare.headers.get('location')]).toEqual([308, '/chat/']);
      expect((await fetch(base + '/')).status).toBe(418);
      expect((await fetch(base + '/app.js')).status).toBe(418);
      expect((await fetch(base + '/chat/', { method: 'POST' })).status).toBe(418);
    } finally {
      await new Promise((resolve) => httpServer.close(resolve));
    }
  });

  it('refuses a path that is not a folder, naming the option', () => {
    for (const path of ['chat/', '/chat', '/a b/', '/chat/?x=1/']) {
      expect(() => createWebPage({ path })).toThrow(/Option path of the web page must be a URL folder/);
    }
  });
});
