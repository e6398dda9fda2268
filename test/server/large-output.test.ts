import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WireFrame } from '../../src/protocol/events.js';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import type { SessionOutcome } from '../../src/server/session.js';
import type { FakeOpenAI, FakeReply } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { seedOnConnect } from '../fixtures/seed-agents.js';
import type { CapturedLogger } from '../helpers/capture-logger.js';
import type { ModelHarness } from '../helpers/model-harness.js';
import { AUTH, BIG_TOKEN, GoodSession, HUGE_TOKENS, startModelHarness } from '../helpers/model-harness.js';
import { clientFrame, Opcode, rawSocket } from '../helpers/raw-ws.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import { TestClient } from '../helpers/ws-client.js';

const MiB = 1024 * 1024;

let server: AgentwsServer | undefined;
let fake: FakeOpenAI | undefined;
let harness: ModelHarness | undefined;
let logs: CapturedLogger;
let outcomes: SessionOutcome[];

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
  await harness?.close();
  server = fake = harness = undefined;
});

async function start(options: Partial<ServerOptions> & Pick<ServerOptions, 'onConnect'>): Promise<AgentwsServer> {
  ({ server, logs, outcomes } = await startRecordedServer(options));
  return server;
}

/** The seed agents (a streaming chatbot with a tool, a user proxy) over the fake model. */
async function startSeed(replies: FakeReply[], tool?: () => string): Promise<AgentwsServer> {
  fake = await startFakeOpenAI({ replies });
  const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }];
  return start({ onConnect: seedOnConnect({ configList, tool }) });
}

async function idle(s: AgentwsServer): Promise<void> {
  while (s.sessionCount > 0) await once(s.endpoint, 'session-end');
}

/** Runs the seed chat for a reading client; checks the run ended once, in order, and returns its events. */
async function chat(s: AgentwsServer): Promise<WireFrame[]> {
  const client = await TestClient.open(s.uri, 'agentws.v1');
  const request = await client.waitForEvent('input_request');
  client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'go' });
  expect(await client.closed).toBe(1000);
  await idle(s);
  expect(outcomes).toEqual(['completed']);
  const events = client.events;
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const terminal = events.filter(
    (e) =>
      e.type === 'run_completion' || e.type === 'termination' || (e.type === 'error' && (e.content as never)['fatal']),
  );
  expect(terminal.map((e) => e.type)).toEqual(['run_completion']);
  expect(events.at(-1)!.type).toBe('run_completion');
  return events;
}

function contentOf<T>(events: WireFrame[], type: string): T[] {
  return events.filter((e) => e.type === type).map((e) => e.content as T);
}

/** A 20 MiB reply that ends the chat, in `count` tokens. */
function hugeReply(count: number): { tokens: string[]; text: string } {
  const token = 'x'.repeat((20 * MiB) / count);
  const tokens = [...Array.from({ length: count }, () => token), ' TERMINATE'];
  return { tokens, text: tokens.join('') };
}

function expectWholeReply(events: WireFrame[], text: string): void {
  const streamed = contentOf<{ content: string }>(events, 'stream').map((c) => c.content);
  expect(streamed.join('') === text).toBe(true);
  const received = contentOf<{ content: string; sender: string }>(events, 'text').at(-1)!;
  expect(received.sender).toBe('chatbot');
  expect(received.content === text).toBe(true);
  const [chatEnd] = contentOf<{ summary: string; history: Array<{ content: string }> }>(events, 'chat_end');
  expect(chatEnd!.history.at(-1)!.content === text).toBe(true);
  const [completion] = contentOf<Record<string, unknown>>(events, 'run_completion');
  // The history went out once, in chat_end: the terminal event says how long it was instead of repeating it.
  expect(Object.keys(completion!).sort()).toEqual([
    'cost',
    'history_length',
    'last_speaker',
    'summary',
    'termination_reason',
  ]);
  // The summary is the last message without the TERMINATE that ended the chat.
  expect(chatEnd!.summary === text.replace('TERMINATE', '')).toBe(true);
  expect(completion!.summary === chatEnd!.summary).toBe(true);
  expect(completion).toMatchObject({ history_length: chatEnd!.history.length, last_speaker: 'chatbot' });
}

