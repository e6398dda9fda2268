import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, ConfigError, LlmError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import type { LlmConfigEntry } from '../../src/llm/config-list.js';
import { LlmClient, type CompletionRequest, type LlmConfig } from '../../src/llm/llm-client.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../../src/testing/index.js';

const SECRET = 'sk-test-secret-0123456789';

/** An IOStream that keeps what it is sent; `onSend` may react (e.g. abort). */
class CaptureStream implements IOStream {
  readonly events: AgentEvent[] = [];
  constructor(private readonly onSend?: (event: AgentEvent, events: AgentEvent[]) => void) {}
  print(): void {}
  input(): Promise<string> {
    return Promise.resolve('');
  }
  send(event: AgentEvent): void {
    this.events.push(event);
    this.onSend?.(event, this.events);
  }
}

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serve(...replies: FakeReply[]): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ replies });
  return fake;
}

function entry(model: string, server: FakeOpenAI, extra: Partial<LlmConfigEntry> = {}): LlmConfigEntry {
  return { model, base_url: server.baseURL, api_key: SECRET, ...extra };
}

const ask: CompletionRequest = { messages: [{ role: 'user', content: 'Hi' }], agent: 'assistant' };

async function run(config: LlmConfig, req: CompletionRequest = ask, capture = new CaptureStream()) {
  const llm = new LlmClient(config);
  const result = await IOStream.withDefault(capture, () => llm.create(req));
  return { result, events: capture.events, llm };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const streamTexts = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'stream' ? [e.content.content] : []));

