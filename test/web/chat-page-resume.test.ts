import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_POEM, SEED_POEM_TOKENS, seedReplies } from '../../src/testing/index.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import { noBrowserReason, usePage } from './browser.js';
import { endState, sendMessage, useChatServer, waitForFollowUp } from './chat-server.js';
import { Gate, pacedBody } from '../helpers/paced-model.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';

const [TOOL_CALL] = seedReplies();
const POEM_SHOWN = SEED_POEM.replace(/\nTERMINATE$/, '');
/** The model's reply to the follow-up in these tests. */
const SECOND_REPLY = { content: 'Lisbon: sunny, with a breeze from the river.\nTERMINATE' };

/** The poem's first `count` tokens, as the page shows them while it streams. */
function poemSoFar(count: number): string {
  return SEED_POEM_TOKENS.slice(0, count).join('');
}

/** The conversation's text as the page shows it, with the weather tool's clock time taken out. */
async function transcript(page: Page): Promise<string> {
  const text = await page.locator('#log').innerText();
  return text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '<time>');
}

/** What the tab keeps in sessionStorage about its chat. */
async function saved(page: Page): Promise<{ id: string; token: string; lastSeq: number }> {
  const stored = await page.evaluate(() => {
    const key = Object.keys(window.sessionStorage).find((k) => k.startsWith('agentws.session'));
    return key === undefined ? null : window.sessionStorage.getItem(key);
  });
  return JSON.parse(stored ?? 'null');
}

/** Waits until the streaming reply shows the poem's first `count` tokens, its line breaks included. */
async function streamed(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (text) =>
      Array.from(document.querySelectorAll<HTMLElement>('.msg.streaming .msg-body')).some((n) =>
        n.innerText.includes(text),
      ),
    poemSoFar(count),
  );
}

let redis: RedisProcess | undefined;
let stores = 0;

beforeAll(async () => {
  // Small stream nodes, so that MAXLEN ~ trims after a few entries rather than after 100.
  if (noBrowserReason === undefined) redis = await startRedis(['--stream-node-max-entries', '4']);
});

afterAll(async () => {
  await redis?.stop();
});

