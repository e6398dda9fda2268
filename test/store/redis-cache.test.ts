import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConversableAgent, UserProxyAgent } from '../../src/agents/index.js';
import type { OnConnect } from '../../src/server/session.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';
import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { TestClient } from '../helpers/ws-client.js';

// `llmConfig.cacheSeed` on a server with a Redis store: the cache is in Redis, shared by every instance (AutoGen
// 0.2's RedisCache), not on the disk of one.

let redis: RedisProcess;
let fake: FakeOpenAI;
let closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis.stop();
});

afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
  await fake.close();
});

function cachedChat(model: FakeOpenAI, cachePathRoot: string): OnConnect {
  return async (io) => {
    const message = await io.input();
    const configList = [{ model: 'fake', base_url: model.baseURL, api_key: 'sk-test' }];
    const assistant = new ConversableAgent({
      name: 'assistant',
      llmConfig: { configList, stream: true, cacheSeed: 7, cachePathRoot },
      humanInputMode: 'NEVER',
    });
    const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER' });
    await user.initiateChat(assistant, { message, maxTurns: 1 });
  };
}

async function chat(uri: string, message: string): Promise<string> {
  const client = await TestClient.open(uri, 'agentws.v1');
  const asked = await client.waitForEvent('input_request');
  client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: message });
  expect(await client.closed).toBe(1000);
  return client.events
    .filter((e) => e.type === 'stream')
    .map((e) => (e.content as { content: string }).content)
    .join('');
}

describe('cacheSeed with a Redis store', () => {
  it('a reply cached through one instance answers the same request through another, from Redis, still streamed', async () => {
    fake = await startFakeOpenAI({ replies: [{ content: 'A cached reply, token by token.' }] });
    const cachePathRoot = path.join('.cache', `redis-cache-test-${process.pid}`);
    const servers = [];
    for (let i = 0; i < 2; i++) {
      const store = await RedisSessionStore.connect(redis.url, { keyPrefix: 'cachetest:' });
      const { server } = await startRecordedServer({ onConnect: cachedChat(fake, cachePathRoot), store });
      closers.push(
        () => store.close(),
        () => server.close({ graceMs: 0 }),
      );
      servers.push(server);
    }
    expect(await chat(servers[0]!.uri, 'Hello?')).toBe('A cached reply, token by token.');
    expect(fake.requests).toHaveLength(1);
    expect(await chat(servers[1]!.uri, 'Hello?')).toBe('A cached reply, token by token.');
    expect(fake.requests).toHaveLength(1); // the second came from the cache

    const admin = new Redis(redis.port, '127.0.0.1');
    try {
      expect(await admin.keys('cachetest:cache:7:*')).toHaveLength(1);
    } finally {
      admin.disconnect();
    }
    expect(existsSync(cachePathRoot)).toBe(false); // nothing on this instance's disk
  });
});
