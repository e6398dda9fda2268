import { describe, expect, it } from 'vitest';
import { noBrowserReason, usePage } from './browser.js';
import { endState, sendMessage, useChatServer } from './chat-server.js';

/** A reasoning model's stream (DeepSeek's shape): reasoning_content deltas, then the reply. */
function reasoningStream(): string {
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'r', object: 'chat.completion.chunk', model: 'deepseek-reasoner', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return (
    chunk({ role: 'assistant', content: null, reasoning_content: '' }) +
    ['The user', ' asks 2+2.', '\nThat is 4.'].map((t) => chunk({ content: null, reasoning_content: t })).join('') +
    ['Four', '.', '\nTERMINATE'].map((t) => chunk({ content: t, reasoning_content: null })).join('') +
    chunk({}, 'stop') +
    'data: [DONE]\n\n'
  );
}

describe.skipIf(noBrowserReason !== undefined)(`the chat page and reasoning models ${noBrowserReason ?? ''}`, () => {
  const browser = usePage();
  const start = useChatServer();

  it("shows the model's reasoning collapsed above its reply, never in it", async () => {
    const { server } = await start({ replies: [{ rawBody: reasoningStream() }] });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, 'What is 2+2?');
    expect((await endState(page)).reason).toBe('completed');

    const reply = page.locator('.msg.agent', { hasText: 'Four.' });
    expect(await reply.count()).toBe(1);
    expect(await reply.locator('.msg-body').innerText()).toBe('Four.');
    const reasoning = reply.locator('details.reasoning');
    expect(await reasoning.getAttribute('open')).toBeNull();
    expect(await reasoning.locator('summary').innerText()).toBe('Reasoning');
    expect(await reasoning.locator('.reasoning-text').isVisible()).toBe(false);
    await reasoning.locator('summary').click();
    expect(await reasoning.locator('.reasoning-text').innerText()).toBe('The user asks 2+2.\nThat is 4.');
    expect(await page.locator('.msg-body', { hasText: 'The user asks' }).count()).toBe(0);
    expect(browser.errors).toEqual([]);
  });
});
