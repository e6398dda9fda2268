import { afterEach, describe, expect, it } from 'vitest';
import { ConversableAgent, UserProxyAgent, runServer, silentLogger } from '../../src/index.js';
import type { AgentwsServer } from '../../src/index.js';
import { startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { TestClient } from '../helpers/ws-client.js';

let server: AgentwsServer | undefined;
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
});

describe('client disconnect', () => {
  it('aborts the session’s model request (the model server sees it closed) and leaks no session', async () => {
    fake = await startFakeOpenAI({ replies: [{ content: Array(500).fill(' token'), tokenDelayMs: 5 }] });
    let runError: unknown;
    server = await runServer({
      port: 0,
      logger: silentLogger,
      onConnect: async (io) => {
        const message = await io.input();
        const chatbot = new ConversableAgent({
          name: 'chatbot',
          llmConfig: { configList: [{ model: 'gpt-4', base_url: fake!.baseURL, api_key: 'sk-test' }], stream: true },
        });
        const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER', codeExecutionConfig: false });
        try {
          await user.initiateChat(chatbot, { message });
        } catch (error) {
          runError = error;
          throw error;
        }
      },
    });
    const client = await TestClient.open(server.uri);
    client.send('write something long');
    await client.waitFor((frames) => frames.filter((f) => f === ' token').length >= 5, 'tokens');
    client.ws.terminate();
    await fake.waitForRequestClosed(0);
    for (let i = 0; i < 100 && server.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.sessionCount).toBe(0);
    expect((runError as { code?: string }).code).toBe('ABORTED');
  });
});
