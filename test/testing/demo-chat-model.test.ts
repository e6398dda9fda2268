import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, LlmError, ServerError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import { LlmClient, type LlmConfig, type LlmMessage, type ToolSchema } from '../../src/llm/llm-client.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import { DemoChatModel, demoResponder, startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';

// The demo model in-process (what `serve --demo` runs): the same script as the HTTP demo, through LlmClient.

const weatherTool: ToolSchema = {
  type: 'function',
  function: { name: 'weather_forecast', description: 'Weather forecast for a city', parameters: { type: 'object' } },
};
const weather: LlmMessage[] = [{ role: 'user', content: 'Write a poem about the weather in New York today' }];

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function demo(options: ConstructorParameters<typeof DemoChatModel>[0] = {}, extra: Partial<LlmConfig> = {}) {
  return new LlmClient({ configList: [{ model: 'agentws-demo', model_client: new DemoChatModel(options) }], ...extra });
}

async function capture<T>(run: () => Promise<T>, onEvent?: (events: AgentEvent[]) => void) {
  const events: AgentEvent[] = [];
  const io: IOStream = {
    print() {},
    input: () => Promise.resolve(''),
    send: (event) => {
      events.push(event);
      onEvent?.(events);
    },
  };
  const result = await IOStream.withDefault(io, run);
  return { result, events };
}

describe('DemoChatModel', () => {
  it('plays the weather flow like the HTTP demo: a tool call, then the poem streamed token by token', async () => {
    const llm = demo({}, { stream: true });
    const call = await capture(() => llm.create({ messages: weather, tools: [weatherTool], agent: 'chatbot' }));
    expect(call.result).toMatchObject({ content: '', finish_reason: 'tool_calls', model: 'agentws-demo' });
    const toolCall = call.result.tool_calls![0]!;
    expect(toolCall.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(toolCall.function).toEqual({ name: 'weather_forecast', arguments: '{"city":"New York"}' });
    expect(call.events.map((e) => e.type)).toEqual(['stream_start', 'stream_end']);

    const history: LlmMessage[] = [
      ...weather,
      { role: 'assistant', content: null, tool_calls: [toolCall] },
      { role: 'tool', tool_call_id: toolCall.id, content: 'sunny' },
    ];
    const poem = await capture(() => llm.create({ messages: history, tools: [weatherTool], agent: 'chatbot' }));
    const tokens = poem.events.flatMap((e) => (e.type === 'stream' ? [e.content.content] : []));
    expect(tokens.length).toBeGreaterThan(20);
    expect(tokens.join('')).toBe(poem.result.content);
    expect(poem.result.content).toMatch(/^New York wakes beneath a sunny sky[^]*\nTERMINATE$/);

    // The HTTP demo (agentws/testing's demoResponder) says the same.
    fake = await startFakeOpenAI({ respond: demoResponder() });
    const http = new LlmClient({ configList: [{ model: 'agentws-demo', base_url: fake.baseURL }] });
    expect((await http.create({ messages: history, tools: [weatherTool] })).content).toBe(poem.result.content);
  });

  it('without streaming: the reply whole, null content for a tool call, usage counted', async () => {
    const llm = demo();
    const { result, events } = await capture(() => llm.create({ messages: [{ role: 'user', content: '2+2?' }] }));
    expect(result.content).toBe(
      "(scripted demo reply) You said: 2+2? This is agentws's scripted demo model, not an LLM.\nTERMINATE",
    );
    expect(result.usage.completion_tokens).toBeGreaterThan(5);
    expect(events).toEqual([]);
    expect((await llm.create({ messages: weather, tools: [weatherTool] })).content).toBeNull();
    expect(llm.usage.models['agentws-demo']!.total_tokens).toBeGreaterThan(0);
  });

  it('paces its tokens, and stops at once when the request is aborted', async () => {
    const llm = demo({ tokenDelayMs: 5 }, { stream: true });
    const controller = new AbortController();
    const outcome = capture(
      () =>
        llm.create({
          messages: [{ role: 'user', content: 'a long enough message to echo' }],
          signal: controller.signal,
        }),
      (events) => {
        if (events.filter((e) => e.type === 'stream').length === 2) controller.abort();
      },
    );
    await expect(outcome).rejects.toBeInstanceOf(AbortedError);
  });

  it('is bounded by llmConfig.deadlineMs like any model', async () => {
    const llm = demo({ tokenDelayMs: 60_000 }, { stream: true, deadlineMs: 50 });
    const error = await capture(() => llm.create({ messages: weather })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).message).toBe(
      'The only entry of the config list failed:\n' +
        '  #0 agentws-demo (in-process): timed out: the response was not complete after 50 ms (llmConfig.deadlineMs)',
    );
  });

  it('refuses bad options, naming them', () => {
    expect(() => new DemoChatModel({ tokenDelayMs: -1 })).toThrow(ServerError);
    expect(() => new DemoChatModel({ tokenDelayMs: -1 })).toThrow(
      'DemoChatModel: tokenDelayMs must be 0 or more, got -1.',
    );
    expect(() => new DemoChatModel({ tokens: 0 })).toThrow('demoResponder: tokens must be a positive integer, got 0.');
  });
});
