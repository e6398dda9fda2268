import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { runServer, silentLogger } from '../../src/index.js';
import type { AgentwsServer, HumanInputMode, OnConnect, WireFrame } from '../../src/index.js';
import { seedOnConnect } from '../fixtures/seed-agents.js';
import { CONNECTION_EVENT_TYPES, isTerminalEvent } from '../../src/protocol/events.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import { seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { TestClient } from '../helpers/ws-client.js';

let server: AgentwsServer | undefined;
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
  server = undefined;
  fake = undefined;
});

const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';

interface PairOptions {
  humanInputMode?: HumanInputMode;
  tool?: (args: { city: string }, ctx: { signal: AbortSignal }) => unknown;
}

/** The seed's agent pair against the fake model, with knobs for the human-input and cancel tests. */
function seedPair(fakeServer: FakeOpenAI, options: PairOptions = {}): OnConnect {
  return seedOnConnect({
    configList: [{ model: 'gpt-4', base_url: fakeServer.baseURL, api_key: 'sk-test' }],
    ...options,
  });
}

async function start(onConnect: OnConnect, extra: Partial<Parameters<typeof runServer>[0]> = {}): Promise<string> {
  server = await runServer({ onConnect, port: 0, logger: silentLogger, ...extra });
  return server.uri;
}

function types(client: TestClient): string[] {
  return client.events.map((e) => e.type);
}

function expectOneTerminalAtEnd(client: TestClient): WireFrame {
  const events = client.events;
  const terminal = events.filter((e) => isTerminalEvent({ type: e.type, content: e.content } as AgentEvent));
  expect(terminal).toHaveLength(1);
  expect(events.at(-1)).toBe(terminal[0]);
  // Session events are contiguous from 1; connection frames (pong, resumed) carry seq 0 and sit outside the count.
  const logged = events.filter((e) => e.seq !== 0);
  expect(logged.map((e) => e.seq)).toEqual(logged.map((_, i) => i + 1));
  for (const frame of events.filter((e) => e.seq === 0)) expect(CONNECTION_EVENT_TYPES).toContain(frame.type);
  return terminal[0]!;
}

describe('JSON mode: a whole seed run', () => {
  it('sends the events in order, with contiguous seq, one session id, and run_completion last', async () => {
    fake = await startFakeOpenAI({ replies: seedReplies() });
    const uri = await start(seedPair(fake));
    const client = await TestClient.open(uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: SEED_MESSAGE });
    expect(await client.closed).toBe(1000);

    const seen = types(client);
    const streamed = seen.filter((t) => t === 'stream').length;
    expect(streamed).toBe(42);
    const compact = seen.filter((t, i) => t !== 'stream' || seen[i - 1] !== 'stream');
    expect(compact).toEqual([
      'session',
      'input_request',
      'text',
      'using_auto_reply',
      'stream_start',
      'stream_end',
      'tool_call',
      'execute_function',
      'executed_function',
      'tool_response',
      'using_auto_reply',
      'stream_start',
      'stream',
      'stream_end',
      'text',
      'chat_end',
      'usage_summary',
      'run_completion',
    ]);
    const terminal = expectOneTerminalAtEnd(client);
    expect(new Set(client.events.map((e) => e.session)).size).toBe(1);
    expect(client.events[0]!.content).toMatchObject({ id: client.events[0]!.session, protocol: 'agentws.v1' });
    expect(terminal.content).toMatchObject({ last_speaker: 'chatbot' });
    expect((terminal.content as { summary: string }).summary).toContain('Paris wakes');
    // The history goes out once, in chat_end; the terminal event only counts it.
    const chatEnd = client.events.find((e) => e.type === 'chat_end')!.content as { history: unknown[] };
    expect(chatEnd.history.length).toBeGreaterThan(2);
    expect(terminal.content).toMatchObject({ history_length: chatEnd.history.length });
    expect(terminal.content).not.toHaveProperty('history');
  });

  it('accepts ?protocol=json and a first message sent before it is asked for', async () => {
    fake = await startFakeOpenAI({ replies: seedReplies() });
    const uri = await start(seedPair(fake));
    const client = await TestClient.open(uri + '/ws?protocol=json');
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1000);
    expect(types(client)[0]).toBe('session');
    expect(types(client).at(-1)).toBe('run_completion');
    expect(client.events.find((e) => e.type === 'text')!.content).toMatchObject({ content: SEED_MESSAGE });
  });
});