describe.skipIf(noBrowserReason !== undefined).each(['memory', 'redis'] as const)(
  `the chat page across drops and reloads (%s store) ${noBrowserReason ?? ''}`,
  (kind) => {
    const browser = usePage();
    const startServer = useChatServer();
    /** The server, with its sessions in memory or in Redis (the same page, the same assertions). */
    const start: typeof startServer = (options = {}) =>
      startServer({
        ...options,
        ...(kind === 'redis'
          ? {
              store: () =>
                RedisSessionStore.connect(redis!.url, {
                  keyPrefix: `page${(stores += 1)}:`,
                  ...(options.maxLogBytes === undefined ? {} : { maxLogEvents: 8 }),
                }),
            }
          : {}),
      });

    /** The seed conversation with `agentws serve`'s default agents, uninterrupted, as a second tab shows it. */
    async function uninterrupted(): Promise<string> {
      const { url } = await start({ followUps: true, replies: seedReplies() });
      const page = await browser.context.newPage();
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      await waitForFollowUp(page);
      const text = await transcript(page);
      await page.close();
      return text;
    }

    /** The default agents, whose poem streams only as fast as `gate` lets it. */
    function paced(gate: Gate, options: Parameters<typeof start>[0] = {}) {
      return start({
        followUps: true,
        replies: [TOOL_CALL!, { rawBody: pacedBody(SEED_POEM_TOKENS, gate) }],
        ...options,
      });
    }

    it('a reload mid-run shows the whole conversation so far, then goes on live to its end, each text once', async () => {
      const reference = await uninterrupted();
      const gate = new Gate();
      const { server, url } = await paced(gate);
      const sessions: string[] = [];
      server.endpoint.on('session-start', ({ id }) => sessions.push(id));
      const { page } = browser;
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      gate.release(12);
      await streamed(page, 12);

      await page.reload();
      // The server's replay: the message, the tool call and its result, the poem so far.
      await streamed(page, 12);
      expect(await page.locator('.msg.user .msg-body').allInnerTexts()).toEqual([SEED_MESSAGE]);
      expect(await page.locator('details.tool-call').count()).toBe(1);
      expect(await page.locator('details.tool-result').count()).toBe(1);
      expect(await page.locator('#status').getAttribute('data-state')).toBe('running');

      gate.release();
      await waitForFollowUp(page);
      expect(await page.locator('.msg.agent .msg-body').allInnerTexts()).toEqual([POEM_SHOWN]);
      expect(await transcript(page)).toBe(reference);
      expect(sessions).toHaveLength(1); // resumed after the reload, not started again

      // What the tab keeps is in sessionStorage, never in the address bar nor in localStorage.
      expect(page.url()).toBe(url);
      expect(await page.evaluate(() => window.localStorage.length)).toBe(0);
      expect(await saved(page)).toMatchObject({
        id: expect.any(String),
        token: expect.any(String),
        lastSeq: expect.any(Number),
      });
    });

    it('a follow-up continues the chat: the same composer sends it, and the model sees the earlier messages', async () => {
      const { server, fake } = await start({ followUps: true, replies: [...seedReplies(), SECOND_REPLY] });
      const outcomes: string[] = [];
      server.endpoint.on('session-end', ({ outcome }) => outcomes.push(outcome));
      const { page } = browser;
      await page.goto(server.url);
      await sendMessage(page, SEED_MESSAGE);
      await waitForFollowUp(page);
      expect(await page.locator('.msg.agent .msg-body').allInnerTexts()).toEqual([POEM_SHOWN]);

      await sendMessage(page, 'And in Lisbon? One line.');
      await page.locator('.msg.agent', { hasText: 'Lisbon: sunny' }).waitFor();
      await waitForFollowUp(page, 2);
      expect(await page.locator('.msg.user .msg-body').allInnerTexts()).toEqual([
        SEED_MESSAGE,
        'And in Lisbon? One line.',
      ]);
      const messages = fake.requests[2]!.body.messages;
      expect(messages.at(-1)).toMatchObject({ role: 'user', content: 'And in Lisbon? One line.' });
      expect(messages.map((m) => m.content)).toContain(SEED_MESSAGE);
      expect(messages.map((m) => m.content)).toContain(SEED_POEM);

      // New chat ends this run (an empty follow-up: it finishes rather than being cancelled) and starts another.
      await page.click('#new-chat');
      await page.locator('#status[data-state="ready"]', { hasText: /^Ready$/ }).waitFor();
      await expect.poll(() => outcomes).toEqual(['completed']);
      expect(await page.locator('.msg').count()).toBe(0);
    });

    it('survives the server being unreachable for 5 s: "Reconnecting…", then resumes and finishes the run', async () => {
      const reference = await uninterrupted();
      const gate = new Gate();
      const { url, proxy } = await paced(gate, { proxy: true });
      const { page } = browser;
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      gate.release(8);
      await streamed(page, 8);

      proxy!.refuse(true);
      proxy!.cut();
      const status = page.locator('#status');
      await page.locator('#status[data-state="reconnecting"]').waitFor();
      expect(await status.innerText()).toBe('Reconnecting…');
      expect(await page.locator('#message').isDisabled()).toBe(true);
      gate.release(16); // the run goes on while the page is away
      // The outage the issue names (its length, not a wait for the page).
      await sleep(5000);
      expect(await status.getAttribute('data-state')).toBe('reconnecting');
      expect(await page.locator('.end-state').count()).toBe(0);

      proxy!.refuse(false);
      await streamed(page, 24);
      expect(await status.getAttribute('data-state')).toBe('running');
      gate.release();
      await waitForFollowUp(page);
      expect(await transcript(page)).toBe(reference);
      expect(browser.errors.filter((e) => !e.includes('WebSocket'))).toEqual([]);
    }, 60_000);

    it('cuts mid-stream: the transcript ends identical to an uninterrupted run', async () => {
      const reference = await uninterrupted();
      const gate = new Gate();
      const { url, proxy } = await paced(gate, { proxy: true });
      const { page } = browser;
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      for (let cut = 1; cut <= 4; cut++) {
        // Tokens released after the previous cut: the page shows them only once it has resumed.
        gate.release(8);
        await streamed(page, 8 * cut - 4);
        // Cut with tokens on the way: some arrive before the cut, the rest come again in the replay.
        proxy!.cut();
      }
      gate.release();
      await waitForFollowUp(page);
      expect(await page.locator('.msg.agent .msg-body').allInnerTexts()).toEqual([POEM_SHOWN]);
      expect(await transcript(page)).toBe(reference);
      expect(sockets.length).toBeGreaterThanOrEqual(4); // a resume after each cut
    });

    it('drops a connection that went silent (no pong) and resumes on a new one', async () => {
      const { url, fake } = await start({ followUps: true, replies: [...seedReplies(), SECOND_REPLY] });
      const { page } = browser;
      // The page's timers on a clock the test moves; a route between page and server that can go quiet without
      // closing, as a socket does when a laptop sleeps or the network changes under it.
      await page.clock.install();
      const connections: Array<{ silent: boolean; sent: string[] }> = [];
      await page.routeWebSocket(/\/ws$/, (route) => {
        const connection = { silent: false, sent: [] as string[] };
        connections.push(connection);
        const server = route.connectToServer();
        route.onMessage((message) => {
          connection.sent.push(String(message));
          if (!connection.silent) server.send(message);
        });
        server.onMessage((message) => {
          if (!connection.silent) route.send(message);
        });
      });
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      await waitForFollowUp(page);

      connections[0]!.silent = true;
      await page.clock.runFor(35_000);
      await expect.poll(() => connections.length).toBe(2);
      expect(connections[0]!.sent.map((m) => JSON.parse(m).type)).toEqual(['input_response', 'ping']);
      await expect.poll(() => connections[1]!.sent.length).toBeGreaterThan(0);
      expect(JSON.parse(connections[1]!.sent[0]!)).toMatchObject({ type: 'resume', after: expect.any(Number) });
      await waitForFollowUp(page);
      await sendMessage(page, 'And in Lisbon? One line.');
      await page.locator('.msg.agent', { hasText: 'Lisbon: sunny' }).waitFor();
      expect(fake.requests).toHaveLength(3);
    });

    it('sends again an answer the drop lost on the way (its id is in the pending_inputs of resumed)', async () => {
      const { url, fake } = await start({ followUps: true, replies: [...seedReplies(), SECOND_REPLY] });
      const { page } = browser;
      const sent: string[][] = [];
      let loseAnswers = false;
      await page.routeWebSocket(/\/ws$/, (route) => {
        const frames: string[] = [];
        sent.push(frames);
        const server = route.connectToServer();
        route.onMessage((message) => {
          frames.push(String(message));
          if (!loseAnswers || JSON.parse(String(message)).type !== 'input_response') return server.send(message);
          // The answer never reaches the server: the connection drops with it.
          loseAnswers = false;
          void server.close();
          void route.close({ code: 1001, reason: 'gone' });
        });
      });
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      await waitForFollowUp(page);

      loseAnswers = true;
      await sendMessage(page, 'And in Lisbon? One line.');
      await page.locator('.msg.agent', { hasText: 'Lisbon: sunny' }).waitFor();
      expect(sent).toHaveLength(2);
      expect(sent[1]!.map((m) => JSON.parse(m).type)).toEqual(['resume', 'input_response']);
      expect(fake.requests[2]!.body.messages.at(-1)).toMatchObject({ content: 'And in Lisbon? One line.' });
      expect(await page.locator('.msg.user .msg-body').allInnerTexts()).toEqual([
        SEED_MESSAGE,
        'And in Lisbon? One line.',
      ]);
    });

    it('says so when another tab takes the chat over (4001), and lets it be', async () => {
      const { url, fake } = await start({ followUps: true, replies: [...seedReplies(), SECOND_REPLY] });
      const { page } = browser;
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      await waitForFollowUp(page);

      // "Duplicate tab": the copy starts with the first tab's sessionStorage, so it resumes the same chat.
      const storage = await page.evaluate(() => Object.entries(window.sessionStorage));
      const copy = await browser.context.newPage();
      await copy.addInitScript((entries) => {
        for (const [key, value] of entries) window.sessionStorage.setItem(key, value);
      }, storage);
      await copy.goto(url);
      await waitForFollowUp(copy);

      const end = await endState(page);
      expect(end.reason).toBe('taken_over');
      expect(end.text).toContain('Continued in another tab');
      expect(await page.locator('#status').innerText()).toBe('Continued in another tab');
      // The copy holds the chat: its follow-up goes through, and the first tab does not take it back.
      await sendMessage(copy, 'And in Lisbon? One line.');
      await copy.locator('.msg.agent', { hasText: 'Lisbon: sunny' }).waitFor();
      expect(fake.requests).toHaveLength(3);
      expect(await copy.locator('.end-state').count()).toBe(0);
    });

    it('says when the session is gone (resume_failed: expired) and offers a new chat', async () => {
      const { server, url } = await start({ resumeWindowMs: 200 });
      const { page } = browser;
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      expect((await endState(page)).reason).toBe('completed');
      const { id } = await saved(page);
      // The ended run is kept for the resume window, then forgotten.
      await expect
        .poll(async () => (await server.endpoint.options.store.read(id, 0)).status, { timeout: 10_000 })
        .toBe('expired');

      await page.reload();
      const end = await endState(page);
      expect(end.reason).toBe('gone');
      expect(end.text).toContain('This chat is no longer available');
      expect(end.text).toContain('the server no longer keeps it');
      expect(await page.locator('.msg').count()).toBe(0);
      await page.locator('.end-state button').click();
      await page.locator('#status[data-state="ready"]', { hasText: /^Ready$/ }).waitFor();
      expect(await page.locator('.end-state, .msg').count()).toBe(0);
      // The expired chat is forgotten; the new one is kept instead.
      await expect.poll(async () => (await saved(page))?.id ?? id).not.toBe(id);
    });

    it('after a reload whose start no longer fits the server log, says so and goes on from where the tab was', async () => {
      const gate = new Gate();
      // Room for a few events, not for the whole conversation so far.
      const { server, url } = await paced(gate, { maxLogBytes: 1500 });
      const { page } = browser;
      await page.goto(url);
      await sendMessage(page, SEED_MESSAGE);
      gate.release(10);
      await streamed(page, 10);
      // The tab writes down the last seq it showed within half a second; the run is held until it has.
      const { id } = await saved(page);
      const { store } = server.endpoint.options;
      expect((await store.read(id, 0)).status).toBe('evicted');
      const log = await store.read(id, Number.MAX_SAFE_INTEGER);
      if (log.status !== 'ok') throw new Error(`the session's log: ${log.status}`);
      await expect.poll(async () => (await saved(page)).lastSeq).toBe(log.lastSeq);

      await page.reload();
      await page.locator('.note', { hasText: 'too long to restore' }).waitFor();
      gate.release();
      await waitForFollowUp(page);
      // The reply whose end was replayed shows all of it once its message comes.
      expect(await page.locator('.msg.agent .msg-name').allInnerTexts()).toEqual(['chatbot']);
      expect(await page.locator('.msg.agent .msg-body').allInnerTexts()).toEqual([POEM_SHOWN]);
      expect(await page.locator('.msg.user').count()).toBe(0);
    });
  },
);
