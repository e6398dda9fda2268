import type { Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';
import type { ToolFunction } from '../../src/agents/index.js';
import type { HumanInputMode } from '../../src/protocol/events.js';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import type { OnConnect } from '../../src/server/session.js';
import { createWebPage } from '../../src/server/web-page.js';
import { createSeedOnConnect } from '../../src/seed/seed-on-connect.js';
import type { FakeOpenAI, FakeReply, FakeResponder } from '../../src/testing/index.js';
import { seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import { seedOnConnect } from '../fixtures/seed-agents.js';
import { CutProxy } from '../helpers/cut-proxy.js';
import type { SessionStore } from '../../src/store/session-store.js';

/** What {@link useChatServer}'s `start` runs. By default the seed's agents against the fake model's seed replies. */
export interface ChatServerOptions {
  replies?: FakeReply[];
  /** Answers the model's requests once `replies` are used up. */
  respond?: FakeResponder;
  tokenDelayMs?: number;
  humanInputMode?: HumanInputMode;
  /** The seed's weather tool, replaced. */
  tool?: ToolFunction<{ city: string }>;
  /** Agents of your own instead of the seed's. */
  onConnect?: OnConnect;
  /**
   * `agentws serve`'s default agents instead (the seed's, taking follow-ups in JSON mode: after each chat they ask
   * for the next message, and the model sees the earlier ones).
   */
  followUps?: boolean;
  /** Put a {@link CutProxy} between the page and the server: `url` is then the page through it. */
  proxy?: boolean;
  resumeWindowMs?: number;
  maxLogBytes?: number;
  /** Where sessions are kept (closed after the test). Default: in memory. */
  store?: () => Promise<SessionStore>;
  token?: string;
  demo?: boolean;
  inputTimeoutMs?: number;
}

export interface ChatServer {
  server: AgentwsServer;
  fake: FakeOpenAI;
  /** The page's URL: the server's, or the proxy's with `proxy`. */
  url: string;
  proxy: CutProxy | undefined;
}

/**
 * `agentws` with the chat page on port 0 and a fake OpenAI server behind the seed's agents, both closed after the
 * test. Call once at the top of a describe block; `start` in a test.
 */
export function useChatServer(): (options?: ChatServerOptions) => Promise<ChatServer> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return async (options = {}) => {
    const fake = await startFakeOpenAI({
      replies: options.replies ?? seedReplies(),
      respond: options.respond,
      tokenDelayMs: options.tokenDelayMs,
    });
    cleanups.push(() => fake.close());
    const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }];
    const onConnect =
      options.onConnect ??
      (options.followUps
        ? createSeedOnConnect({ configList })
        : seedOnConnect({ configList, humanInputMode: options.humanInputMode, tool: options.tool }));
    const store = options.store ? await options.store() : undefined;
    if (store) cleanups.push(() => store.close());
    const server = await runServer({
      port: 0,
      ...(store ? { store } : {}),
      web: createWebPage({ demo: options.demo }),
      onConnect,
      token: options.token,
      inputTimeoutMs: options.inputTimeoutMs,
      resumeWindowMs: options.resumeWindowMs,
      maxLogBytes: options.maxLogBytes,
      logger: silentLogger,
    });
    cleanups.push(() => server.close({ graceMs: 0 }));
    if (!options.proxy) return { server, fake, url: server.url, proxy: undefined };
    const proxy = await CutProxy.start(server.uri);
    cleanups.push(() => proxy.close());
    return { server, fake, url: `http://127.0.0.1:${proxy.port}/`, proxy };
  };
}

/** Types a message into the composer once it is enabled, and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator('#message:enabled').waitFor();
  await page.fill('#message', text);
  await page.press('#message', 'Enter');
}

/**
 * Waits until the agents ask for a follow-up: the chat ended (its divider is shown) and the composer takes the next
 * message, with no end card (the run goes on).
 */
export async function waitForFollowUp(page: Page, chats = 1): Promise<void> {
  await page.locator('#status[data-state="ready"]', { hasText: 'Ready for a follow-up' }).waitFor();
  await page.locator('#message:enabled[placeholder="Send a follow-up…"]').waitFor();
  expect(await page.locator('.note.divider').count()).toBe(chats);
  expect(await page.locator('.end-state').count()).toBe(0);
}

/** Waits for the end card and says how the run ended. */
export async function endState(page: Page): Promise<{ reason: string | null; text: string }> {
  const card = page.locator('.end-state');
  await card.waitFor();
  return { reason: await card.getAttribute('data-reason'), text: await card.innerText() };
}