describe('JSON mode: human input', () => {
  it('ALWAYS: the client answers each request by id (a message, an empty auto-reply, then exit)', async () => {
    fake = await startFakeOpenAI({
      replies: [{ content: 'First answer.' }, { content: 'Second answer.' }, { content: 'Third.' }],
    });
    const uri = await start(seedPair(fake, { humanInputMode: 'ALWAYS' }));
    const client = await TestClient.open(uri, 'agentws.v1');
    const answers = ['hello', 'tell me more', '', 'exit'];
    let answered = 0;
    const requests = (): WireFrame[] => client.events.filter((e) => e.type === 'input_request');
    while (answered < answers.length) {
      await client.waitFor(() => requests().length > answered, `input request ${answered + 1}`);
      const id = (requests()[answered]!.content as { id: string }).id;
      client.send({ type: 'input_response', id, value: answers[answered++] });
    }
    expect(await client.closed).toBe(1000);
    expect(answered).toBe(4);
    const prompts = client.events
      .filter((e) => e.type === 'input_request')
      .map((e) => (e.content as { prompt: string }).prompt);
    expect(prompts[1]).toBe(
      "Replying as user_proxy. Provide feedback to chatbot. Press enter to skip and use auto-reply, or type 'exit' to end the conversation: ",
    );
    expect(types(client)).toContain('no_human_input');
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'tell me more' });
    expectOneTerminalAtEnd(client);
  });

  it('TERMINATE: asked at the termination message; an empty answer ends the chat', async () => {
    fake = await startFakeOpenAI({ replies: [{ content: 'Done.\nTERMINATE' }] });
    const uri = await start(seedPair(fake, { humanInputMode: 'TERMINATE' }));
    const client = await TestClient.open(uri, 'agentws.v1');
    client.send('hi');
    await client.waitFor((frames) => frames.some((f) => f.includes('Please give feedback')), 'the termination prompt');
    const prompt = client.events.find(
      (e) => e.type === 'input_request' && (e.content as { prompt: string }).prompt !== '',
    )!;
    expect((prompt.content as { prompt: string }).prompt).toBe(
      "Please give feedback to chatbot. Press enter or type 'exit' to stop the conversation: ",
    );
    client.send({ type: 'input_response', id: (prompt.content as { id: string }).id, value: '' });
    expect(await client.closed).toBe(1000);
    expectOneTerminalAtEnd(client);
    expect(client.events.at(-1)!.type).toBe('run_completion');
  });

  it('a password prompt is flagged so clients mask it', async () => {
    const uri = await start(async (io) => {
      const secret = await io.input('API key: ', { password: true });
      io.print(`got ${secret.length} characters`);
    });
    const client = await TestClient.open(uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    expect(request.content).toMatchObject({ prompt: 'API key: ', password: true });
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'hunter22' });
    await client.closed;
    expect(client.events.find((e) => e.type === 'print')!.content).toMatchObject({ objects: ['got 8 characters'] });
  });

  it('input timeout ends the run with termination input_timeout, or answers empty when configured', async () => {
    const uri = await start(
      async (io) => {
        await io.input('anyone?');
      },
      { inputTimeoutMs: 50 },
    );
    const client = await TestClient.open(uri, 'agentws.v1');
    expect(await client.closed).toBe(1000);
    expect(expectOneTerminalAtEnd(client)).toMatchObject({ type: 'termination', content: { reason: 'input_timeout' } });
    await server!.close({ graceMs: 0 });

    const uri2 = await start(
      async (io) => {
        const answer = await io.input('anyone?');
        io.print(`answer=[${answer}]`);
      },
      { inputTimeoutMs: 50, inputTimeoutAction: 'empty' },
    );
    const client2 = await TestClient.open(uri2, 'agentws.v1');
    await client2.closed;
    expect(client2.events.find((e) => e.type === 'print')!.content).toMatchObject({ objects: ['answer=[]'] });
    expect(expectOneTerminalAtEnd(client2).type).toBe('run_completion');
  });
});

