import { afterEach, describe, expect, it } from 'vitest';
import { createSeedOnConnect } from '../../src/seed/seed-on-connect.js';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import type { Logger } from '../../src/server/logger.js';
import { seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { normaliseFrame, readTranscriptFrames, stripAnsi } from '../helpers/transcript.js';
import { TestClient } from '../helpers/ws-client.js';

const TRANSCRIPT = new URL('../fixtures/autogen02-transcript-nocolor.txt', import.meta.url);
const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';

let fake: FakeOpenAI | undefined;
let server: AgentwsServer | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
  server = fake = undefined;
});

describe('createSeedOnConnect (what `agentws serve` runs by default)', () => {
  it("sends upstream's seed transcript frame for frame, asking the model with the weather tool and streaming on", async () => {
    fake = await startFakeOpenAI({ replies: seedReplies() });
    const debug: string[] = [];
    const logger: Logger = { ...silentLogger, debug: (message) => debug.push(message) };
    const onConnect = createSeedOnConnect({
      configList: [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }],
      logger,
    });
    server = await runServer({ onConnect, port: 0, logger: silentLogger });

    const client = await TestClient.open(server.uri);
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1000);

    const expected = readTranscriptFrames(TRANSCRIPT.pathname).map((frame) => normaliseFrame(stripAnsi(frame)));
    expect(client.frames.map(normaliseFrame)).toEqual(expected);
    const first = fake.requests[0]!.body;
    expect(first.stream).toBe(true);
    expect(first.tools?.map((tool) => tool.function?.name)).toEqual(['weather_forecast']);
    expect(first.messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining("use tool 'weather_forecast(city)'"),
    });
    expect(debug.at(-1)).toBe(` - on_connect(): Initiating chat with agent chatbot using message '${SEED_MESSAGE}'`);
  });

  it('stops after 10 auto-replies when the model never says TERMINATE', async () => {
    fake = await startFakeOpenAI({ respond: () => ({ content: 'still going' }) });
    const onConnect = createSeedOnConnect({
      configList: [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }],
    });
    server = await runServer({ onConnect, port: 0, logger: silentLogger });

    const client = await TestClient.open(server.uri, 'agentws.v1');
    await client.waitForEvent('input_request');
    client.send('hi');
    const end = await client.waitForEvent('chat_end');
    expect(end.content).toMatchObject({
      termination_reason: expect.stringContaining('Maximum number of consecutive auto-replies'),
    });
    expect(fake.requests.length).toBe(11);
  });

  it('in JSON mode takes follow-up messages: the next chat continues the history, an empty message ends the run', async () => {
    fake = await startFakeOpenAI({ replies: [...seedReplies(), { content: 'Sunny again tomorrow. TERMINATE' }] });
    const onConnect = createSeedOnConnect({
      configList: [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }],
    });
    server = await runServer({ onConnect, port: 0, logger: silentLogger });
    const client = await TestClient.open(server.uri, 'agentws.v1');
    const requests = (): Array<{ id: string; prompt: string }> =>
      client.events.filter((e) => e.type === 'input_request').map((e) => e.content as { id: string; prompt: string });

    await client.waitFor(() => requests().length === 1);
    client.send({ type: 'input_response', id: requests()[0]!.id, value: SEED_MESSAGE });
    await client.waitFor(() => requests().length === 2);
    expect(client.events.filter((e) => e.type === 'chat_end')).toHaveLength(1);
    expect(requests()[1]!.prompt).toBe('');
    client.send({ type: 'input_response', id: requests()[1]!.id, value: 'And tomorrow?' });
    await client.waitFor(() => requests().length === 3);

    // The follow-up's model request carries the whole conversation so far: the first message, the tool call and
    // result, the poem, then the follow-up.
    const followUp = fake.requests.at(-1)!.body.messages;
    const contents = followUp.map((m) => (typeof m.content === 'string' ? m.content : ''));
    expect(contents).toContain(SEED_MESSAGE);
    expect(contents.some((c) => c.includes('TERMINATE') && c !== 'Sunny again tomorrow. TERMINATE')).toBe(true);
    expect(followUp.at(-1)).toMatchObject({ role: 'user', content: 'And tomorrow?' });
    expect(followUp.some((m) => m.role === 'tool')).toBe(true);

    client.send({ type: 'input_response', id: requests()[2]!.id, value: '' });
    expect(await client.closed).toBe(1000);
    const types = client.events.map((e) => e.type);
    expect(types.filter((t) => t === 'chat_end')).toHaveLength(2);
    expect(types.at(-1)).toBe('run_completion');
    // The last chat's summary (AutoGen's last_msg, TERMINATE removed).
    expect(client.events.at(-1)!.content).toMatchObject({ summary: 'Sunny again tomorrow. ' });
  });
});