describe('large output reaches a reading client whole, with one terminal event', () => {
  it('a 20 MiB model reply streamed as fast as the model sends it', async () => {
    const { tokens, text } = hugeReply(20 * 1024);
    const events = await chat(await startSeed([{ content: tokens }]));
    expectWholeReply(events, text);
  });

  it('a 20 MiB model reply streamed at a model-like pace', async () => {
    const { tokens, text } = hugeReply(320);
    const events = await chat(await startSeed([{ content: tokens, tokenDelayMs: 2 }]));
    expectWholeReply(events, text);
  });

  it('a tool result of 5 MiB', async () => {
    const result = 'sunny '.repeat((5 * MiB) / 6);
    const s = await startSeed(
      [{ toolCalls: [{ name: 'weather_forecast', arguments: { city: 'Paris' } }] }, { content: 'Sunny. TERMINATE' }],
      () => result,
    );
    const events = await chat(s);
    const [executed] = contentOf<{ content: string }>(events, 'executed_function');
    expect(executed!.content === result).toBe(true);
    const [response] = contentOf<{ tool_responses: Array<{ content: string }> }>(events, 'tool_response');
    expect(response!.tool_responses[0]!.content === result).toBe(true);
    // The model got the whole result too.
    expect(fake!.requests[1]!.body.messages.at(-1)!.content === result).toBe(true);
    expect(contentOf(events, 'run_completion')[0]).toMatchObject({ summary: 'Sunny. ' });
  });

  it('text mode: a 24 MiB print of multi-byte characters arrives as one frame, every character intact', async () => {
    // 64 KiB fragments cut these characters (2, 3 and 4 UTF-8 bytes) in the middle; the message must still decode.
    const text = 'é€😀'.repeat((24 * MiB) / 9);
    const s = await start({ onConnect: (io) => io.print(text) });
    const client = await TestClient.open(s.uri);
    expect(await client.closed).toBe(1000);
    expect(client.frames.length).toBe(1);
    expect(client.frames[0] === text + '\n').toBe(true);
    expect(outcomes).toEqual(['completed']);
  });

  it('a client that pauses reading for longer than the closing handshake timeout still gets the end', async () => {
    const s = await start({ onConnect: (io) => io.print('z'.repeat(16 * MiB)) });
    const client = await TestClient.open(s.uri, 'agentws.v1');
    client.ws.pause();
    // Longer than the 2 s the close handshake may take; far shorter than slowConsumerMs (30 s by default).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    client.ws.resume();
    expect(await client.closed).toBe(1000);
    expect(client.events.map((e) => e.type)).toEqual(['session', 'print', 'run_completion']);
    await idle(s);
    expect(outcomes).toEqual(['completed']);
  });
});

describe('a client that stops reading', () => {
  it('is dropped once nothing is delivered for slowConsumerMs, even while the run sends nothing more', async () => {
    // The keepalive is off and onConnect ignores its signal: only the send queue's own check can end this session.
    const s = await start({
      maxBufferedBytes: 4 * MiB,
      slowConsumerMs: 20,
      onConnect: async (io) => {
        for (let i = 0; i < 32; i++) io.print('s'.repeat(MiB));
        await new Promise(() => {});
      },
    });
    const client = await TestClient.open(s.uri, 'agentws.v1');
    client.ws.pause();
    await idle(s);
    expect(outcomes).toEqual(['slow_consumer']);
    expect(logs.at('warn').join('\n')).toMatch(
      /the client stopped reading \(\d+ bytes unsent, limit 4194304\) for 20 ms; dropped the connection/,
    );
    client.ws.resume();
    expect(await client.closed).toBe(1006);
    expect(client.events.some((e) => e.type === 'run_completion' || e.type === 'termination')).toBe(false);
  });

  it('is dropped at the ceiling while the model keeps streaming: memory stays bounded, the request is aborted', async () => {
    const limit = 256 * 1024;
    // The default slowConsumerMs (30 s): the ceiling, not the clock, ends this one.
    harness = await startModelHarness({ maxBufferedBytes: limit });
    const good = await GoodSession.start(harness);
    const silent = await rawSocket(harness.server.uri, { ...AUTH, 'Sec-WebSocket-Protocol': 'agentws.v1' });
    silent.write(clientFrame(Opcode.TEXT, 'huge'));
    good.continue();
    const id = await harness.outcome('slow_consumer');
    await harness.fake.waitForRequestClosed(harness.requestIndex('huge'));
    const frameSize = BIG_TOKEN.length + 200;
    const ceiling = 32 * limit;
    expect(harness.maxBuffered.get(id)).toBeLessThanOrEqual(ceiling + frameSize);
    expect(harness.maxBuffered.get(id)).toBeGreaterThan(limit);
    expect(HUGE_TOKENS * frameSize).toBeGreaterThan(4 * ceiling);
    expect(harness.logs.at('warn').join('\n')).toMatch(
      /the client reads slower than the run sends \(\d+ bytes unsent, more than 32 × the limit 262144\)/,
    );
    silent.destroy();
    await good.finish();
  });
});

describe('option slowConsumerMs', () => {
  it.each([-1, Number.NaN, 2 ** 31, Infinity])('refuses %s, naming the option', async (value) => {
    await expect(runServer({ port: 0, onConnect: () => {}, slowConsumerMs: value })).rejects.toMatchObject({
      code: 'OPTION_INVALID',
      message: expect.stringContaining('Option slowConsumerMs must be a positive number or 0'),
    });
  });

  it('is 30 s by default', async () => {
    const s = await start({ onConnect: () => {} });
    expect(s.endpoint.options.slowConsumerMs).toBe(30_000);
  });
});