describe('JSON mode: cancel and disconnect', () => {
  it('cancel during streaming aborts the model request; no token after the terminal event', async () => {
    fake = await startFakeOpenAI({ replies: [{ content: Array(200).fill(' word'), tokenDelayMs: 10 }] });
    const uri = await start(seedPair(fake));
    const client = await TestClient.open(uri, 'agentws.v1');
    client.send('write a long poem');
    await client.waitFor((frames) => frames.filter((f) => f.includes('"type":"stream"')).length >= 3, 'tokens');
    client.send({ type: 'cancel' });
    await fake.waitForRequestClosed(0);
    expect(await client.closed).toBe(1000);
    const terminal = expectOneTerminalAtEnd(client);
    expect(terminal).toMatchObject({ type: 'termination', content: { reason: 'cancelled' } });
    expect(types(client).filter((t) => t === 'stream').length).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.events.at(-1)).toEqual(terminal);
    expect(server!.sessionCount).toBe(0);
  });

  it('cancel during a tool gives the tool the abort signal', async () => {
    fake = await startFakeOpenAI({ replies: seedReplies() });
    let toolSawAbort = false;
    let toolStarted!: () => void;
    const started = new Promise<void>((resolve) => (toolStarted = resolve));
    const uri = await start(
      seedPair(fake, {
        tool: (_args, { signal }) =>
          new Promise((_resolve, reject) => {
            toolStarted();
            signal.addEventListener('abort', () => {
              toolSawAbort = true;
              reject(signal.reason as Error);
            });
          }),
      }),
    );
    const client = await TestClient.open(uri, 'agentws.v1');
    client.send(SEED_MESSAGE);
    await started;
    client.send({ type: 'cancel' });
    expect(await client.closed).toBe(1000);
    expect(toolSawAbort).toBe(true);
    expect(expectOneTerminalAtEnd(client)).toMatchObject({ type: 'termination', content: { reason: 'cancelled' } });
    expect(fake.requests).toHaveLength(1);
  });

  it('with no resume window, a disconnect while waiting for input ends the session cleanly', async () => {
    let failure: unknown;
    const uri = await start(
      async (io) => {
        try {
          await io.input('still there?');
        } catch (error) {
          failure = error;
          throw error;
        }
      },
      { resumeWindowMs: 0 },
    );
    const client = await TestClient.open(uri, 'agentws.v1');
    await client.waitForEvent('input_request');
    const ended = once(server!.endpoint, 'session-end');
    client.ws.close();
    expect((await ended)[0].outcome).toBe('disconnected');
    expect(server!.sessionCount).toBe(0);
    expect(failure).toBeInstanceOf(Error);
  });
});

describe('JSON mode: bad client frames', () => {
  it('answers malformed, unknown and unexpected frames with error events and goes on', async () => {
    const uri = await start(async (io) => {
      const answer = await io.input('ready?');
      io.print(`answer=${answer}`);
    });
    const client = await TestClient.open(uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    client.send('{"type": oops');
    client.send({ type: 'launch_missiles' });
    client.send({ type: 'input_response', id: 'nope', value: 'x' });
    client.send({ type: 'input_response', value: 'no id' });
    client.send({ type: 'ping' });
    expect(await client.waitForEvent('pong')).toMatchObject({ seq: 0, content: {} });
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'yes' });
    expect(await client.closed).toBe(1000);
    const errors = client.events
      .filter((e) => e.type === 'error')
      .map((e) => e.content as { error: string; fatal: boolean });
    expect(errors).toHaveLength(4);
    expect(errors.every((e) => !e.fatal)).toBe(true);
    expect(errors[0]!.error).toMatch(/Malformed JSON/);
    expect(errors[1]!.error).toMatch(/Unknown frame type "launch_missiles"/);
    expect(errors[2]!.error).toMatch(/No pending input request has id "nope"/);
    expect(client.events.find((e) => e.type === 'print')!.content).toMatchObject({ objects: ['answer=yes'] });
    expectOneTerminalAtEnd(client);
  });

  it('quotes at most 64 characters of what the client sent: a 900 KB id or type is not echoed whole', async () => {
    const uri = await start(async (io) => io.print(`answer=${await io.input('ready?')}`));
    const client = await TestClient.open(uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    const huge = 'i'.repeat(900 * 1024);
    client.send({ type: 'input_response', id: huge, value: 'x' });
    client.send({ type: huge });
    client.send({ type: { nested: [huge] } });
    client.send(`{"type":"input_response","id":"${huge}`);
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'yes' });
    expect(await client.closed).toBe(1000);
    const errors = client.events.filter((e) => e.type === 'error').map((e) => (e.content as { error: string }).error);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toBe(`No pending input request has id "${'i'.repeat(64)}"… (unknown or already answered).`);
    expect(errors[1]).toBe(
      `Unknown frame type "${'i'.repeat(64)}"…; a client may send input_response, cancel, ping, resume.`,
    );
    expect(errors[2]).toMatch(/^Unknown frame type \{"nested":\["i{52}…; a client may send/);
    expect(errors[3]).toMatch(/^Malformed JSON frame: /);
    for (const error of errors) expect(error.length).toBeLessThan(400);
    for (const frame of client.frames) expect(frame.length).toBeLessThan(1000);
  });
});
