import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it. */
export const CHROMIUM = process.env.AGENTWS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why browser tests are skipped here, or undefined when they run. On CI (`CI` set) they always run, so a missing
 * browser fails them instead of passing silently.
 */
export const noBrowserReason =
  existsSync(CHROMIUM) || process.env.CI
    ? undefined
    : `(skipped: ${CHROMIUM} not found; install Debian's chromium with apt-get install -y chromium, or set AGENTWS_CHROMIUM)`;

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots of failed tests go (git-ignored). */
export const RESULTS_DIR = join(process.cwd(), 'test-results');

function fileName(testName: string): string {
  return (
    testName
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 120) || 'test'
  );
}

/**
 * One headless Chromium for the file and a fresh page per test; a test that fails leaves a screenshot in
 * `test-results/<test name>.png` (a passing test removes an old one). Call once at the top of a describe block.
 */
export function usePage(): { readonly page: Page; readonly context: BrowserContext; readonly errors: string[] } {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const errors: string[] = [];

  beforeAll(async () => {
    // Playwright gives every launch a fresh --user-data-dir of its own (and refuses one in args), so nothing from
    // an earlier run (cache, storage) can leak into a test; each test also gets its own context.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser!.newContext({ viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    errors.length = 0;
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
  });
  afterEach(async (ctx) => {
    const path = join(RESULTS_DIR, `${fileName(ctx.task.name)}.png`);
    if (ctx.task.result?.state === 'fail' && page) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path, fullPage: true }).catch(() => {});
    } else {
      rmSync(path, { force: true });
    }
    await context?.close();
  });

  return {
    get page() {
      if (!page) throw new Error('usePage(): the page exists only inside a test');
      return page;
    },
    /** Console errors and uncaught exceptions of the page in this test (CSP violations show up here). */
    errors,
    get context() {
      if (!context) throw new Error('usePage(): the context exists only inside a test');
      return context;
    },
  };
}
