import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, splitTokens, type FakeOpenAI, type FakeOpenAIOptions } from '../../src/testing/index.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeOpenAIOptions): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI(options);
  return fake;
}

function post(server: FakeOpenAI, body: object, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-x' },
    body: JSON.stringify(body),
    ...init,
  });
}

/** The `data:` payloads of an SSE body, checking that every event is exactly `data: ...\n\n`. */
function sseData(text: string): string[] {
  expect(text.endsWith('\n\n')).toBe(true);
  const events = text.slice(0, -2).split('\n\n');
  for (const event of events) expect(event).toMatch(/^data: [^\n]+$/);
  return events.map((event) => event.slice('data: '.length));
}

type Chunk = { id: string; object: string; created: number; model: string; choices: Array<Record<string, unknown>> };

const messages = [{ role: 'user', content: 'Write a poem' }];

describe('startFakeOpenAI streaming', () => {
  it('streams text exactly like OpenAI: role chunk, one chunk per token, finish chunk, usage chunk, [DONE]', async () => {
    const server = await start({ replies: [{ content: 'Paris wakes\nbeneath' }] });
    const res = await post(server, { model: 'gpt-4', messages, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk & { usage: unknown });
    for (const chunk of chunks) {
      expect(Object.keys(chunk)).toEqual([
        'id',
        'object',
        'created',
        'model',
        'system_fingerprint',
        'choices',
        'usage',
      ]);
      expect(chunk.id).toMatch(/^chatcmpl-/);
      expect(chunk.id).toBe(chunks[0]!.id);
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.model).toBe('gpt-4');
      for (const choice of chunk.choices)
        expect(Object.keys(choice)).toEqual(['index', 'delta', 'logprobs', 'finish_reason']);
    }
    const choices = chunks.slice(0, -1).map((c) => c.choices[0]);
    expect(choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Paris' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: ' wakes' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: '\nbeneath' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({
      prompt_tokens: expect.any(Number),
      completion_tokens: 3,
      total_tokens: expect.any(Number),
    });
  });

  it('without include_usage sends no usage field and no usage chunk', async () => {
    const server = await start({ replies: [{ content: ['a', 'b'] }] });
    const data = sseData(await (await post(server, { model: 'm', messages, stream: true })).text());
    expect(data).toHaveLength(5);
    expect(data.at(-1)).toBe('[DONE]');
    for (const d of data.slice(0, -1)) expect(Object.keys(JSON.parse(d) as object)).not.toContain('usage');
  });

  it('streams tool calls by index: intro chunk with id and name, then argument pieces, finish tool_calls', async () => {
    const server = await start({
      replies: [
        {
          toolCalls: [
            { id: 'call_a', name: 'weather_forecast', arguments: { city: 'Paris' } },
            { id: 'call_b', name: 'other', arguments: 'abcdef', chunks: 2 },
          ],
        },
      ],
    });
    const data = sseData(await (await post(server, { model: 'm', messages, stream: true })).text());
    const deltas = data.slice(0, -1).map((d) => (JSON.parse(d) as Chunk).choices[0]);
    const intro = (index: number, id: string, name: string) => ({
      index,
      id,
      type: 'function',
      function: { name, arguments: '' },
    });
    const args = (index: number, piece: string) => ({ tool_calls: [{ index, function: { arguments: piece } }] });
    expect(deltas.map((c) => c!.delta)).toEqual([
      { role: 'assistant', content: null, tool_calls: [intro(0, 'call_a', 'weather_forecast')], refusal: null },
      args(0, '{"'),
      args(0, 'city'),
      args(0, '":"'),
      args(0, 'Paris'),
      args(0, '"}'),
      { tool_calls: [intro(1, 'call_b', 'other')] },
      args(1, 'abc'),
      args(1, 'def'),
      {},
    ]);
    expect(deltas.at(-1)!.finish_reason).toBe('tool_calls');
  });

  it('streams a 20,000-token reply fast', async () => {
    const server = await start({ replies: [{ content: Array(20_000).fill(' tok') }] });
    const started = performance.now();
    const text = await (await post(server, { model: 'm', messages, stream: true })).text();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(sseData(text)).toHaveLength(20_000 + 3);
  });

  it('cuts the socket after cutAfter deltas, and waitForRequestClosed reports a client that left', async () => {
    const server = await start({
      replies: [
        { content: 'a b c d', cutAfter: 2 },
        { content: 'x y z', tokenDelayMs: 50 },
      ],
    });
    const res = await post(server, { model: 'm', messages, stream: true });
    await expect(res.text()).rejects.toThrow();

    const controller = new AbortController();
    const paced = await post(server, { model: 'm', messages, stream: true }, { signal: controller.signal });
    const reader = paced.body!.getReader();
    await reader.read();
    controller.abort();
    await server.waitForRequestClosed(1);
  });

  it('sends rawBody byte for byte, piece by piece, cut into rawChunkBytes writes', async () => {
    const server = await start({
      replies: [
        { rawBody: 'data: {"not":"a chunk"}\n\n' },
        { rawBody: ['data: ', Buffer.from('é…'), '\n\n'], rawChunkBytes: 1, tokenDelayMs: 1 },
      ],
    });
    const whole = await post(server, { model: 'm', messages });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await whole.text()).toBe('data: {"not":"a chunk"}\n\n');
    expect(await (await post(server, { model: 'm', messages, stream: true })).text()).toBe('data: é…\n\n');
  });

  it('reads a rawBody generator lazily and stops it when the client leaves', async () => {
    let pulled = 0;
    let stopped!: () => void;
    const stop = new Promise<void>((resolve) => (stopped = resolve));
    function* endless(): Generator<string> {
      try {
        for (;;) {
          pulled++;
          yield 'x';
        }
      } finally {
        stopped();
      }
    }
    const server = await start({ replies: [{ rawBody: endless(), tokenDelayMs: 1 }] });
    const controller = new AbortController();
    const res = await post(server, { model: 'm', messages, stream: true }, { signal: controller.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^x+$/);
    controller.abort();
    await server.waitForRequestClosed(0);
    await stop;
    expect(pulled).toBeGreaterThan(0);
  });

  it('answers a 500 saying so when rawChunkBytes is not a positive integer', async () => {
    const server = await start({ replies: [{ rawBody: 'data: x\n\n', rawChunkBytes: 0 }] });
    const res = await post(server, { model: 'm', messages, stream: true });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'fake-openai: rawChunkBytes must be a positive integer, got 0',
    );
  });

  it('waitForRequestClosed rejects for a request that finished normally', async () => {
    const server = await start({ replies: [{ content: 'done' }] });
    await (await post(server, { model: 'm', messages, stream: true })).text();
    await expect(server.waitForRequestClosed()).rejects.toThrow(/finished normally/);
  });
});

