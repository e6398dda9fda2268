import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SEED_POEM, SEED_TOOL_CALL } from '../../src/testing/index.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import { noBrowserReason, usePage } from './browser.js';
import { endState, sendMessage, useChatServer } from './chat-server.js';

/** A reply that uses what models write most: emphasis, inline code, lists, a fenced code block, links. */
const MARKDOWN_REPLY = [
  'Here is **the plan** for `Paris`:',
  '',
  '1. Check the weather',
  '2. Write a poem',
  '',
  '- sunny',
  '- warm',
  '',
  '```js',
  'const city = "Paris";',
  'console.log(`<b>${city}</b>`);',
  '```',
  '',
  'Read [the forecast](https://example.com/paris?x=1&y=2) or write to <me@example.com>.',
  'TERMINATE',
].join('\n');

/** Raw HTML and links to follow nowhere safe, as a model might write them (or be tricked into writing them). */
const HOSTILE_REPLY = [
  '<img src=x onerror="window.__injected=1">',
  '',
  '<script>window.__injected=2</script>',
  '',
  'Inline <b onclick="window.__injected=3">bold?</b> and <iframe src="javascript:window.__injected=4"></iframe>',
  '',
  '[click me](javascript:window.__injected=5) [page](/ws) <javascript:window.__injected=6> [data](data:text/html;base64,PGI+)',
  '',
  '![pixel](http://127.0.0.1:9/pixel.png)',
].join('\n');

/** Each link in the element: where it goes, its text, and how it opens. */
async function links(page: Page, selector: string) {
  return page.locator(`${selector} a`).evaluateAll((anchors) =>
    anchors.map((a) => ({
      href: a.getAttribute('href'),
      text: a.textContent,
      rel: a.getAttribute('rel'),
      target: a.getAttribute('target'),
    })),
  );
}

