import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, LlmError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import type { LlmConfigEntry } from '../../src/llm/config-list.js';
import { LlmClient, type LlmConfig } from '../../src/llm/llm-client.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../../src/testing/index.js';

// Azure OpenAI entries as AutoGen writes them, through the SDK's AzureOpenAI client, against the fake server speaking
// Azure's URL scheme (/openai/deployments/{deployment}/chat/completions?api-version=...) and api-key header.

const KEY = 'azure-key-0123456789abcdef';
const ask = { messages: [{ role: 'user' as const, content: 'Hi' }], agent: 'assistant' };

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(...replies: FakeReply[]): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ replies });
  return fake;
}

/** An entry as AutoGen's docs write one: the resource endpoint as base_url, the model naming the deployment. */
function azure(server: FakeOpenAI, extra: Partial<LlmConfigEntry> = {}): LlmConfigEntry {
  return {
    model: 'gpt-4o',
    api_type: 'azure',
    base_url: server.url,
    api_version: '2024-10-21',
    api_key: KEY,
    ...extra,
  };
}

async function run(config: LlmConfig) {
  const events: AgentEvent[] = [];
  const io: IOStream = { print() {}, input: () => Promise.resolve(''), send: (event) => void events.push(event) };
  const llm = new LlmClient(config);
  const result = await IOStream.withDefault(io, () => llm.create(ask));
  return { result, events, llm };
}

