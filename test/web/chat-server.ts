import type { Page } from 'playwright-core';
import { afterEach } from 'vitest';
import type { ToolFunction } from '../../src/agents/index.js';
import type { HumanInputMode } from '../../src/protocol/events.js';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import type { OnConnect } from '../../src/server/session.js';
import { createWebPage } from '../../src/server/web-page.js';
import type { FakeOpenAI, FakeReply } from '../../src/testing/index.js';
import { seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import { seedOnConnect } from '../fixtures/seed-agents.js';

/** What {@link useChatServer}'s `start` runs. By default the seed's agents against the fake model's seed replies. */
export interface ChatServerOptions {
  replies?: FakeReply[];
  tokenDelayMs?: number;
  humanInputMode?: HumanInputMode;
  /** The seed's weather tool, replaced. */
  tool?: ToolFunction<{ city: string }>;
  /** Agents of your own instead of the seed's. */
  onConnect?: OnConnect;
  token?: string;
  demo?: boolean;
  inputTimeoutMs?: number;
}

export interface ChatServer {
  server: AgentwsServer;
  fake: FakeOpenAI;
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
      tokenDelayMs: options.tokenDelayMs,
    });
    cleanups.push(() => fake.close());
    const onConnect =
      options.onConnect ??
      seedOnConnect({
        configList: [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }],
        humanInputMode: options.humanInputMode,
        tool: options.tool,
      });
    const server = await runServer({
      port: 0,
      web: createWebPage({ demo: options.demo }),
      onConnect,
      token: options.token,
      inputTimeoutMs: options.inputTimeoutMs,
      logger: silentLogger,
    });
    cleanups.push(() => server.close({ graceMs: 0 }));
    return { server, fake };
  };
}

/** Types a message into the composer once it is enabled, and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator('#message:enabled').waitFor();
  await page.fill('#message', text);
  await page.press('#message', 'Enter');
}

/** Waits for the end card and says how the run ended. */
export async function endState(page: Page): Promise<{ reason: string | null; text: string }> {
  const card = page.locator('.end-state');
  await card.waitFor();
  return { reason: await card.getAttribute('data-reason'), text: await card.innerText() };
}
