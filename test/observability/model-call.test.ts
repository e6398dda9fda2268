import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, LlmError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import type { ChatModel } from '../../src/llm/chat-model.js';
import { InMemoryCache } from '../../src/llm/cache/in-memory-cache.js';
import type { LlmConfigEntry } from '../../src/llm/config-list.js';
import { LlmClient, type CompletionRequest, type LlmConfig } from '../../src/llm/llm-client.js';
import { modelTarget } from '../../src/observability/model-call.js';
import { CAPTURE_CONTENT_VARIABLE } from '../../src/observability/tracing.js';
import { observeRun, type ModelCallRecord } from '../../src/observability/run-observer.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../../src/testing/index.js';
import { CapturingIOStream } from '../agents/capturing-iostream.js';
import { parentOf, recordSpans, type SpanRecorder } from '../helpers/span-recorder.js';

// Each request to a config entry is a `chat {model}` CLIENT span with the GenAI conventions' attributes, through the
// OpenTelemetry SDK the application registered (here an in-memory one), and a record for the run's metrics.

let recorder: SpanRecorder;
let fake: FakeOpenAI | undefined;

beforeAll(() => {
  recorder = recordSpans();
});

beforeEach(() => {
  delete process.env[CAPTURE_CONTENT_VARIABLE];
});

afterEach(async () => {
  recorder.reset();
  await fake?.close();
  fake = undefined;
});

afterAll(() => recorder.stop());

async function serve(...replies: FakeReply[]): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ replies });
  return fake;
}

function entry(model: string, server: FakeOpenAI, extra: Partial<LlmConfigEntry> = {}): LlmConfigEntry {
  return { model, base_url: server.baseURL, api_key: 'sk-test-0123456789abcdef', ...extra };
}

const ask: CompletionRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
  ],
  agent: 'assistant',
};

function create(config: LlmConfig, stream: IOStream = new CapturingIOStream(), req = ask) {
  return IOStream.withDefault(stream, () => new LlmClient(config).create(req));
}

describe('chat spans', () => {
  it('a streamed reply is one chat CLIENT span with the request, response, usage and time to first chunk', async () => {
    const server = await serve({ content: 'Hello there, friend', usage: { prompt_tokens: 12, completion_tokens: 4 } });
    await create({ configList: [entry('gpt-4o-mini', server)], stream: true, temperature: 0.2, seed: 7 });

    const [span, ...others] = recorder.spans();
    expect(others).toEqual([]);
    expect(span!.name).toBe('chat gpt-4o-mini');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(span!)).toBeUndefined();
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    const port = Number(new URL(server.url).port);
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': port,
      'gen_ai.request.stream': true,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.seed': 7,
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 4,
      'gen_ai.response.time_to_first_chunk': expect.any(Number),
    });
    const firstChunk = span!.attributes['gen_ai.response.time_to_first_chunk'] as number;
    const duration = span!.duration[0] + span!.duration[1] / 1e9;
    expect(firstChunk).toBeGreaterThan(0);
    expect(firstChunk).toBeLessThanOrEqual(duration);
  });

  it('a reply without streaming has no time to first chunk; a request aborted before it started has no span', async () => {
    const server = await serve({ content: 'Fine.' });
    await create({ configList: [entry('gpt-4', server)] });
    expect(recorder.spans()[0]!.attributes).not.toHaveProperty('gen_ai.response.time_to_first_chunk');
    expect(recorder.spans()[0]!.attributes).not.toHaveProperty('gen_ai.request.stream');

    const controller = new AbortController();
    controller.abort();
    const llm = new LlmClient({ configList: [entry('gpt-4', server)] });
    await expect(llm.create({ ...ask, signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(recorder.spans()).toHaveLength(1);
  });

  it("an entry without base_url is OpenAI's API at api.openai.com:443; a plain-http base_url defaults to port 80", () => {
    expect(modelTarget({ model: 'gpt-4o' })).toEqual({
      model: 'gpt-4o',
      spanName: 'chat gpt-4o',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'server.address': 'api.openai.com',
        'server.port': 443,
      },
    });
    expect(modelTarget({ model: 'llama3', base_url: 'http://ollama.internal/v1' }).attributes).toMatchObject({
      'server.address': 'ollama.internal',
      'server.port': 80,
    });
  });

  it('failover: the failed entry has its own span with error.type (the HTTP status) and an error status', async () => {
    const server = await serve({ error: { status: 500, message: 'upstream broke' } }, { content: 'From b' });
    await create({ configList: [entry('model-a', server), entry('model-b', server)], stream: true });

    const [failed, answered] = recorder.spans();
    expect(failed!.name).toBe('chat model-a');
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: expect.stringContaining('500') });
    expect(failed!.attributes['error.type']).toBe('500');
    expect(failed!.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    expect(answered!.name).toBe('chat model-b');
    expect(answered!.attributes).not.toHaveProperty('error.type');
    expect(answered!.spanContext().spanId).not.toBe(failed!.spanContext().spanId);
  });

  it('a stream cut mid-way fails its span with the HTTP client error class; each failed entry has its span', async () => {
    const server = await serve({ content: 'a b c d e f', cutAfter: 2 }, { error: { status: 429 } });
    const error = await create({ configList: [entry('m1', server), entry('m2', server)], stream: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LlmError);
    expect(recorder.spans().map((span) => [span.name, span.attributes['error.type']])).toEqual([
      // undici's "terminated": the class of what the HTTP client threw.
      ['chat m1', 'TypeError'],
      ['chat m2', '429'],
    ]);
    // The span's message is the failure as the error event gives it, never the key.
    for (const span of recorder.spans()) expect(span.status.message).not.toContain('sk-test-0123456789abcdef');
  });

  it('an aborted request (cancel, disconnect) ends its span with error.type ABORTED', async () => {
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    fake = await startFakeOpenAI({
      respond: () => {
        asked();
        return { hang: true };
      },
    });
    const controller = new AbortController();
    const pending = create({ configList: [entry('slow', fake)], stream: true }, new CapturingIOStream(), {
      ...ask,
      signal: controller.signal,
    });
    await requested;
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    const [span] = recorder.spans();
    expect(span!.attributes['error.type']).toBe('ABORTED');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('Azure entries are azure.ai.openai at their endpoint; a ChatModel of the application has no server', async () => {
    const server = await serve({ content: 'From Azure' });
    const azure = { ...entry('gpt-4o', server), api_type: 'azure', base_url: server.url, api_version: '2024-10-21' };
    await create({ configList: [azure], stream: true });
    const echo: ChatModel = {
      complete: async () => ({
        content: 'echo',
        model: 'echo-1',
        finish_reason: 'stop',
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    };
    await create({ configList: [{ model: 'echo', model_client: echo }] });

    const [azureSpan, echoSpan] = recorder.spans();
    expect(azureSpan!.attributes).toMatchObject({
      'gen_ai.provider.name': 'azure.ai.openai',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(server.url).port),
    });
    expect(echoSpan!.attributes['gen_ai.provider.name']).toBe('agentws.model_client');
    expect(echoSpan!.attributes['gen_ai.response.model']).toBe('echo-1');
    expect(echoSpan!.attributes).not.toHaveProperty('server.address');
  });

  it('message content is left out unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true', async () => {
    const server = await serve({ content: 'Hello there' }, { content: 'Hello again' });
    const config = { configList: [entry('gpt-4', server)], stream: true };
    await create(config);
    expect(Object.keys(recorder.spans()[0]!.attributes).filter((key) => key.includes('messages'))).toEqual([]);

    process.env[CAPTURE_CONTENT_VARIABLE] = 'true';
    recorder.reset();
    await create(config);
    const attributes = recorder.spans()[0]!.attributes;
    expect(JSON.parse(attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Hi' }] },
    ]);
    expect(JSON.parse(attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello again' }], finish_reason: 'stop' },
    ]);
  });

  it('tool calls and tool results are parts of the captured messages', async () => {
    process.env[CAPTURE_CONTENT_VARIABLE] = 'true';
    const call = { id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' };
    const server = await serve({ toolCalls: [call] });
    await create({ configList: [entry('gpt-4', server)], stream: true }, new CapturingIOStream(), {
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_0', content: 'sunny' },
      ],
    });
    const attributes = recorder.spans()[0]!.attributes;
    expect(JSON.parse(attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_0', name: 'weather', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_0', response: 'sunny' }] },
    ]);
    expect(JSON.parse(attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'tool_call', ...call }], finish_reason: 'tool_calls' },
    ]);
  });
});

