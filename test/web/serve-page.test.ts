import { afterEach, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../fixtures/server-process.js';
import { startNodeProcess } from '../fixtures/server-process.js';
import { noBrowserReason, usePage } from './browser.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `agentws serve --port 0 ...args`, once it listens. */
async function serve(...args: string[]): Promise<{ agentws: ServerProcess; uri: string }> {
  const agentws = startNodeProcess(['bin/agentws.js', 'serve', '--port', '0', ...args]);
  cleanups.push(() => agentws.stop());
  const [, uri] = await agentws.waitFor(/listening on (ws:\/\/\S+)/);
  return { agentws, uri: uri! };
}

const skipReason = noBrowserReason;

describe.skipIf(skipReason !== undefined)(`the page of agentws serve ${skipReason ?? ''}`, () => {
  const browser = usePage();

  it('serve --demo --token: the page URL with #token= opens the page, which runs a conversation, then asks for a follow-up, and says the model is scripted', async () => {
    const token = 'cli-page-token-42';
    const { agentws } = await serve('--demo', '--token', token);
    // stdout is a pipe here, so serve prints the URL without the token and says how to add it.
    const [, url] = await agentws.waitFor(/page:\s+(\S+)/);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await agentws.waitFor(/append #token=<your token> to the URL/);
    await agentws.waitFor(/Press Ctrl-C to stop\./);
    expect(agentws.output()).not.toContain(token);

    const { page } = browser;
    await page.goto(`${url!}#token=${token}`);
    expect(await page.locator('#demo-banner').innerText()).toBe('Scripted demo model — replies are not from an LLM');
    await page.locator('#message:enabled').fill('What is the weather in Lisbon?');
    await page.locator('#send').click();

    // The default agents keep the run open after the chat: its end is shown, and the composer takes a follow-up.
    await page.locator('.note.divider', { hasText: 'Chat between user_proxy and chatbot ended' }).waitFor();
    await page.locator('#status[data-state="ready"]', { hasText: 'Ready for a follow-up' }).waitFor();
    expect(await page.locator('#message').isEnabled()).toBe(true);
    expect(await page.locator('#message').getAttribute('placeholder')).toBe('Send a follow-up…');
    expect(await page.locator('.end-state').count()).toBe(0);
    expect(await page.locator('.msg.user .msg-body').allInnerTexts()).toEqual(['What is the weather in Lisbon?']);
    expect(await page.locator('details.tool-call summary').innerText()).toContain('weather_forecast');
    expect(await page.locator('details.tool-result .tool-output').textContent()).toContain('Lisbon');
    expect(await page.locator('.msg.agent .msg-name').allInnerTexts()).toEqual(['chatbot']);
    expect(await page.locator('.msg.agent .msg-body').textContent()).toContain('Lisbon');
    expect(agentws.output()).not.toContain('refused');
    expect(browser.errors).toEqual([]);
  });

  it('serve --no-web: no page, / says it is a websocket endpoint', async () => {
    const { agentws, uri } = await serve('--demo', '--no-web');
    expect(agentws.output()).not.toContain('page:');
    const res = await fetch(uri.replace('ws://', 'http://') + '/');
    expect(res.status).toBe(426);
    expect((await fetch(uri.replace('ws://', 'http://') + '/app.js')).status).toBe(404);
  });
});
