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
});