describe("a run's model metrics", () => {
  it('each request reports once, with its outcome, latency, time to first token, streamed deltas and usage', async () => {
    const server = await serve({ error: { status: 503 } }, { content: 'one two three', usage: { prompt_tokens: 9 } });
    const records: ModelCallRecord[] = [];
    const stream = new CapturingIOStream();
    observeRun(stream, {
      conversationId: 'session-1',
      observer: { modelCall: (record) => records.push(record), toolCall: () => {} },
    });
    await create({ configList: [entry('a', server), entry('b', server)], stream: true }, stream);

    expect(records).toEqual([
      {
        model: 'a',
        outcome: 'error',
        seconds: expect.any(Number),
        firstTokenSeconds: undefined,
        streamed: 0,
        usage: undefined,
      },
      {
        model: 'b',
        outcome: 'ok',
        seconds: expect.any(Number),
        firstTokenSeconds: expect.any(Number),
        // The role chunk's empty delta, then three tokens: what the client was sent.
        streamed: stream.events.filter((event) => event.type === 'stream').length,
        usage: { input: 9, output: 3 },
      },
    ]);
    expect(records[1]!.streamed).toBeGreaterThanOrEqual(3);
    expect(records[1]!.firstTokenSeconds!).toBeLessThanOrEqual(records[1]!.seconds);
    // Inside a run, the spans carry its conversation id.
    expect(recorder.spans().map((span) => span.attributes['gen_ai.conversation.id'])).toEqual([
      'session-1',
      'session-1',
    ]);
  });

  it('a reply from the cache is counted as cached, with no span (no request was made)', async () => {
    const server = await serve({ content: 'Cached words' });
    const records: ModelCallRecord[] = [];
    const stream = new CapturingIOStream();
    observeRun(stream, {
      conversationId: 'session-2',
      observer: { modelCall: (record) => records.push(record), toolCall: () => {} },
    });
    const config = { configList: [entry('gpt-4', server)], stream: true, cache: new InMemoryCache() };
    await create(config, stream);
    await create(config, stream);
    expect(records.map((record) => record.outcome)).toEqual(['ok', 'cached']);
    expect(records[1]!.usage).toEqual(records[0]!.usage);
    expect(recorder.spans()).toHaveLength(1);
  });
});
