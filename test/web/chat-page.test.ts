import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SEED_POEM, seedReplies } from '../../src/testing/index.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import { noBrowserReason, usePage } from './browser.js';
import { endState, sendMessage, useChatServer } from './chat-server.js';

describe.skipIf(noBrowserReason !== undefined)(`the agentws chat page ${noBrowserReason ?? ''}`, () => {
  const browser = usePage();
  const startServer = useChatServer();

  /** The server, and the page's console errors and uncaught exceptions (CSP violations show up there). */
  async function start(options: Parameters<typeof startServer>[0] = {}) {
    return { ...(await startServer(options)), pageErrors: browser.errors };
  }

  it('runs the seed conversation: the user message, the tool call and result, the streamed poem once, the end', async () => {
    const { server, pageErrors } = await start();
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, SEED_MESSAGE);

    const end = await endState(page);
    expect(end.reason).toBe('completed');
    expect(end.text).toContain('Run finished');

    const user = page.locator('.msg.user');
    expect(await user.count()).toBe(1);
    expect(await user.locator('.msg-body').innerText()).toBe(SEED_MESSAGE);

    const call = page.locator('details.tool-call');
    expect(await call.count()).toBe(1);
    expect(await call.locator('summary').innerText()).toContain('chatbot calls weather_forecast');
    expect(await call.getAttribute('open')).toBeNull();
    await call.locator('summary').click();
    expect(await call.locator('.tool-args').innerText()).toContain('"city": "Paris"');
    expect(await call.locator('.badge').innerText()).toBe('done');

    const result = page.locator('details.tool-result');
    expect(await result.count()).toBe(1);
    expect(await result.locator('.tool-output').textContent()).toBe(
      'The weather forecast for Paris at 2024-01-01 12:00:00 is sunny.',
    );

    // The poem is shown once although AutoGen prints it again as a text event after streaming it, line by line as
    // the model wrote it, without the TERMINATE that ends it.
    const poem = page.locator('.msg.agent', { hasText: 'Paris wakes beneath a sunny sky' });
    expect(await poem.count()).toBe(1);
    expect(await poem.locator('.msg-name').innerText()).toBe('chatbot');
    expect(await poem.locator('.msg-body').innerText()).toBe(SEED_POEM.replace(/\nTERMINATE$/, ''));
    expect(await page.locator('.msg.streaming').count()).toBe(0);

    expect(await page.locator('#status').innerText()).toBe('Run finished');
    expect(await page.locator('#message').isDisabled()).toBe(true);
    expect(await page.locator('#stop').isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('shows a question from the agents in the conversation and answers it from the one composer', async () => {
    const { server, fake, pageErrors } = await start({
      humanInputMode: 'TERMINATE',
      replies: [...seedReplies(), { content: 'Sunny Paris, bright and slow.\nTERMINATE' }],
    });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, SEED_MESSAGE);

    const question = page.locator('.prompt:not(.answered)');
    await question.waitFor();
    expect(await question.locator('.prompt-text').innerText()).toContain('Please give feedback to chatbot');
    expect(await page.locator('#status').getAttribute('data-state')).toBe('waiting');
    expect(await page.locator('#message').getAttribute('placeholder')).toBe('Answer the question above.');
    // One place to type, one Send button: the question has no field of its own.
    expect(await page.locator('#log input, #log textarea, #log button').count()).toBe(0);
    expect(await page.locator('#secret').isHidden()).toBe(true);
    await sendMessage(page, 'Make it one line.');

    // The model gets the answer, replies, and the agent asks again; "exit" ends the chat.
    await page.locator('.msg.agent', { hasText: 'Sunny Paris, bright and slow.' }).waitFor();
    const third = fake.requests[2]?.body.messages.at(-1);
    expect(third?.content).toBe('Make it one line.');
    await question.waitFor();
    expect(await page.locator('.prompt.answered').count()).toBe(1);
    await page.locator('#message:enabled').fill('exit');
    await page.locator('#send').click();

    const end = await endState(page);
    expect(end.reason).toBe('completed');
    expect(await page.locator('.prompt.answered .prompt-answer').allTextContents()).toEqual([
      'YouMake it one line.',
      'Youexit',
    ]);
    // The answer is not shown a second time when the agents echo it.
    expect(await page.locator('.msg', { hasText: 'Make it one line.' }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('masks the composer when a question asks for a password, and never shows or keeps the answer', async () => {
    const received: string[] = [];
    const { server, pageErrors } = await start({
      onConnect: async (iostream) => {
        const key = await iostream.input('API key: ', { password: true });
        received.push(key);
        iostream.print('got', key.length, 'characters');
      },
    });
    const { page } = browser;
    await page.goto(server.url);
    const field = page.locator('#secret:enabled');
    await field.waitFor();
    expect(await field.getAttribute('type')).toBe('password');
    expect(await page.locator('#message').isHidden()).toBe(true);
    expect(await page.locator('.prompt .prompt-text').innerText()).toContain('API key:');
    await field.fill('hunter22');
    await field.press('Enter');

    expect((await endState(page)).reason).toBe('completed');
    expect(received).toEqual(['hunter22']);
    expect(await page.locator('.print').textContent()).toBe('got 8 characters\n');
    expect(await page.locator('body').innerText()).not.toContain('hunter22');
    expect(await page.locator('.prompt-answer').innerText()).toContain('••••••••');
    expect(await page.evaluate(() => JSON.stringify(window.sessionStorage))).not.toContain('hunter22');
    // Back to the message field, empty.
    expect(await page.locator('#secret').isHidden()).toBe(true);
    expect(await page.locator('#message').isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('Stop sends cancel: the run ends as cancelled and the model request is aborted', async () => {
    const [toolCall, poem] = seedReplies();
    const { server, fake, pageErrors } = await start({ replies: [toolCall!, { ...poem!, tokenDelayMs: 200 }] });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, SEED_MESSAGE);

    await page.locator('.msg.streaming .msg-body', { hasText: 'Paris' }).waitFor();
    expect(await page.locator('#stop').isVisible()).toBe(true);
    await page.click('#stop');

    const end = await endState(page);
    expect(end.reason).toBe('cancelled');
    expect(end.text).toContain('Run cancelled');
    await fake.waitForRequestClosed(1);
    const shown = await page.locator('.msg.agent .msg-body').last().textContent();
    expect(SEED_POEM.startsWith(shown ?? '')).toBe(true);
    expect(shown!.length).toBeLessThan(SEED_POEM.length);
    expect(pageErrors).toEqual([]);
  });

  it('New chat starts a fresh session', async () => {
    const { server, fake } = await start({ replies: [...seedReplies(), ...seedReplies()] });
    const sessions: string[] = [];
    server.endpoint.on('session-start', ({ id }) => sessions.push(id));
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, SEED_MESSAGE);
    await endState(page);

    await page.locator('.end-state button').click();
    await page.locator('#status[data-state="ready"]').waitFor();
    expect(await page.locator('.msg, details, .end-state').count()).toBe(0);
    await sendMessage(page, 'Again, please: the weather in Paris.');
    expect((await endState(page)).reason).toBe('completed');
    expect(sessions).toHaveLength(2);
    expect(fake.requests).toHaveLength(4);
  });

  it('takes the token from the #token= fragment, sends it as a subprotocol only, and clears it from the address bar', async () => {
    const token = 'page-token-0123456789';
    const { server } = await start({ token });
    const { page } = browser;
    const socketUrls: string[] = [];
    page.on('websocket', (ws) => socketUrls.push(ws.url()));
    const offered: Array<string | undefined> = [];
    server.httpServer.on('upgrade', (req: IncomingMessage) => offered.push(req.headers['sec-websocket-protocol']));
    await page.goto(`${server.url}#token=${token}`);
    await sendMessage(page, SEED_MESSAGE);
    expect((await endState(page)).reason).toBe('completed');

    expect(offered).toEqual([`agentws.v1, agentws.token.${token}`]);
    expect(socketUrls).toEqual([`ws://127.0.0.1:${server.port}/ws`]);
    expect(page.url()).toBe(server.url);
  });

  it('says how to pass the token when the server refuses the page without one', async () => {
    const { server } = await start({ token: 'page-token-0123456789' });
    const { page } = browser;
    await page.goto(server.url);
    const end = await endState(page);
    expect(end.reason).toBe('disconnected');
    expect(end.text).toContain('#token=');
  });

  it('shows what agents send as text, never as HTML', async () => {
    const attack = '<img src=x onerror="window.__injected=1"><script>window.__injected=2</script>';
    const { server, pageErrors } = await start({
      onConnect: async (iostream) => {
        await iostream.input();
        iostream.send({ type: 'text', content: { content: attack, sender: 'user_proxy', recipient: 'chatbot' } });
        iostream.send({ type: 'stream_start', content: { agent: 'chatbot', model: 'gpt-4' } });
        iostream.send({ type: 'stream', content: { content: '<b>not bold</b>' } });
        iostream.send({ type: 'stream_end', content: { agent: 'chatbot', model: 'gpt-4' } });
        iostream.print('<i>printed</i>');
        iostream.send({
          type: 'tool_call',
          content: {
            content: null,
            sender: 'chatbot',
            recipient: 'user_proxy',
            tool_calls: [{ id: 'c1', type: 'function', function: { name: '<u>tool</u>', arguments: attack } }],
          },
        });
      },
    });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, 'hi');
    await endState(page);
    await page.locator('details.tool-call summary').click();

    const log = page.locator('#log');
    expect(await log.locator('img, script, b, i, u').count()).toBe(0);
    const text = await log.innerText();
    expect(text).toContain(attack);
    expect(text).toContain('<b>not bold</b>');
    expect(text).toContain('<i>printed</i>');
    expect(text).toContain('<u>tool</u>');
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });

  it('ends with the reason when a question is not answered in time, and disables the composer', async () => {
    const { server, pageErrors } = await start({
      inputTimeoutMs: 300,
      onConnect: async (iostream) => {
        await iostream.input('Your name? ');
      },
    });
    const { page } = browser;
    await page.goto(server.url);
    const end = await endState(page);
    expect(end.reason).toBe('input_timeout');
    expect(end.text).toContain('Timed out waiting for your answer');
    expect(await page.locator('.prompt.expired').count()).toBe(1);
    expect(await page.locator('#message').isDisabled()).toBe(true);
    expect(await page.locator('#send').isDisabled()).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('reports a failed run with its error', async () => {
    const { server } = await start({
      onConnect: async (iostream) => {
        await iostream.input();
        throw new Error('the tool database is down');
      },
    });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, 'hi');
    const end = await endState(page);
    expect(end.reason).toBe('error');
    expect(end.text).toContain('Run failed');
    expect(end.text).toContain('the tool database is down');
  });

  it('shows the demo banner only when served with demo', async () => {
    const banner = 'Scripted demo model — replies are not from an LLM';
    const demo = await start({ demo: true });
    const { page } = browser;
    await page.goto(demo.server.url);
    expect(await page.locator('#demo-banner').isVisible()).toBe(true);
    expect(await page.locator('#demo-banner').innerText()).toBe(banner);

    const plain = await start();
    await page.goto(plain.server.url);
    expect(await page.locator('#demo-banner').isVisible()).toBe(false);
    expect([...demo.pageErrors, ...plain.pageErrors]).toEqual([]);
  });
});
