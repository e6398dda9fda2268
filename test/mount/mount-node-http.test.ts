import { describe, expect, it } from 'vitest';
import { noBrowserReason, usePage } from '../web/browser.js';
import {
  REPLY,
  expectCleanStop,
  expectJsonConversation,
  expectOtherPathRefused,
  expectTextConversation,
  startExample,
} from './example-server.js';

describe('examples/mount-node-http.mjs', () => {
  it("keeps the app's own routes and runs agent sessions on its chosen path, then stops cleanly", async () => {
    const running = await startExample('mount-node-http.mjs');
    const home = await fetch(running.http + '/');
    expect(await home.text()).toBe('Hello from my app\n');

    await expectTextConversation(running, '/chat/ws');
    await expectJsonConversation(running, '/chat/ws');
    await expectOtherPathRefused(running);

    const page = await fetch(running.http + '/chat/');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    const bare = await fetch(running.http + '/chat', { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/chat/');

    await expectCleanStop(running);
  });
});

describe.skipIf(noBrowserReason !== undefined)(`the chat page mounted under /chat/ ${noBrowserReason ?? ''}`, () => {
  const browser = usePage();

  it('opens its websocket at /chat/ws and runs a conversation', async () => {
    const running = await startExample('mount-node-http.mjs');
    const { page } = browser;
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(running.http + '/chat');
    await page.locator('#message:enabled').fill('Say hello.');
    await page.locator('#send').click();
    await page.locator('.end-state[data-reason="completed"]').waitFor();
    expect(await page.locator('.msg.agent .msg-body').textContent()).toBe(REPLY);
    expect(sockets).toEqual([running.ws + '/chat/ws']);
    expect(browser.errors).toEqual([]);
  });
});