describe.skipIf(noBrowserReason !== undefined)(`agents' messages in the chat page ${noBrowserReason ?? ''}`, () => {
  const browser = usePage();
  const start = useChatServer();

  it("renders an agent's reply as Markdown (lists, code block, links that open in a new tab); the user's text and tool results stay plain", async () => {
    const { server } = await start({
      replies: [{ toolCalls: [{ ...SEED_TOOL_CALL }] }, { content: MARKDOWN_REPLY }],
      tool: () => '**sunny** and `warm`',
    });
    const { page } = browser;
    await page.goto(server.url);
    const userText = '**Paris** weather, `now` <i>please</i>';
    await sendMessage(page, userText);
    expect((await endState(page)).reason).toBe('completed');

    const reply = page.locator('.msg.agent .msg-body');
    expect(await reply.count()).toBe(1);
    expect(await reply.locator('p > strong').allTextContents()).toEqual(['the plan']);
    expect(await reply.locator('p > code').allTextContents()).toEqual(['Paris']);
    expect(await reply.locator('ol > li').allTextContents()).toEqual(['Check the weather', 'Write a poem']);
    expect(await reply.locator('ul > li').allTextContents()).toEqual(['sunny', 'warm']);
    expect(await reply.locator('pre > code').allTextContents()).toEqual([
      'const city = "Paris";\nconsole.log(`<b>${city}</b>`);',
    ]);
    expect(await reply.locator('b').count()).toBe(0);
    expect(await links(page, '.msg.agent .msg-body')).toEqual([
      {
        href: 'https://example.com/paris?x=1&y=2',
        text: 'the forecast',
        rel: 'noopener noreferrer',
        target: '_blank',
      },
      { href: 'mailto:me@example.com', text: 'me@example.com', rel: 'noopener noreferrer', target: '_blank' },
    ]);
    expect(await reply.innerText()).not.toContain('TERMINATE');

    const user = page.locator('.msg.user .msg-body');
    expect(await user.textContent()).toBe(userText);
    expect(await user.locator('*').count()).toBe(0);
    const result = page.locator('details.tool-result .tool-output');
    expect(await result.textContent()).toBe('**sunny** and `warm`');
    expect(await result.locator('*').count()).toBe(0);
    expect(browser.errors).toEqual([]);
  });

  it('shows raw HTML in a streamed reply as text, never as elements, and makes no link of javascript:, data: or relative URLs', async () => {
    const { server } = await start({ replies: [{ content: HOSTILE_REPLY }] });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, 'hi');
    await endState(page);

    const log = page.locator('#log');
    expect(await log.locator('img, script, iframe, b').count()).toBe(0);
    // The image is a link to it (shown as text, never loaded); nothing else became a link.
    expect(await links(page, '#log')).toEqual([
      { href: 'http://127.0.0.1:9/pixel.png', text: 'pixel', rel: 'noopener noreferrer', target: '_blank' },
    ]);
    const text = await log.innerText();
    expect(text).toContain('<img src=x onerror="window.__injected=1">');
    expect(text).toContain('<script>window.__injected=2</script>');
    expect(text).toContain('<b onclick="window.__injected=3">bold?</b>');
    expect(text).toContain('[click me](javascript:window.__injected=5) [page](/ws) <javascript:window.__injected=6>');
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(browser.errors).toEqual([]);
  });

  it('does not show the TERMINATE that ends the seed conversation', async () => {
    const { server } = await start();
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, SEED_MESSAGE);
    expect((await endState(page)).reason).toBe('completed');

    const poem = page.locator('.msg.agent .msg-body');
    expect(await poem.innerText()).toBe(SEED_POEM.replace(/\nTERMINATE$/, ''));
    expect(await page.locator('#log').innerText()).not.toContain('TERMINATE');
  });

  it('renders a message that was not streamed too, without its TERMINATE; one that only says TERMINATE shows nothing', async () => {
    const { server } = await start({
      onConnect: async (iostream) => {
        await iostream.input();
        const text = (content: string) => ({ content, sender: 'chatbot', recipient: 'user_proxy' });
        iostream.send({ type: 'text', content: text('Done:\n\n- *one*\n- two TERMINATE') });
        iostream.send({ type: 'text', content: text('TERMINATE') });
        iostream.send({ type: 'text', content: text('Keep TERMINATE in the middle, and EXTERMINATE at the end') });
      },
    });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, 'hi');
    await endState(page);

    const bodies = page.locator('.msg.agent .msg-body');
    expect(await bodies.count()).toBe(2);
    expect(await bodies.nth(0).locator('li').allTextContents()).toEqual(['one', 'two']);
    expect(await bodies.nth(0).locator('li > em').allTextContents()).toEqual(['one']);
    expect(await bodies.nth(1).innerText()).toBe('Keep TERMINATE in the middle, and EXTERMINATE at the end');
  });

  it('ends a long streamed reply (20,000 tokens) rendered', async () => {
    const items = 3_334;
    const tokens = ['# Long', ' reply', '\n\n'];
    for (let i = 0; i < items; i += 1) tokens.push('- item', ` ${i}`, ' of', ' the', ' list', '\n');
    tokens.push('\n```', '\nthe', ' end', '\n```', '\nTERMINATE');
    expect(tokens.length).toBeGreaterThanOrEqual(20_000);
    const { server } = await start({ replies: [{ content: tokens }] });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, 'Write a long list.');
    expect((await endState(page)).reason).toBe('completed');

    const reply = page.locator('.msg.agent');
    expect(await reply.count()).toBe(1);
    expect(await reply.getAttribute('class')).not.toContain('streaming');
    const body = reply.locator('.msg-body');
    expect(await body.locator('h1').textContent()).toBe('Long reply');
    expect(await body.locator('ul > li').count()).toBe(items);
    expect(await body.locator('ul > li').last().textContent()).toBe(`item ${items - 1} of the list`);
    expect(await body.locator('pre > code').textContent()).toBe('the end');
    expect(await body.innerText()).not.toContain('TERMINATE');
    expect(browser.errors).toEqual([]);
  });
});
