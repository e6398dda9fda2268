import { afterEach, describe, expect, it } from 'vitest';
import { ServerError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import { LlmClient, type LlmMessage, type ToolSchema } from '../../src/llm/llm-client.js';
import type { AgentEvent } from '../../src/protocol/events.js';
import { demoResponder, startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const weatherTool: ToolSchema = {
  type: 'function',
  function: { name: 'weather_forecast', description: 'Weather forecast for a city', parameters: { type: 'object' } },
};

async function demoClient(tokens?: number): Promise<LlmClient> {
  fake = await startFakeOpenAI({ respond: demoResponder(tokens === undefined ? {} : { tokens }) });
  return new LlmClient({ configList: [{ model: 'demo', base_url: fake.baseURL }], stream: tokens !== undefined });
}

function streamed(run: () => Promise<unknown>): Promise<string[]> {
  const events: AgentEvent[] = [];
  const io: IOStream = { print() {}, input: () => Promise.resolve(''), send: (event) => void events.push(event) };
  return IOStream.withDefault(io, run).then(() =>
    events.flatMap((e) => (e.type === 'stream' ? [e.content.content] : [])),
  );
}

describe('demoResponder', () => {
  it('runs the weather flow: tool call for the city asked about, then a poem about it ending with TERMINATE', async () => {
    const llm = await demoClient();
    const messages: LlmMessage[] = [{ role: 'user', content: 'Write a poem about the weather in New York today' }];
    const call = await llm.create({ messages, tools: [weatherTool] });
    expect(call.tool_calls).toHaveLength(1);
    const toolCall = call.tool_calls![0]!;
    expect(toolCall.function).toEqual({ name: 'weather_forecast', arguments: '{"city":"New York"}' });

    messages.push(
      { role: 'assistant', content: null, tool_calls: call.tool_calls! },
      { role: 'tool', tool_call_id: toolCall.id, content: 'New York: sunny, 25°C' },
    );
    const poem = await llm.create({ messages, tools: [weatherTool] });
    expect(poem.content).toContain('New York');
    expect(poem.content).toMatch(/ New York, with warmth in every glow\.\nTERMINATE$/); // a full last line
  });

  it('defaults to Paris and then writes a poem about Paris that ends on a full line', async () => {
    const llm = await demoClient();
    const messages: LlmMessage[] = [{ role: 'user', content: "What's the forecast?" }];
    const call = await llm.create({ messages, tools: [weatherTool] });
    const toolCall = call.tool_calls![0]!;
    expect(JSON.parse(toolCall.function.arguments)).toEqual({ city: 'Paris' });
    messages.push(
      { role: 'assistant', content: null, tool_calls: call.tool_calls! },
      { role: 'tool', tool_call_id: toolCall.id, content: 'sunny' },
    );
    const poem = (await llm.create({ messages })).content!;
    expect(poem.startsWith('Paris wakes beneath a sunny sky')).toBe(true);
    expect(poem.split('\n').at(-2)).toBe('a golden day in Paris, with warmth in every glow.');
    expect(poem.endsWith('\nTERMINATE')).toBe(true);
  });

  it('echoes anything else, saying it is not an LLM (also when weather is asked without the tool)', async () => {
    const llm = await demoClient();
    const reply = await llm.create({ messages: [{ role: 'user', content: 'Weather in Rome?' }] });
    expect(reply.content).toBe(
      "(scripted demo reply) You said: Weather in Rome? This is agentws's scripted demo model, not an LLM.\nTERMINATE",
    );
  });

  it.each([
    ['What is 2+2?', 'You said: What is 2+2? This is'],
    ['Hello!', 'You said: Hello! This is'],
    ['See you...', 'You said: See you... This is'],
    ['hello', 'You said: hello. This is'],
    ['  padded  \n', 'You said: padded. This is'],
  ])('the echo of %j ends its sentence once', async (said, expected) => {
    const llm = await demoClient();
    const reply = await llm.create({ messages: [{ role: 'user', content: said }] });
    expect(reply.content).toContain(expected);
  });

  it('with tokens: N replies with exactly N tokens ending with TERMINATE', async () => {
    const llm = await demoClient(500);
    const tokens = await streamed(() => llm.create({ messages: [{ role: 'user', content: 'bench' }] }));
    // The first stream event is the role chunk's '' delta.
    expect(tokens.slice(1)).toHaveLength(500);
    expect(tokens.at(-1)).toBe('\nTERMINATE');
    expect(tokens.join('')).toMatch(/^\(scripted demo reply\) You said: bench\./);
  });

  it('rejects a bad tokens option', () => {
    expect(() => demoResponder({ tokens: 0 })).toThrow(ServerError);
  });
});