describe('Azure OpenAI entries', () => {
  it("stream from the deployment's URL with api-version and the api-key header (no Bearer)", async () => {
    const server = await serve({ content: 'Hello from Azure' });
    const { result, events } = await run({ configList: [azure(server)], stream: true });
    expect(result).toMatchObject({ content: 'Hello from Azure', finish_reason: 'stop' });
    expect(events.flatMap((e) => (e.type === 'stream' ? [e.content.content] : []))).toEqual([
      '',
      'Hello',
      ' from',
      ' Azure',
    ]);
    const request = server.requests[0]!;
    expect(request.path).toBe('/openai/deployments/gpt-4o/chat/completions');
    expect(request.azure).toEqual({ deployment: 'gpt-4o', apiVersion: '2024-10-21' });
    expect(request.headers['api-key']).toBe(KEY);
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toMatchObject({ model: 'gpt-4o', stream: true, messages: ask.messages });
    expect(request.body.stream_options).toEqual({ include_usage: true });
    expect(request.body).not.toHaveProperty('api_version');
    expect(request.body).not.toHaveProperty('api_type');
  });

  it('asks no usage chunk of API versions before 2024-09-01, which refuse stream_options', async () => {
    const server = await serve({ content: 'a b' });
    const { result } = await run({ configList: [azure(server, { api_version: '2024-02-01' })], stream: true });
    expect(server.requests[0]!.body).not.toHaveProperty('stream_options');
    expect(result.usage).toEqual({ prompt_tokens: 0, completion_tokens: 3, total_tokens: 3 }); // estimated
  });

  it('without streaming, and with the dots of the model removed from the deployment, as AutoGen does', async () => {
    const server = await serve({ content: 'Plain', usage: { prompt_tokens: 3, completion_tokens: 1 } });
    const { result } = await run({ configList: [azure(server, { model: 'gpt-3.5-turbo' })] });
    expect(result).toEqual({
      content: 'Plain',
      model: 'gpt-35-turbo',
      finish_reason: 'stop',
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
    expect(server.requests[0]!.azure?.deployment).toBe('gpt-35-turbo');
    expect(server.requests[0]!.body.model).toBe('gpt-35-turbo');
  });

  it('takes azure_endpoint and azure_deployment when given', async () => {
    const server = await serve({ content: 'ok' });
    const entry = azure(server, { base_url: undefined, azure_endpoint: `${server.url}/`, azure_deployment: 'prod-4o' });
    delete entry.base_url;
    await run({ configList: [entry] });
    expect(server.requests[0]!.path).toBe('/openai/deployments/prod-4o/chat/completions');
  });

  describe('the SDK reads no environment variable', () => {
    const names = ['OPENAI_BASE_URL', 'AZURE_OPENAI_API_KEY', 'OPENAI_API_VERSION', 'AZURE_OPENAI_ENDPOINT'] as const;
    const saved = new Map<string, string | undefined>();
    beforeEach(() => {
      for (const name of names) saved.set(name, process.env[name]);
      process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/openai';
      process.env.AZURE_OPENAI_API_KEY = 'env-key-that-must-not-be-sent';
      process.env.OPENAI_API_VERSION = '1999-01-01';
      process.env.AZURE_OPENAI_ENDPOINT = 'http://127.0.0.1:9';
    });
    afterEach(() => {
      for (const name of names) {
        const value = saved.get(name);
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('the entry says where, with which key and version', async () => {
      const server = await serve({ content: 'ok' });
      await run({ configList: [azure(server, { api_version: '2025-01-01-preview' })] });
      expect(server.requests[0]!.azure).toEqual({ deployment: 'gpt-4o', apiVersion: '2025-01-01-preview' });
      expect(server.requests[0]!.headers['api-key']).toBe(KEY);
    });
  });

  it('a failure names the entry by its endpoint, and a 404 points at the deployment', async () => {
    const server = await serve({
      error: { status: 404, message: 'The API deployment for this resource does not exist.' },
    });
    const llm = new LlmClient({ configList: [azure(server, { model: 'gpt-4.1' })] });
    const error = (await llm.create(ask).catch((e: unknown) => e)) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error.message).toBe(
      'The only entry of the config list failed:\n' +
        `  #0 gpt-4.1 @ ${server.url} (azure): HTTP 404: The API deployment for this resource does not exist.\n` +
        'Hints:\n' +
        `  #0: check the deployment "gpt-41" and the base_url ${server.url}`,
    );
    expect(error.message).not.toContain(KEY);
  });

  it('fails over between Azure and OpenAI entries', async () => {
    const server = await serve({ error: { status: 500 } }, { content: 'from openai' });
    const { result } = await run({
      configList: [azure(server), { model: 'gpt-4o-mini', base_url: server.baseURL, api_key: 'sk-other' }],
    });
    expect(result.content).toBe('from openai');
    expect(server.requests.map((r) => r.path)).toEqual([
      '/openai/deployments/gpt-4o/chat/completions',
      '/v1/chat/completions',
    ]);
  });

  it('an Azure entry without what Azure needs is refused at construction, naming the entry and what is missing', () => {
    const entry = { model: 'gpt-4o', api_type: 'azure', api_key: KEY };
    const error = (() => {
      try {
        new LlmClient({ configList: [{ model: 'other' }, entry] });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'Entry 1 (gpt-4o) of llmConfig.configList has "api_type": "azure" but lacks "base_url" (or "azure_endpoint"): ' +
        'your resource\'s endpoint, like https://NAME.openai.azure.com; "api_version": such as "2024-10-21".',
    );
    expect(() => new LlmClient({ configList: [{ ...entry, base_url: 'https://x', api_version: 'v' }] })).not.toThrow();
    expect(
      () =>
        new LlmClient({
          configList: [{ model: 'gpt-4o', api_type: 'azure', base_url: 'https://x', api_version: 'v' }],
        }),
    ).toThrow(/lacks "api_key": a key of the resource \(Microsoft Entra ID tokens are not supported\)\.$/);
  });

  it('the fake answers as Azure does: 404 without api-version, 401 without api-key', async () => {
    const server = await serve();
    const post = (query: string, headers: Record<string, string>) =>
      fetch(`${server.url}/openai/deployments/gpt-4o/chat/completions${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
      });
    const noVersion = await post('', { 'api-key': KEY });
    expect(noVersion.status).toBe(404);
    expect(await noVersion.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
    const noKey = await post('?api-version=2024-10-21', {});
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { message: string } }).error.message).toMatch(/^Access denied/);
    expect(server.requests).toHaveLength(0);
  });
});
