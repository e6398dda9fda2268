import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IOStream } from '../../src/io/iostream.js';
import { LlmClient, type CompletionResult } from '../../src/llm/llm-client.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import { renderText } from '../../src/protocol/text-renderer.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../../src/testing/index.js';

// Each stream shape a real server sends (test/fixtures/streams/README.md), served byte for byte over real HTTP and
// read by the real client: what reaches the session, and what the agent gets back.

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/streams/${name}`, import.meta.url), 'utf8');

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Serves `reply` to one streamed request and returns the session's events and the result. */
async function stream(reply: FakeReply): Promise<{ events: AgentEvent[]; result: CompletionResult }> {
  fake = await startFakeOpenAI({ replies: [reply] });
  const events: AgentEvent[] = [];
  const io: IOStream = { print() {}, input: () => Promise.resolve(''), send: (event) => void events.push(event) };
  const llm = new LlmClient({ configList: [{ model: 'm', base_url: fake.baseURL, api_key: 'k' }], stream: true });
  const result = await IOStream.withDefault(io, () =>
    llm.create({ messages: [{ role: 'user', content: 'Hi' }], agent: 'assistant' }),
  );
  return { events, result };
}

const of = (events: AgentEvent[], type: 'stream' | 'reasoning'): string[] =>
  events.flatMap((e) => (e.type === type ? [e.content.content] : []));

describe('stream shapes real servers send', () => {
  it("Azure OpenAI: the first chunk's empty choices and the content-filter results are skipped", async () => {
    const { events, result } = await stream({ rawBody: fixture('azure-content-filter.sse') });
    expect(of(events, 'stream')).toEqual(['', 'Hello', ' from', ' Azure', '!']);
    expect(events.map((e) => e.type).filter((t) => t !== 'stream')).toEqual(['stream_start', 'stream_end']);
    expect(result).toEqual({
      content: 'Hello from Azure!',
      model: 'gpt-4o-2024-08-06',
      finish_reason: 'stop',
      usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 },
    });
  });

  it('a usage-only final chunk (no choices) gives the usage', async () => {
    const { events, result } = await stream({ rawBody: fixture('openai-usage-chunk.sse') });
    expect(of(events, 'stream')).toEqual(['', 'Four', '.']);
    expect(result).toMatchObject({ content: 'Four.', model: 'gpt-4o-mini-2024-07-18', finish_reason: 'stop' });
    expect(result.usage).toEqual({ prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 });
  });

  it('CRLF line ends, cut between the CR and the LF', async () => {
    const body = Buffer.from(fixture('openai-usage-chunk.sse').replace(/\n/g, '\r\n'));
    const cuts = [...body.keys()].filter((i) => body[i] === 0x0d).map((i) => i + 1);
    const pieces = cuts.map((end, i) => body.subarray(cuts[i - 1] ?? 0, end));
    pieces.push(body.subarray(cuts.at(-1)));
    const { events, result } = await stream({ rawBody: pieces });
    expect(of(events, 'stream')).toEqual(['', 'Four', '.']);
    expect(result).toMatchObject({ content: 'Four.', usage: { total_tokens: 16 } });
  });

  it('SSE comment keep-alives before and between chunks are ignored', async () => {
    const { events, result } = await stream({ rawBody: fixture('openrouter-keep-alive.sse') });
    expect(of(events, 'stream')).toEqual(['Still', ' here', '', '']);
    expect(result).toMatchObject({ content: 'Still here', model: 'openai/gpt-4o-mini', finish_reason: 'stop' });
    expect(result.usage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
  });

  it('multi-byte characters split across network writes (one byte per write) arrive whole', async () => {
    const { events, result } = await stream({ rawBody: fixture('multibyte.sse'), rawChunkBytes: 1 });
    expect(of(events, 'stream')).toEqual(['', 'Grüße', ' こんにちは', ' 🌍', ' 👩‍💻', ' ✓']);
    expect(result.content).toBe('Grüße こんにちは 🌍 👩‍💻 ✓');
  });

  it('Ollama: tool calls without index, whole in one delta, finish_reason "stop"', async () => {
    const { events, result } = await stream({ rawBody: fixture('ollama-tool-calls-no-index.sse') });
    expect(result.tool_calls).toEqual([
      { id: 'call_5nqaq0xk', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' } },
      { id: 'call_hx3ymwbr', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Tokyo"}' } },
    ]);
    expect(result).toMatchObject({ content: '', finish_reason: 'stop' });
    expect(of(events, 'stream').join('')).toBe('');
  });

  it('llama.cpp: the whole call in the chunk that finishes with "stop"', async () => {
    const { events, result } = await stream({ rawBody: fixture('llamacpp-tool-call-stop.sse') });
    expect(result).toEqual({
      content: '',
      tool_calls: [
        { id: 'call_6e2b8d1f', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Lyon"}' } },
      ],
      model: 'gpt-3.5-turbo',
      finish_reason: 'stop',
      usage: { prompt_tokens: 182, completion_tokens: 18, total_tokens: 200 },
    });
    expect(of(events, 'stream')).toEqual([]); // content: null is no delta
  });

  it('DeepSeek reasoning_content: reasoning events, never in the reply; text mode leaves them out', async () => {
    const { events, result } = await stream({ rawBody: fixture('deepseek-reasoning-content.sse') });
    expect(of(events, 'reasoning')).toEqual(['Okay', ',', ' the user', ' wants', ' 2+2.']);
    expect(of(events, 'stream')).toEqual(['2', ' + 2', ' = 4', '']);
    expect(result).toMatchObject({ content: '2 + 2 = 4', model: 'deepseek-reasoner' });
    expect(result.usage).toEqual({ prompt_tokens: 13, completion_tokens: 40, total_tokens: 53 });
    expect(events.map((e) => e.type)).toEqual([
      'stream_start',
      ...Array<string>(5).fill('reasoning'),
      ...Array<string>(4).fill('stream'),
      'stream_end',
    ]);
    const text = events.flatMap((event) => renderText(event)).join('');
    expect(text).toBe('2 + 2 = 4\n\n');
  });

  it('vLLM reasoning: reasoning events, then the reply', async () => {
    const { events, result } = await stream({ rawBody: fixture('vllm-reasoning.sse') });
    expect(of(events, 'reasoning')).toEqual(['The', ' capital', ' is', ' Paris.']);
    expect(result.content).toBe('\n\nParis.');
    expect(JSON.stringify(result)).not.toContain('capital');
  });
});
