import { afterEach, describe, expect, it } from 'vitest';
import { IOStream } from '../../src/io/iostream.js';
import { LlmClient } from '../../src/llm/llm-client.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import {
  SEED_POEM,
  SEED_POEM_TOKENS,
  seedReplies,
  splitTokens,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../../src/testing/index.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function capture(): IOStream & { events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  return { events, print() {}, input: () => Promise.resolve(''), send: (event) => void events.push(event) };
}

describe('seedReplies', () => {
  it('SEED_POEM splits back into exactly the seed tokens', () => {
    expect(SEED_POEM.endsWith('with\nTERMINATE')).toBe(true);
    expect(splitTokens(SEED_POEM)).toEqual(SEED_POEM_TOKENS);
    expect(SEED_POEM_TOKENS).toHaveLength(41);
  });

  it('plays the seed conversation through the real SDK: the tool call, then the poem token by token', async () => {
    fake = await startFakeOpenAI({ replies: seedReplies() });
    const llm = new LlmClient({
      configList: [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }],
      stream: true,
    });
    const io = capture();
    const messages = [{ role: 'user' as const, content: 'Write a poem about the current weather in Paris' }];

    const call = await IOStream.withDefault(io, () => llm.create({ messages, agent: 'chatbot' }));
    expect(call.content).toBe('');
    expect(call.tool_calls).toEqual([
      { id: 'call_fake1', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' } },
    ]);

    io.events.length = 0;
    const poem = await IOStream.withDefault(io, () => llm.create({ messages, agent: 'chatbot' }));
    expect(poem.content).toBe(SEED_POEM);
    const streamed = io.events.flatMap((e) => (e.type === 'stream' ? [e.content.content] : []));
    expect(streamed).toEqual(['', ...SEED_POEM_TOKENS]);
  });
});
