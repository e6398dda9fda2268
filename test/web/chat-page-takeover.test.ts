import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_POEM, SEED_POEM_TOKENS, SEED_TOOL_CALL } from '../../src/testing/index.js';
import type { FakeResponder } from '../../src/testing/index.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import { Gate, pacedBody } from '../helpers/paced-model.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { noBrowserReason, usePage } from './browser.js';
import { endState, sendMessage, useChatServer } from './chat-server.js';

// The page of a durable run taken over by another instance (two servers on one Redis, in this process): the run on A
// stalls mid-reply, B takes it over, A loses it (its lease) and closes the page's connection with 1012; the page
// comes back through A, which now follows the run on B, and gets `step_retried` before the reply's second try.

let redis: RedisProcess | undefined;

beforeAll(async () => {
  if (noBrowserReason === undefined) redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

/** The seed's model: the tool call, then the poem paced by `gate`. */
function seedModel(gate: Gate): FakeResponder {
  return (request) =>
    request.body.messages.some((m) => m.role === 'tool')
      ? { rawBody: pacedBody(SEED_POEM_TOKENS, gate) }
      : { toolCalls: [SEED_TOOL_CALL] };
}

describe.skipIf(noBrowserReason !== undefined)(`the chat page when its run moves ${noBrowserReason ?? ''}`, () => {
  const browser = usePage();
  const start = useChatServer();

  it('drops the first try of the reply in flight (step_retried) and shows the reply once, whole', async () => {
    const store = () => RedisSessionStore.connect(redis!.url, { keyPrefix: 'page-takeover:' });
    const stalled = new Gate();
    const open = new Gate();
    open.release();
    const a = await start({ replies: [], respond: seedModel(stalled), store });
    const b = await start({ replies: [], respond: seedModel(open), store });
    const { page } = browser;
    await page.goto(a.url);
    await sendMessage(page, SEED_MESSAGE);
    stalled.release(5);
    await page.waitForFunction(
      (text) =>
        Array.from(document.querySelectorAll<HTMLElement>('.msg.streaming .msg-body')).some((n) =>
          n.innerText.includes(text),
        ),
      SEED_POEM_TOKENS.slice(0, 5).join('').trim(),
    );
    const id = await page.evaluate(() => {
      const key = Object.keys(window.sessionStorage).find((k) => k.startsWith('agentws.session'));
      return (JSON.parse(window.sessionStorage.getItem(key!)!) as { id: string }).id;
    });

    const takeover = b.server.endpoint.takeOver(id);
    expect((await endState(page)).reason).toBe('completed');
    expect(await takeover).toBe('completed');
    // One bubble with the poem, whole; the first try's five tokens are gone.
    const firstTokens = SEED_POEM_TOKENS.slice(0, 5).join('').trim();
    const bodies = await page.locator('.msg.agent .msg-body').allInnerTexts();
    expect(bodies.filter((text) => text.includes(firstTokens))).toHaveLength(1);
    expect(bodies.some((text) => text.includes(SEED_POEM.split('\n').at(-2)!.trim()))).toBe(true);
    expect(await page.locator('.note', { hasText: 'runs again' }).count()).toBe(1);
    expect(browser.errors).toEqual([]);
  });
});
