import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SEED_TOOL_CALL } from '../../src/testing/index.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import { noBrowserReason, usePage } from './browser.js';
import { endState, sendMessage, useChatServer, waitForFollowUp } from './chat-server.js';

/** A phone: the viewport of an iPhone SE. */
const PHONE = { width: 375, height: 667 };

/** A reply with a code line and a link longer than a phone is wide. */
const WIDE_REPLY = [
  'The forecast:',
  '',
  '```js',
  'const forecast = await weather_forecast({ city: "Paris", date: "2024-01-01T12:00:00Z", units: "metric" });',
  '```',
  '',
  'Source: https://example.com/forecasts/europe/france/ile-de-france/paris/2024-01-01/hourly?units=metric',
  'TERMINATE',
].join('\n');

/**
 * Waits for the composer to show `placeholder`, then measures it: the field must show all of it (no line cut off
 * below), and the page, the top bar and the composer must fit the screen's width.
 */
async function expectComposerFits(page: Page, placeholder: string): Promise<void> {
  await page.locator(`#message[placeholder="${placeholder}"]`).waitFor({ state: 'attached' });
  const boxes = await page.evaluate(() => {
    const field = document.getElementById('message') as HTMLTextAreaElement;
    const right = (selector: string) =>
      Math.max(...Array.from(document.querySelectorAll(selector), (node) => node.getBoundingClientRect().right));
    const wide = (node: Element) => node.scrollWidth <= node.clientWidth;
    return {
      field: { scrollHeight: field.scrollHeight, clientHeight: field.clientHeight },
      fieldFitsWidth: wide(field),
      page: wide(document.documentElement),
      topbar: wide(document.querySelector('.topbar')!),
      composerRight: right('.composer > :not([hidden])'),
      topbarRight: right('.topbar > :not([hidden])'),
      viewport: window.innerWidth,
    };
  });
  expect(boxes.field.scrollHeight, placeholder).toBeLessThanOrEqual(boxes.field.clientHeight);
  expect(boxes, placeholder).toMatchObject({ fieldFitsWidth: true, page: true, topbar: true });
  expect(boxes.composerRight, placeholder).toBeLessThanOrEqual(boxes.viewport);
  expect(boxes.topbarRight, placeholder).toBeLessThanOrEqual(boxes.viewport);
}

describe.skipIf(noBrowserReason !== undefined)(`the chat page on a phone ${noBrowserReason ?? ''}`, () => {
  const browser = usePage();
  const start = useChatServer();

  it('shows the whole composer placeholder in every state, keeps wide replies inside the screen, and gives the end card room', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const { server } = await start({
      humanInputMode: 'TERMINATE',
      replies: [{ toolCalls: [{ ...SEED_TOOL_CALL }] }, { content: WIDE_REPLY }],
      // The tool waits for the test: the agents are working until then.
      tool: async ({ city }) => {
        await released;
        return `The weather forecast for ${city} is sunny.`;
      },
    });
    const { page } = browser;
    await page.setViewportSize(PHONE);
    await page.goto(server.url);
    await page.locator('#message:enabled').waitFor();
    await expectComposerFits(page, 'Message the agents…');

    await sendMessage(page, SEED_MESSAGE);
    await page.locator('details.tool-call .badge[data-state="running"]').waitFor();
    await expectComposerFits(page, 'The agents are working…');
    release();

    const prompt = page.locator('.prompt:not(.answered)');
    await prompt.waitFor();
    await expectComposerFits(page, 'Answer the question above.');
    // The wide reply scrolls inside its code block; the bubble and the page stay within the screen.
    const reply = page.locator('.msg.agent').last();
    expect((await reply.boundingBox())!.x + (await reply.boundingBox())!.width).toBeLessThanOrEqual(PHONE.width);
    await sendMessage(page, 'exit');

    expect((await endState(page)).reason).toBe('completed');
    await expectComposerFits(page, 'This chat has ended.');
    const card = await page.locator('.end-state').evaluate((node) => {
      const style = getComputedStyle(node);
      const detail = node.querySelector('.end-detail')!.getBoundingClientRect();
      const button = node.querySelector('button')!.getBoundingClientRect();
      const box = node.getBoundingClientRect();
      return {
        fits: node.scrollWidth <= node.clientWidth,
        right: box.right,
        contentWidth: node.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
        detailWidth: detail.width,
        buttonInside: button.left >= box.left && button.right <= box.right && button.bottom <= box.bottom,
      };
    });
    expect(card.fits).toBe(true);
    expect(card.right).toBeLessThanOrEqual(PHONE.width);
    expect(card.buttonInside).toBe(true);
    // The reason gets the card's whole width, not a narrow column beside the title.
    expect(card.detailWidth).toBeGreaterThanOrEqual(card.contentWidth - 1);
    expect(browser.errors).toEqual([]);
  });

  it('fits the follow-up composer and the reconnecting state on the screen', async () => {
    const { url, proxy } = await start({ followUps: true, proxy: true });
    const { page } = browser;
    await page.setViewportSize(PHONE);
    await page.goto(url);
    await sendMessage(page, SEED_MESSAGE);
    await waitForFollowUp(page);
    await expectComposerFits(page, 'Send a follow-up…');

    proxy!.refuse(true);
    proxy!.cut();
    await page.locator('#status[data-state="reconnecting"]').waitFor();
    await expectComposerFits(page, 'Waiting for the connection…');
    proxy!.refuse(false);
    await expectComposerFits(page, 'Send a follow-up…');
    expect(await page.locator('#message').isEnabled()).toBe(true);
  });
});