describe('startFakeOpenAI non-streaming, errors and scripting', () => {
  it('answers a full chat.completion object', async () => {
    const server = await start({
      replies: [{ content: 'Hello there' }, { toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}' }] }],
    });
    const text = (await (await post(server, { model: 'gpt-4o', messages })).json()) as Record<string, unknown>;
    expect(Object.keys(text)).toEqual(['id', 'object', 'created', 'model', 'choices', 'usage', 'system_fingerprint']);
    expect(text).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello there', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { completion_tokens: 2 },
    });
    const tool = (await (await post(server, { model: 'gpt-4o', messages })).json()) as { choices: unknown[] };
    expect(tool.choices[0]).toMatchObject({
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      finish_reason: 'tool_calls',
    });
  });

  it('sends OpenAI-style error bodies, and a clear 500 when nothing is scripted', async () => {
    const server = await start({ replies: [{ error: { status: 429, message: 'Slow down' } }] });
    const limited = await post(server, { model: 'm', messages, stream: true });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: { message: 'Slow down', type: 'requests', param: null, code: null },
    });
    const unscripted = await post(server, { model: 'm', messages });
    expect(unscripted.status).toBe(500);
    expect(((await unscripted.json()) as { error: { message: string } }).error.message).toBe(
      'fake-openai: no scripted reply for request 1',
    );
  });

  it('records requests, uses respond() once the queue is empty, and serves /v1/models', async () => {
    const server = await start({
      replies: [{ content: 'queued' }],
      respond: ({ index }) => ({ content: `respond ${index}` }),
    });
    server.enqueue({ content: 'enqueued' });
    const contents: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const body = (await (await post(server, { model: 'm', messages, temperature: i })).json()) as {
        choices: Array<{ message: { content: unknown } }>;
      };
      contents.push(body.choices[0]!.message.content);
    }
    expect(contents).toEqual(['queued', 'enqueued', 'respond 2']);
    expect(server.requests.map((r) => [r.index, r.path, r.body.temperature])).toEqual([
      [0, '/v1/chat/completions', 0],
      [1, '/v1/chat/completions', 1],
      [2, '/v1/chat/completions', 2],
    ]);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-x');
    const models = (await (await fetch(`${server.baseURL}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('m');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('closes through Symbol.asyncDispose', async () => {
    const server = await startFakeOpenAI();
    await server[Symbol.asyncDispose]();
    await expect(fetch(`${server.baseURL}/models`)).rejects.toThrow();
  });
});

describe('splitTokens', () => {
  it('splits before each whitespace run, keeping newlines with the next word', () => {
    expect(splitTokens('Paris wakes beneath')).toEqual(['Paris', ' wakes', ' beneath']);
    expect(splitTokens('slow,\nthe  cafes ')).toEqual(['slow,', '\nthe', '  cafes', ' ']);
    expect(splitTokens('')).toEqual([]);
  });
});

describe("startFakeOpenAI speaking Azure OpenAI's scheme", () => {
  const azure = (server: FakeOpenAI, body: object) =>
    fetch(`${server.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'azure-key' },
      body: JSON.stringify(body),
    });

  it("opens a stream with Azure's prompt-filter chunk (no choices), then streams as OpenAI does", async () => {
    const server = await start({ replies: [{ content: 'Hi there' }] });
    const data = sseData(await (await azure(server, { model: 'gpt-4o', messages, stream: true })).text());
    const first = JSON.parse(data[0]!) as Chunk & { prompt_filter_results: unknown[] };
    expect(first).toMatchObject({ choices: [], id: '', model: '', object: '' });
    expect(first.prompt_filter_results).toEqual([
      expect.objectContaining({ prompt_index: 0, content_filter_results: expect.any(Object) }),
    ]);
    const tokens = data
      .slice(1, -1)
      .map((d) => JSON.parse(d) as Chunk)
      .flatMap((chunk) => chunk.choices.map((choice) => (choice.delta as { content?: string }).content ?? ''));
    expect(tokens.join('')).toBe('Hi there');
    expect(server.requests[0]).toMatchObject({
      path: '/openai/deployments/gpt-4o/chat/completions',
      azure: { deployment: 'gpt-4o', apiVersion: '2024-10-21' },
    });
  });

  it('adds prompt_filter_results to a whole response, and records no azure field for OpenAI requests', async () => {
    const server = await start({ replies: [{ content: 'Whole' }, { content: 'Plain' }] });
    const body = (await (await azure(server, { model: 'gpt-4o', messages })).json()) as Record<string, unknown>;
    expect(body.prompt_filter_results).toHaveLength(1);
    const plain = (await (await post(server, { model: 'gpt-4o', messages })).json()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty('prompt_filter_results');
    expect(server.requests[1]).not.toHaveProperty('azure');
  });
});