describe('LlmClient streaming', () => {
  it('sends stream_start, one stream event per content delta (the role chunk gives ""), then stream_end', async () => {
    const server = await serve({ content: 'Hello there world' });
    const { result, events } = await run({ configList: [entry('gpt-4', server)], stream: true });
    expect(events[0]).toEqual({ type: 'stream_start', content: { agent: 'assistant', model: 'gpt-4' } });
    expect(streamTexts(events)).toEqual(['', 'Hello', ' there', ' world']);
    expect(events.at(-1)).toEqual({ type: 'stream_end', content: { agent: 'assistant', model: 'gpt-4' } });
    expect(result).toMatchObject({ content: 'Hello there world', model: 'gpt-4', finish_reason: 'stop' });
    expect(result.tool_calls).toBeUndefined();
    const body = server.requests[0]!.body;
    expect(body).toMatchObject({ model: 'gpt-4', stream: true, stream_options: { include_usage: true } });
    expect(body.messages).toEqual(ask.messages);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('takes usage from the usage chunk, else counts content deltas; usage adds up per model with price', async () => {
    const server = await serve(
      { content: 'a b c' },
      { content: 'x y', usage: { prompt_tokens: 10, completion_tokens: 2 } },
    );
    const llm = new LlmClient({
      configList: [entry('gpt-4', server, { price: [1, 2] })],
      stream: true,
      stream_options: null,
    });
    const capture = new CaptureStream();
    // First request: no usage chunk asked for (stream_options: null), so the estimate is used.
    const first = await IOStream.withDefault(capture, () => llm.create(ask));
    expect(server.requests[0]!.body).not.toHaveProperty('stream_options');
    expect(first.usage).toEqual({ prompt_tokens: 0, completion_tokens: 4, total_tokens: 4 });

    const withUsage = new LlmClient({ configList: [entry('gpt-4', server, { price: [1, 2] })], stream: true });
    const second = await IOStream.withDefault(capture, () => withUsage.create(ask));
    expect(second.usage).toEqual({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
    expect(withUsage.usage).toEqual({
      total_cost: (10 * 1 + 2 * 2) / 1000,
      models: { 'gpt-4': { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, cost: (10 + 4) / 1000 } },
    });
  });

  it('assembles tool calls from the real SSE; content is "" when only tools were called', async () => {
    const server = await serve({
      toolCalls: [
        { id: 'call_1', name: 'weather_forecast', arguments: { city: 'Paris' } },
        { id: 'call_2', name: 'currency', arguments: '{"from":"USD","to":"EUR"}', chunks: 4 },
      ],
    });
    const tools = [
      { type: 'function' as const, function: { name: 'weather_forecast', parameters: { type: 'object' } } },
    ];
    const { result, events } = await run({ configList: [entry('gpt-4', server)], stream: true }, { ...ask, tools });
    expect(result.content).toBe('');
    expect(result.finish_reason).toBe('tool_calls');
    expect(result.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'currency', arguments: '{"from":"USD","to":"EUR"}' } },
    ]);
    expect(streamTexts(events)).toEqual([]);
    expect(server.requests[0]!.body.tools).toEqual(tools);
  });
});

describe('LlmClient without streaming', () => {
  it('returns content, tool calls and usage, and sends nothing to the IOStream', async () => {
    const server = await serve(
      { content: 'Plain answer', usage: { prompt_tokens: 5, completion_tokens: 2 } },
      { toolCalls: [{ id: 'call_9', name: 'f', arguments: { a: 1 } }] },
    );
    const llm = new LlmClient({ configList: [entry('gpt-4', server)], temperature: 0, seed: 42 });
    const capture = new CaptureStream();
    const text = await IOStream.withDefault(capture, () => llm.create(ask));
    expect(text).toEqual({
      content: 'Plain answer',
      model: 'gpt-4',
      finish_reason: 'stop',
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
    expect(server.requests[0]!.body).toMatchObject({ stream: false, temperature: 0, seed: 42 });
    const tool = await IOStream.withDefault(capture, () => llm.create(ask));
    expect(tool.content).toBeNull();
    expect(tool.tool_calls).toEqual([
      { id: 'call_9', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
    ]);
    expect(capture.events).toEqual([]);
    expect(llm.usage.models['gpt-4']!.prompt_tokens).toBeGreaterThan(5);
  });

  it('rejects an empty config list at construction', () => {
    expect(() => new LlmClient({ configList: [] })).toThrow(ConfigError);
    expect(() => new LlmClient({ configList: [] })).toThrow(/configList is empty/);
  });
});

describe('LlmClient failover', () => {
  it.each([
    ['500', { error: { status: 500 } }],
    ['429', { error: { status: 429, message: 'Rate limit reached' } }],
  ] as const)('moves to the next entry on %s, without an error event when nothing was streamed', async (_, failure) => {
    const server = await serve(failure, { content: 'from b' });
    const { result, events } = await run({ configList: [entry('a', server), entry('b', server)], stream: true });
    expect(result.content).toBe('from b');
    expect(server.requests.map((r) => r.body.model)).toEqual(['a', 'b']);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events[0]).toEqual({ type: 'stream_start', content: { agent: 'assistant', model: 'b' } });
  });

  it('on a cut stream closes the partial stream, sends a non-fatal LLM_FAILOVER error, then streams the next', async () => {
    const server = await serve({ content: 'one two three four five', cutAfter: 2 }, { content: 'fine' });
    const { result, events } = await run({ configList: [entry('a', server), entry('b', server)], stream: true });
    expect(result.content).toBe('fine');
    const types = events.map((e) => e.type);
    expect(types).toEqual([
      'stream_start',
      'stream',
      'stream',
      'stream',
      'stream_end',
      'error',
      'stream_start',
      'stream',
      'stream',
      'stream_end',
    ]);
    expect(streamTexts(events.slice(0, 5))).toEqual(['', 'one', ' two']);
    const error = events[5]!;
    expect(error.type === 'error' && error.content).toMatchObject({ code: 'LLM_FAILOVER', fatal: false });
    expect(error.type === 'error' && error.content.error).toMatch(
      /^a failed \(.+\); partial output discarded, trying b$/,
    );
  });

  it('moves on when the connection is refused, and when a request times out', async () => {
    const server = await serve({ hang: true }, { content: 'late but fine' });
    const refused = { model: 'down', base_url: `http://127.0.0.1:${await closedPort()}/v1` };
    const { result } = await run({
      configList: [refused, entry('slow', server), entry('ok', server)],
      stream: true,
      timeoutMs: 300,
    });
    expect(result.content).toBe('late but fine');
    expect(server.requests.map((r) => r.body.model)).toEqual(['slow', 'ok']);
    await server.waitForRequestClosed(0);
  });

  it('times out a stream that goes silent mid-way', async () => {
    const server = await serve({ content: 'slow tokens', tokenDelayMs: 5_000 }, { content: 'ok' });
    const { result, events } = await run({
      configList: [entry('a', server), entry('b', server)],
      stream: true,
      timeoutMs: 200,
    });
    expect(result.content).toBe('ok');
    const error = events.find((e) => e.type === 'error');
    expect(error?.type === 'error' && error.content.error).toContain('no data for 200 ms');
    await server.waitForRequestClosed(0);
  });

  it('when every entry fails throws LLM_REQUEST_FAILED naming each entry with its reason and a hint, never the key', async () => {
    const server = await serve({ error: { status: 401, message: `Incorrect API key provided: ${SECRET}.` } });
    const port = await closedPort();
    const llm = new LlmClient({
      configList: [entry('gpt-4', server), { model: 'local', base_url: `http://127.0.0.1:${port}/v1` }],
      stream: true,
    });
    const error = await IOStream.withDefault(new CaptureStream(), () => llm.create(ask)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    const { code, message } = error as LlmError;
    expect(code).toBe('LLM_REQUEST_FAILED');
    expect(message).toContain(`#0 gpt-4 @ ${server.baseURL}: HTTP 401: Incorrect API key provided: ***.`);
    expect(message).toContain(`#1 local @ http://127.0.0.1:${port}/v1: connection refused`);
    expect(message).toContain('check the api_key');
    expect(message).toContain(`is the server at http://127.0.0.1:${port}/v1 running?`);
    expect(message).not.toContain(SECRET);
  });
});

describe('LlmClient abort', () => {
  it('aborting mid-stream rejects with AbortedError, closes the HTTP request, and does not fail over', async () => {
    const server = await serve({ content: Array(200).fill(' word'), tokenDelayMs: 10 }, { content: 'never used' });
    const controller = new AbortController();
    const capture = new CaptureStream((_, events) => {
      if (events.length === 5) controller.abort();
    });
    const llm = new LlmClient({ configList: [entry('a', server), entry('b', server)], stream: true });
    const started = Date.now();
    const outcome = IOStream.withDefault(capture, () => llm.create({ ...ask, signal: controller.signal }));
    await expect(outcome).rejects.toBeInstanceOf(AbortedError);
    await server.waitForRequestClosed(0);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(server.requests).toHaveLength(1);
    expect(capture.events.at(-1)?.type).toBe('stream_end');
    expect(capture.events.some((e) => e.type === 'error')).toBe(false);
  });

  it('an already aborted signal rejects at once without a request', async () => {
    const server = await serve({ content: 'x' });
    const llm = new LlmClient({ configList: [entry('a', server)], stream: true });
    await expect(llm.create({ ...ask, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(server.requests).toHaveLength(0);
  });

  it('aborting a non-streamed request waiting for headers rejects with AbortedError', async () => {
    const server = await serve({ hang: true });
    const llm = new LlmClient({ configList: [entry('a', server), entry('b', server)] });
    const controller = new AbortController();
    const outcome = llm.create({ ...ask, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(outcome).rejects.toBeInstanceOf(AbortedError);
    await server.waitForRequestClosed(0);
    expect(server.requests).toHaveLength(1);
  });
});

describe('LlmClient limits', () => {
  const MIB = 1024 * 1024;
  /** One SSE line of 20 MiB that never ends, sent in 64 KiB writes. */
  const hugeLine = () => [
    'data: {"choices":[{"index":0,"delta":{"content":"',
    ...Array<string>(320).fill('x'.repeat(64 * 1024)),
  ];

  async function failure(config: LlmConfig, capture = new CaptureStream()): Promise<LlmError> {
    const llm = new LlmClient(config);
    const error = await IOStream.withDefault(capture, () => llm.create(ask)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'LLM_REQUEST_FAILED' });
    return error as LlmError;
  }

  it('refuses a 20 MiB SSE line at the 4 MiB event limit, closes the request, and fails over', async () => {
    const server = await serve({ rawBody: hugeLine() }, { rawBody: hugeLine() }, { content: 'fine' });
    const error = await failure({ configList: [entry('a', server)], stream: true });
    expect(error.message).toBe(
      'The only entry of the config list failed:\n' +
        `  #0 a @ ${server.baseURL}: the server sent a stream event larger than 4194304 characters ` +
        '(llmConfig.maxEventSize); raise maxEventSize only if this model really sends events that large',
    );
    await server.waitForRequestClosed(0);
    const { result } = await run({ configList: [entry('a', server), entry('b', server)], stream: true });
    expect(result.content).toBe('fine');
    await server.waitForRequestClosed(1);
  });

  it('takes maxEventSize from llmConfig, and streams a 20 MiB reply of many events whole', async () => {
    const token = 'y'.repeat(1024);
    const server = await serve({ content: 'a b c' }, { content: Array<string>(20 * 1024).fill(token) });
    const small = await failure({ configList: [entry('a', server)], stream: true, maxEventSize: 100 });
    expect(small.message).toContain('larger than 100 characters (llmConfig.maxEventSize)');
    expect(server.requests[0]!.body).not.toHaveProperty('maxEventSize');
    const { result, events } = await run({ configList: [entry('a', server)], stream: true });
    expect(result.content).toHaveLength(20 * MIB);
    expect(streamTexts(events)).toHaveLength(20 * 1024 + 1);
  });

  it('clips a 5 MB HTTP error body to a short message, after removing the key', async () => {
    // The key straddles the clip point: clipping first would leave its start in the message.
    const body = `${'E'.repeat(985)}${SECRET}${'E'.repeat(5 * MIB)}`;
    const server = await serve({ error: { status: 500, message: body } });
    const { message } = await failure({ configList: [entry('a', server)], stream: true });
    expect(message.length).toBeLessThan(1200);
    expect(message).toMatch(/#0 a @ \S+: HTTP 500: E{985}\*\*\*E+… \(\d+ more characters\)$/);
    expect(message).not.toContain(SECRET.slice(0, 5));
  });

  it('clips a 3 MiB error event in the stream, in the failover event and in the final error', async () => {
    // 3 MiB: under the event size limit, so the error's own text is what must be clipped.
    const partial = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'partial' } }] })}\n\n`;
    const huge = `data: ${JSON.stringify({ error: { message: 'E'.repeat(3 * MIB) } })}\n\n`;
    const server = await serve({ rawBody: [partial, huge] }, { rawBody: huge });
    const capture = new CaptureStream();
    const { message } = await failure({ configList: [entry('a', server), entry('b', server)], stream: true }, capture);
    expect(message.length).toBeLessThan(2400);
    expect(message).toContain('b @ ');
    expect(message.match(/the server sent an error mid-stream: E+… \(\d+ more characters\)/g)).toHaveLength(2);
    const failover = capture.events.find((e) => e.type === 'error');
    expect(failover?.type === 'error' && failover.content).toMatchObject({ code: 'LLM_FAILOVER', fatal: false });
    expect(failover?.type === 'error' && failover.content.error.length).toBeLessThan(1200);
  });

  it.each([true, false])('ends a model that drips a byte at a time at deadlineMs (stream: %s)', async (stream) => {
    // Endless, and never silent for long: only the deadline can end it.
    function* drip(): Generator<string> {
      yield `data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] })}\n\n`;
      for (;;) yield `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: ' drip' } }] })}\n\n`;
    }
    const server = await serve({ rawBody: drip(), rawChunkBytes: 1, tokenDelayMs: 5 });
    const { message } = await failure({ configList: [entry('a', server)], stream, timeoutMs: 60_000, deadlineMs: 300 });
    expect(message).toContain(
      `#0 a @ ${server.baseURL}: timed out: the response was not complete after 300 ms (llmConfig.deadlineMs)`,
    );
    await server.waitForRequestClosed(0);
    expect(server.requests[0]!.body).not.toHaveProperty('deadlineMs');
  });

  it('rejects a deadlineMs or maxEventSize that is not a positive integer, naming it', () => {
    const configList = [{ model: 'm' }];
    expect(() => new LlmClient({ configList, deadlineMs: 0 })).toThrow(
      'llmConfig.deadlineMs must be a positive integer (ms) up to 2147483647, got 0.',
    );
    expect(() => new LlmClient({ configList, deadlineMs: 2 ** 31 })).toThrow(
      /deadlineMs must be .+, got 2147483648\.$/,
    );
    expect(() => new LlmClient({ configList, maxEventSize: 1.5 })).toThrow(
      'llmConfig.maxEventSize must be a positive integer (characters), got 1.5.',
    );
  });
});
