import { afterEach, expect } from 'vitest';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { startFakeOpenAI } from '../../src/testing/index.js';
import type { ServerProcess } from '../fixtures/server-process.js';
import { startNodeProcess } from '../fixtures/server-process.js';
import { TestClient } from '../helpers/ws-client.js';

/** What the fake model answers every request with. */
export const REPLY = 'Hello from the fake model, through the mounted endpoint.';

/** A running mount example (`node examples/<file>`) talking to a fake OpenAI server. */
export interface RunningExample {
  example: ServerProcess;
  fake: FakeOpenAI;
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `ws://127.0.0.1:PORT` */
  ws: string;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts `examples/<file>` on a free port with OPENAI_API_KEY / OPENAI_BASE_URL pointing at a fake model. */
export async function startExample(file: string): Promise<RunningExample> {
  const fake = await startFakeOpenAI({ respond: () => ({ content: REPLY }) });
  cleanups.push(() => fake.close());
  const example = startNodeProcess([`examples/${file}`], {
    PORT: '0',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.baseURL,
  });
  cleanups.push(() => example.stop());
  const [, port] = await example.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  return { example, fake, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

/** A conversation in text mode (what the seed's clients speak) on the mounted path. */
export async function expectTextConversation({ ws, fake }: RunningExample, path: string): Promise<void> {
  const client = await TestClient.open(ws + path);
  client.send('Say hello.');
  expect(await client.closed).toBe(1000);
  const text = client.frames.join('');
  expect(text).toContain('user (to assistant):\n\nSay hello.\n');
  expect(text).toContain(`assistant (to user):\n\n${REPLY}\n`);
  expect(fake.requests.at(-1)?.body.messages.at(-1)?.content).toBe('Say hello.');
}

/** A conversation in JSON mode (`agentws.v1`, what the chat page speaks) on the mounted path. */
export async function expectJsonConversation({ ws }: RunningExample, path: string): Promise<void> {
  const client = await TestClient.open(ws + path, 'agentws.v1');
  const request = await client.waitForEvent('input_request');
  client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Say hello.' });
  const done = await client.waitForEvent('run_completion');
  expect((done.content as { summary: string }).summary).toBe(REPLY);
  expect(await client.closed).toBe(1000);
}

/** Upgrades on other paths are not ours: refused with 404. */
export async function expectOtherPathRefused({ ws }: RunningExample): Promise<void> {
  await expect(TestClient.open(ws + '/elsewhere')).rejects.toThrow('HTTP 404');
}

/** SIGTERM: the example closes the endpoint and the server, and exits 0. */
export async function expectCleanStop({ example }: RunningExample): Promise<void> {
  expect(await example.stop('SIGTERM')).toBe(0);
}
