import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConversableAgent,
  IOWebsockets,
  UserProxyAgent,
  configListFromJson,
  registerFunction,
  silentLogger,
} from '../../src/index.js';
import type { AgentwsServer, ChatResult } from '../../src/index.js';
import { seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { TestClient } from '../helpers/ws-client.js';
import { normaliseFrame, readTranscriptFrames, stripAnsi } from '../helpers/transcript.js';

const TRANSCRIPT = new URL('../fixtures/autogen02-transcript-nocolor.txt', import.meta.url);
const TRANSCRIPT_COLOR = new URL('../fixtures/autogen02-transcript-color.txt', import.meta.url);
const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';

let fake: FakeOpenAI;
let server: AgentwsServer;
const results: ChatResult[] = [];

/** The seed notebook's onConnect, written as the core-library issue shows it. */
async function onConnect(iostream: IOWebsockets): Promise<void> {
  const initialMsg = await iostream.input();
  const configList = configListFromJson('OAI_CONFIG_LIST', { filterDict: { model: ['gpt-4', 'gpt-4o-mini'] } });
  const agent = new ConversableAgent({
    name: 'chatbot',
    systemMessage:
      "Complete a task given to you and reply TERMINATE when the task is done. If asked about the weather, use tool 'weather_forecast(city)' to get the weather forecast for a city.",
    llmConfig: { configList, stream: true },
  });
  const userProxy = new UserProxyAgent({
    name: 'user_proxy',
    systemMessage: 'A proxy for the user.',
    humanInputMode: 'NEVER',
    maxConsecutiveAutoReply: 10,
    isTerminationMsg: (m) => (m.content ?? '').trimEnd().endsWith('TERMINATE'),
    codeExecutionConfig: false,
  });
  registerFunction(({ city }) => `The weather forecast for ${city} at ${new Date().toISOString()} is sunny.`, {
    caller: agent,
    executor: userProxy,
    name: 'weather_forecast',
    description: 'Weather forecast for a city',
    parameters: z.object({ city: z.string().describe('the city') }),
  });
  results.push(await userProxy.initiateChat(agent, { message: initialMsg }));
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  process.env.OAI_CONFIG_LIST = JSON.stringify([
    { model: 'gpt-3.5-turbo', base_url: fake.baseURL, api_key: 'sk-filtered-out' },
    { model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' },
  ]);
  server = await IOWebsockets.runServer({ onConnect, port: 0, logger: silentLogger });
});

afterAll(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
  delete process.env.OAI_CONFIG_LIST;
});

describe('the seed notebook in TypeScript', () => {
  it('sends the upstream transcript frame for frame (colour off), then closes with 1000', async () => {
    fake.enqueue(...seedReplies());
    const client = await TestClient.open(server.uri);
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1000);

    const expected = readTranscriptFrames(TRANSCRIPT.pathname).map((f) => normaliseFrame(stripAnsi(f)));
    const got = client.frames.map(normaliseFrame);
    expect(got).toEqual(expected);
    for (const frame of client.frames) expect(frame).not.toContain('\x1b');

    const result = results.at(-1)!;
    expect(result.summary).toContain('Paris wakes beneath a sunny sky');
    expect(result.chatHistory.length).toBe(4);
    expect(fake.requests.at(-1)!.body.model).toBe('gpt-4');
  });

  it('colours frames like upstream with ?color=1', async () => {
    fake.enqueue(...seedReplies());
    const client = await TestClient.open(server.uri + '/?color=1');
    client.send(SEED_MESSAGE);
    await client.closed;
    const colour = readTranscriptFrames(TRANSCRIPT_COLOR.pathname).map(normaliseFrame);
    expect(client.frames.map(normaliseFrame)).toEqual(colour);
  });
});
