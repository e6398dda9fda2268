import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, LlmError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import { Cache } from '../../src/llm/cache/cache.js';
import { InMemoryCache } from '../../src/llm/cache/in-memory-cache.js';
import type { LlmCache } from '../../src/llm/cache/llm-cache.js';
import type { LlmConfigEntry } from '../../src/llm/config-list.js';
import { LlmClient, type CompletionRequest, type LlmConfig } from '../../src/llm/llm-client.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../../src/testing/index.js';

// cacheSeed / cache: AutoGen 0.2's cache_seed semantics, with the fake OpenAI server standing in for the model.

const KEY = 'sk-cache-test-secret-0123456789';
const root = mkdtempSync(path.join(tmpdir(), 'agentws-llm-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(...replies: FakeReply[]): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ replies });
  return fake;
}

const entry = (server: FakeOpenAI, model = 'gpt-4o-mini'): LlmConfigEntry => ({
  model,
  base_url: server.baseURL,
  api_key: KEY,
});

const prompt = 'Write a 100 word summary on the topic of the history of human civilization.';
const ask: CompletionRequest = { messages: [{ role: 'user', content: prompt }], agent: 'assistant' };

async function create(llm: LlmClient, req: CompletionRequest = ask) {
  const events: AgentEvent[] = [];
  const io: IOStream = { print() {}, input: () => Promise.resolve(''), send: (event) => void events.push(event) };
  const result = await IOStream.withDefault(io, () => llm.create(req));
  return { result, events };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let roots = 0;
const cacheRoot = (): string => path.join(root, `cache-${roots++}`);

// AutoGen 0.2's test/oai/test_client.py cache cases, ported. Timing ("warm is faster than cold") becomes what it
// stands for: the warm request never reaches the model.
describe("AutoGen's test_client.py", () => {
  it('test_legacy_cache: a seed caches in cachePathRoot/seed; another seed is another cache', async () => {
    const server = await serve({ content: 'Civilization began...' }, { content: 'Again, differently.' });
    const cachePathRoot = cacheRoot();

    // Default cache seed: agentws caches nothing unless asked (AutoGen 0.2 used 41).
    const uncached = new LlmClient({ configList: [entry(server)] });
    const first = await create(uncached);
    const second = await create(uncached);
    expect(server.requests).toHaveLength(2);
    expect(second.result.content).not.toBe(first.result.content);
    expect(existsSync(path.join('.cache', '41'))).toBe(false);

    // Cache seed set through the config.
    server.enqueue({ content: 'Seed 13 reply.' });
    const client = new LlmClient({ configList: [entry(server)], cacheSeed: 13, cachePathRoot });
    const cold = await create(client);
    const warm = await create(client);
    expect(warm.result).toEqual(cold.result);
    expect(server.requests).toHaveLength(3);
    expect(existsSync(path.join(cachePathRoot, '13'))).toBe(true);

    // Another client with the same seed shares the cache.
    expect((await create(new LlmClient({ configList: [entry(server)], cacheSeed: 13, cachePathRoot }))).result).toEqual(
      cold.result,
    );
    expect(server.requests).toHaveLength(3);

    // A different cache seed: a cold request.
    server.enqueue({ content: 'Seed 21 reply.' });
    const other = await create(new LlmClient({ configList: [entry(server)], cacheSeed: 21, cachePathRoot }));
    expect(other.result.content).toBe('Seed 21 reply.');
    expect(server.requests).toHaveLength(4);
    expect(existsSync(path.join(cachePathRoot, '21'))).toBe(true);
  });

  it('test_cache: a Cache given as llmConfig.cache is used, and cacheSeed is not', async () => {
    const server = await serve({ content: 'The history of AI...' });
    const cacheDir = cacheRoot();
    const legacyRoot = cacheRoot();
    {
      await using cache = Cache.disk(49, cacheDir);
      const client = new LlmClient({ configList: [entry(server)], cache, cacheSeed: 41, cachePathRoot: legacyRoot });
      const cold = await create(client);
      const warm = await create(client);
      expect(warm.result).toEqual(cold.result);
      expect(server.requests).toHaveLength(1);
      expect(existsSync(path.join(cacheDir, '49'))).toBe(true);
      // The legacy cache is not used.
      expect(existsSync(path.join(legacyRoot, '41'))).toBe(false);
      expect(existsSync(path.join(cacheDir, '41'))).toBe(false);
    }
  });

  it("test_usage_summary: cached replies count in the usage, as in AutoGen's total usage", async () => {
    const server = await serve({ content: '4', usage: { prompt_tokens: 10, completion_tokens: 1 } });
    const client = new LlmClient({
      configList: [{ ...entry(server), price: [1, 2] }],
      cacheSeed: 42,
      cachePathRoot: cacheRoot(),
    });
    await create(client);
    await create(client);
    expect(server.requests).toHaveLength(1);
    const cost = (10 * 1 + 1 * 2) / 1000;
    expect(client.usage).toEqual({
      total_cost: cost * 2,
      models: { 'gpt-4o-mini': { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22, cost: cost * 2 } },
    });
  });
});

describe('LlmClient with a cache', () => {
  it('replays a streamed reply as it came: the same events, reasoning and reply, in order, with no request', async () => {
    const body = readFileSync(new URL('../fixtures/streams/deepseek-reasoning-content.sse', import.meta.url), 'utf8');
    const server = await serve({ rawBody: body });
    const config: LlmConfig = { configList: [entry(server, 'deepseek-reasoner')], stream: true, cacheSeed: 7 };
    config.cachePathRoot = cacheRoot();
    const recorded = await create(new LlmClient(config));
    await server.close();
    const replayed = await create(new LlmClient(config));
    expect(replayed.events).toEqual(recorded.events);
    expect(replayed.events.filter((e) => e.type === 'reasoning')).toHaveLength(5);
    expect(replayed.result).toEqual(recorded.result);
    expect(server.requests).toHaveLength(1);
  });

  it('records once with a key, replays without one and with the server gone (a CI script); no key on disk', async () => {
    const server = await serve({
      toolCalls: [{ id: 'call_1', name: 'weather_forecast', arguments: { city: 'Paris' } }],
    });
    const cachePathRoot = cacheRoot();
    const tools = [
      { type: 'function' as const, function: { name: 'weather_forecast', parameters: { type: 'object' } } },
    ];
    const req = { ...ask, tools };
    const recorded = await create(
      new LlmClient({ configList: [entry(server)], stream: true, cacheSeed: 'ci', cachePathRoot }),
      req,
    );
    expect(recorded.result.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' } },
    ]);
    const offline = { model: 'gpt-4o-mini', base_url: `http://127.0.0.1:${await closedPort()}/v1` };
    const replayed = await create(
      new LlmClient({ configList: [offline], stream: true, cacheSeed: 'ci', cachePathRoot }),
      req,
    );
    expect(replayed.result).toEqual(recorded.result);
    expect(replayed.events).toEqual(recorded.events);
    const files = readdirSync(path.join(cachePathRoot, 'ci'));
    expect(files).toHaveLength(1);
    expect(readFileSync(path.join(cachePathRoot, 'ci', files[0]!), 'utf8')).not.toContain(KEY);
  });

  it('a different request (messages, parameters, tools, streaming or not) is a different key', async () => {
    const server = await serve(...Array.from({ length: 4 }, (_, i) => ({ content: `reply ${i}` })));
    const cache = new InMemoryCache();
    const base = { configList: [entry(server)], cache };
    await create(new LlmClient(base));
    await create(new LlmClient(base), { ...ask, messages: [{ role: 'user', content: 'Something else' }] });
    await create(new LlmClient({ ...base, temperature: 0.2 }));
    await create(new LlmClient({ ...base, stream: true }));
    expect(server.requests).toHaveLength(4);
    // The order keys were built in does not matter.
    const again = await create(new LlmClient({ cache, temperature: 0.2, configList: [entry(server)] }));
    expect(again.result.content).toBe('reply 2');
    expect(server.requests).toHaveLength(4);
  });

  it('a failed entry is not cached: it is tried again, and the entry that answered is answered from the cache', async () => {
    const server = await serve({ error: { status: 500 } }, { content: 'from b' }, { error: { status: 500 } });
    const config = { configList: [entry(server, 'a'), entry(server, 'b')], cache: new InMemoryCache() };
    await create(new LlmClient(config));
    const second = await create(new LlmClient(config));
    expect(second.result.content).toBe('from b');
    expect(server.requests.map((r) => r.body.model)).toEqual(['a', 'b', 'a']);
  });

  it('a value that is not a cached completion is a miss, and is replaced', async () => {
    const server = await serve({ content: 'fresh' });
    const store = new Map<string, unknown>();
    const cache = new InMemoryCache('', store);
    const client = new LlmClient({ configList: [entry(server)], cache });
    const key = await (async () => {
      await create(client);
      return [...store.keys()][0]!;
    })();
    store.set(key, { v: 99, something: 'else' });
    server.enqueue({ content: 'fresher' });
    expect((await create(client)).result.content).toBe('fresher');
    expect(store.get(key)).toMatchObject({ v: 1, result: { content: 'fresher' } });
  });

  it('a cache that fails fails the request, saying so, without trying the model', async () => {
    const server = await serve({ content: 'ok' });
    const broken = (what: 'get' | 'set'): LlmCache => ({
      get: () => (what === 'get' ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')) : Promise.resolve()),
      set: () => (what === 'set' ? Promise.reject(new Error('ENOSPC: no space left on device')) : Promise.resolve()),
      close: () => Promise.resolve(),
    });
    const read = await create(new LlmClient({ configList: [entry(server)], cache: broken('get') })).catch((e) => e);
    expect(read).toBeInstanceOf(LlmError);
    expect((read as LlmError).message).toBe(
      'The LLM cache could not be read: ECONNREFUSED 127.0.0.1:6379 (llmConfig.cache).',
    );
    expect(server.requests).toHaveLength(0);
    const written = await create(new LlmClient({ configList: [entry(server)], cache: broken('set') })).catch((e) => e);
    expect((written as LlmError).message).toBe(
      'The LLM cache could not be written: ENOSPC: no space left on device (llmConfig.cache).',
    );
  });

  it('checks the cache options at construction, naming them', () => {
    const configList = [{ model: 'm' }];
    expect(() => new LlmClient({ configList, cacheSeed: '../../etc' })).toThrow(
      /^llmConfig\.cacheSeed must be an integer or a name of letters, digits, '\.', '_' and '-' \(it names a folder\), or null for no cache; got "\.\.\/\.\.\/etc"\.$/,
    );
    expect(() => new LlmClient({ configList, cache_seed: 42 })).toThrow(
      'llmConfig.cache_seed is AutoGen\'s spelling: agentws reads "cacheSeed" (a seed, or null for no cache).',
    );
    expect(() => new LlmClient({ configList, cache_seed: null, cacheSeed: null })).not.toThrow();
    expect(() => new LlmClient({ configList, cache: {} as LlmCache })).toThrow(
      'llmConfig.cache must have get(key), set(key, value) and close().',
    );
    expect(() => new LlmClient({ configList, cacheSeed: 1, cachePathRoot: '' })).toThrow(ConfigError);
  });
});
