import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import { normaliseFrame, readTranscriptFrames, stripAnsi } from '../helpers/transcript.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import type { ServerProcess } from '../fixtures/server-process.js';
import { startNodeProcess } from '../fixtures/server-process.js';
import { noBrowserReason, usePage } from './browser.js';

/** The seed notebook's page, copied as is: it hardcodes ws://localhost:8080/ws. */
const SEED_PAGE = readFileSync(new URL('../fixtures/seed-chat.html', import.meta.url));
const TRANSCRIPT = new URL('../fixtures/autogen02-transcript-nocolor.txt', import.meta.url);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Serves the seed page the way the seed does with http.server: from a second server on its own port. */
async function servePage(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(SEED_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

const skipReason =
  noBrowserReason ??
  ((await portTaken(8080))
    ? '(skipped: port 8080 is taken on this machine, and the seed page hardcodes ws://localhost:8080/ws)'
    : undefined);

describe.skipIf(skipReason !== undefined)(`the seed's HTML page, unchanged ${skipReason ?? ''}`, () => {
  const browser = usePage();

  it('talks to agentws serve --port 8080: the typed message in, every frame of the conversation out as a list item', async () => {
    const fake: FakeOpenAI = await startFakeOpenAI({ replies: seedReplies() });
    cleanups.push(() => fake.close());
    const page = await servePage();
    cleanups.push(() => new Promise((resolve) => page.server.close(resolve)));

    // The page comes from another origin than the socket, as in the seed: the server must allow it.
    const agentws: ServerProcess = startNodeProcess(
      ['bin/agentws.js', 'serve', '--port', '8080', '--allow-origin', page.origin],
      { OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]) },
    );
    cleanups.push(() => agentws.stop());
    await agentws.waitFor(/listening on ws:\/\/127\.0\.0\.1:8080/);

    const { page: tab } = browser;
    await tab.goto(page.origin + '/');
    await tab.locator('#messageText').fill(SEED_MESSAGE);
    await tab.locator('button', { hasText: 'Send' }).click();
    await agentws.waitFor(/session \w+ ended: completed/);

    await tab.locator('#messages li').last().waitFor();
    const items = await tab.locator('#messages li').evaluateAll((lis) => lis.map((li) => li.textContent ?? ''));
    const expected = readTranscriptFrames(TRANSCRIPT.pathname).map((frame) => normaliseFrame(stripAnsi(frame)));
    expect(items.map(normaliseFrame)).toEqual(expected);
    expect(items).toContain('Paris');
    expect(items).toContain('***** Suggested tool call (call_fake1): weather_forecast *****\n');
  });
});
