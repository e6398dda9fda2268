import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversableAgent, UserProxyAgent, registerFunction } from '../../src/agents/index.js';
import { AbortedError, DefinitionError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import type { LlmConfig } from '../../src/llm/llm-client.js';
import { SEED_POEM, seedReplies, startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { CapturingIOStream } from './capturing-iostream.js';

const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';
const SEED_SYSTEM =
  "Complete a task given to you and reply TERMINATE when the task is done. If asked about the weather, use tool 'weather_forecast(city)' to get the weather forecast for a city.";
const ALWAYS_PROMPT = (me: string, them: string) =>
  `Replying as ${me}. Provide feedback to ${them}. Press enter to skip and use auto-reply, or type 'exit' to end the conversation: `;
const STOP_PROMPT = (them: string) =>
  `Please give feedback to ${them}. Press enter or type 'exit' to stop the conversation: `;
const LIMIT_PROMPT = (them: string) =>
  `Please give feedback to ${them}. Press enter to skip and use auto-reply, or type 'exit' to stop the conversation: `;

let fake: FakeOpenAI;

function llmConfig(stream = false): LlmConfig {
  return { configList: [{ model: 'gpt-4', api_key: 'sk-test', base_url: fake.baseURL }], stream };
}

/** Runs `fn` with a capturing stream answering `answers`, and returns the stream. */
async function run(answers: string[], fn: () => Promise<unknown>): Promise<CapturingIOStream> {
  const io = new CapturingIOStream(answers);
  await IOStream.withDefault(io, fn);
  return io;
}

/** A model-less agent that always answers `reply` (and never asks a human). */
function echo(name: string, reply: string): ConversableAgent {
  return new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply: reply });
}

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

describe('the seed conversation', () => {
  it('emits the events of the seed run and returns its ChatResult', async () => {
    fake.enqueue(...seedReplies());
    const chatbot = new ConversableAgent({ name: 'chatbot', systemMessage: SEED_SYSTEM, llmConfig: llmConfig(true) });
    const userProxy = new UserProxyAgent({
      name: 'user_proxy',
      systemMessage: 'A proxy for the user.',
      humanInputMode: 'NEVER',
      maxConsecutiveAutoReply: 10,
      isTerminationMsg: (m) => (m.content ?? '').trimEnd().endsWith('TERMINATE'),
      codeExecutionConfig: false,
    });
    registerFunction(({ city }) => `The weather forecast for ${city} at 2024-01-01 12:00:00 is sunny.`, {
      caller: chatbot,
      executor: userProxy,
      name: 'weather_forecast',
      description: 'Weather forecast for a city',
      parameters: z.object({ city: z.string() }),
    });

    const io = new CapturingIOStream();
    const result = await IOStream.withDefault(io, () => userProxy.initiateChat(chatbot, { message: SEED_MESSAGE }));

    expect(io.types).toEqual([
      'text',
      'using_auto_reply',
      'stream_start',
      'stream_end',
      'tool_call',
      'execute_function',
      'executed_function',
      'tool_response',
      'using_auto_reply',
      'stream_start',
      'stream*',
      'stream_end',
      'text',
      'chat_end',
      'usage_summary',
    ]);
    const [first, poem] = io.of('text');
    expect(first!.content).toEqual({ content: SEED_MESSAGE, sender: 'user_proxy', recipient: 'chatbot' });
    expect(poem!.content).toEqual({ content: SEED_POEM, sender: 'chatbot', recipient: 'user_proxy' });
    expect(io.of('using_auto_reply')[0]!.content).toEqual({
      human_input_mode: 'TERMINATE',
      sender: 'user_proxy',
      recipient: 'chatbot',
    });
    const call = {
      id: 'call_fake1',
      type: 'function',
      function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' },
    };
    expect(io.of('tool_call')[0]!.content).toEqual({
      content: '',
      tool_calls: [call],
      sender: 'chatbot',
      recipient: 'user_proxy',
    });
    expect(io.of('execute_function')[0]!.content).toEqual({
      func_name: 'weather_forecast',
      call_id: 'call_fake1',
      arguments: { city: 'Paris' },
      recipient: 'chatbot',
    });
    const forecast = 'The weather forecast for Paris at 2024-01-01 12:00:00 is sunny.';
    expect(io.of('executed_function')[0]!.content).toMatchObject({ content: forecast, is_exec_success: true });
    expect(io.of('tool_response')[0]!.content).toEqual({
      role: 'tool',
      tool_responses: [{ tool_call_id: 'call_fake1', role: 'tool', content: forecast }],
      content: forecast,
      sender: 'user_proxy',
      recipient: 'chatbot',
    });
    expect(
      io
        .of('stream')
        .map((e) => e.content.content)
        .join(''),
    ).toBe(SEED_POEM);

    // What the model was sent: AutoGen's messages, names and the tool schema.
    const [req1, req2] = fake.requests;
    expect(req1!.body.messages).toEqual([
      { role: 'system', content: SEED_SYSTEM },
      { role: 'user', content: SEED_MESSAGE, name: 'user_proxy' },
    ]);
    expect(req1!.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'weather_forecast',
          description: 'Weather forecast for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ]);
    expect(req2!.body.messages.slice(2)).toEqual([
      { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_fake1', content: forecast },
    ]);

    expect(result.chatHistory).toEqual([
      { role: 'assistant', content: SEED_MESSAGE, name: 'user_proxy' },
      { role: 'assistant', content: '', tool_calls: [call] },
      {
        role: 'tool',
        content: forecast,
        tool_responses: [{ tool_call_id: 'call_fake1', role: 'tool', content: forecast }],
        name: 'user_proxy',
      },
      { role: 'user', content: SEED_POEM, name: 'chatbot' },
    ]);
    // AutoGen's last_msg only removes TERMINATE: the newline before it stays.
    expect(result.summary).toBe(SEED_POEM.replace('TERMINATE', ''));
    expect(result.terminationReason).toBe("Termination message condition on agent 'user_proxy' met");
    expect(result.humanInput).toEqual([]);
    expect(result.cost.models['gpt-4']!.total_tokens).toBeGreaterThan(0);
    expect(io.of('chat_end')[0]!.content).toMatchObject({
      sender: 'user_proxy',
      recipient: 'chatbot',
      termination_reason: result.terminationReason,
      summary: result.summary,
      history: result.chatHistory,
    });
    expect(io.of('usage_summary')[0]!.content).toEqual(result.cost);
  });
});

describe('humanInputMode ALWAYS', () => {
  it('sends a typed answer, auto-replies on enter, and stops on "exit"', async () => {
    fake.enqueue({ content: 'Hello A' }, { content: 'Hello B' }, { content: 'Hello C' });
    const assistant = new ConversableAgent({ name: 'assistant', humanInputMode: 'NEVER', llmConfig: llmConfig() });
    const user = new UserProxyAgent({ name: 'user' });
    let result;
    const io = await run(['Tell me more', '', 'exit'], async () => {
      result = await user.initiateChat(assistant, { message: 'Hi' });
    });

    expect(io.prompts).toEqual(Array(3).fill(ALWAYS_PROMPT('user', 'assistant')));
    expect(io.types).toEqual([
      'text',
      'text',
      'text',
      'text',
      'no_human_input',
      'using_auto_reply',
      'text',
      'text',
      'chat_end',
      'usage_summary',
    ]);
    expect(io.of('text').map((e) => e.content.content)).toEqual([
      'Hi',
      'Hello A',
      'Tell me more',
      'Hello B',
      '',
      'Hello C',
    ]);
    expect(io.of('no_human_input')[0]!.content).toEqual({ sender: 'user', recipient: 'assistant' });
    expect(io.of('using_auto_reply')[0]!.content).toEqual({
      human_input_mode: 'ALWAYS',
      sender: 'assistant',
      recipient: 'user',
    });
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Tell me more', name: 'user' });
    expect(result).toMatchObject({
      humanInput: ['Tell me more', '', 'exit'],
      terminationReason: 'User requested to end the conversation',
      summary: 'Hello C',
    });
  });

  it('ends on enter when the message is a termination message', async () => {
    let result;
    const io = await run([''], async () => {
      result = await new UserProxyAgent({ name: 'user' }).initiateChat(echo('bot', 'TERMINATE'), { message: 'hi' });
    });
    expect(io.types).toEqual(['text', 'text', 'no_human_input', 'chat_end']);
    expect(result).toMatchObject({
      terminationReason: "Termination message condition on agent 'user' met",
      summary: '',
    });
  });
});

describe('humanInputMode TERMINATE', () => {
  it('asks at the auto-reply limit, auto-replies on enter, and stops on "exit"', async () => {
    const user = new ConversableAgent({ name: 'user', maxConsecutiveAutoReply: 1, defaultAutoReply: 'continue' });
    let result;
    const io = await run(['', 'exit'], async () => {
      result = await user.initiateChat(echo('bot', 'pong'), { message: 'ping' });
    });
    expect(io.prompts).toEqual([LIMIT_PROMPT('bot'), LIMIT_PROMPT('bot')]);
    expect(io.types).toEqual([
      'text',
      'text',
      'using_auto_reply',
      'text',
      'text',
      'no_human_input',
      'using_auto_reply',
      'text',
      'text',
      'chat_end',
    ]);
    expect(io.of('using_auto_reply')[0]!.content.human_input_mode).toBe('TERMINATE');
    expect(result).toMatchObject({
      terminationReason: 'User requested to end the conversation',
      humanInput: ['', 'exit'],
    });
  });

  it('asks on a termination message: a typed answer goes on, enter stops', async () => {
    const bot = echo('bot', 'TERMINATE');
    const user = new ConversableAgent({ name: 'user' });
    let result;
    const io = await run(['keep going', ''], async () => {
      result = await user.initiateChat(bot, { message: 'hi' });
    });
    expect(io.prompts).toEqual([STOP_PROMPT('bot'), STOP_PROMPT('bot')]);
    expect(io.types).toEqual(['text', 'text', 'text', 'text', 'no_human_input', 'chat_end']);
    expect(bot.chatMessages(user)[2]).toEqual({ role: 'user', content: 'keep going', name: 'user' });
    expect(result).toMatchObject({
      terminationReason: "Termination message condition on agent 'user' met and no human input provided",
    });
  });

  it('uses the stop prompt at the limit when the message is a termination message', async () => {
    const user = new ConversableAgent({ name: 'user', maxConsecutiveAutoReply: 0 });
    const io = await run([''], () => user.initiateChat(echo('bot', 'TERMINATE'), { message: 'hi' }));
    expect(io.prompts).toEqual([STOP_PROMPT('bot')]);
  });
});

describe('humanInputMode NEVER', () => {
  it('stops at maxConsecutiveAutoReply without asking, and starts over in the next chat', async () => {
    const user = new ConversableAgent({
      name: 'user',
      humanInputMode: 'NEVER',
      maxConsecutiveAutoReply: 2,
      defaultAutoReply: 'again',
    });
    const bot = echo('bot', 'pong');
    for (let chat = 0; chat < 2; chat++) {
      let result;
      const io = await run([], async () => {
        result = await user.initiateChat(bot, { message: 'ping' });
      });
      expect(io.types).toEqual(['text', 'text', 'text', 'text', 'text', 'text', 'chat_end']);
      expect(result).toMatchObject({ terminationReason: 'Maximum number of consecutive auto-replies reached' });
      expect(user.chatMessages(bot).map((m) => m.content)).toEqual(['ping', 'pong', 'again', 'pong', 'again', 'pong']);
    }
  });
});

describe('maxTurns', () => {
  it('runs that many sender → recipient → sender exchanges', async () => {
    const user = new ConversableAgent({ name: 'user', humanInputMode: 'NEVER', defaultAutoReply: 'again' });
    let result;
    const io = await run([], async () => {
      result = await user.initiateChat(echo('bot', 'pong'), { message: 'ping', maxTurns: 2 });
    });
    expect(io.types).toEqual(['text', 'text', 'text', 'text', 'chat_end']);
    expect(result).toMatchObject({ terminationReason: 'Maximum turns (2) reached', summary: 'pong' });
    expect((result as unknown as { chatHistory: unknown[] }).chatHistory).toHaveLength(4);
  });

  it('ends early when the sender has no reply', async () => {
    let result;
    const io = await run(['exit'], async () => {
      result = await new UserProxyAgent({ name: 'user' }).initiateChat(echo('bot', 'pong'), {
        message: 'ping',
        maxTurns: 3,
      });
    });
    expect(io.types).toEqual(['text', 'text', 'chat_end']);
    expect(result).toMatchObject({ terminationReason: 'User requested to end the conversation' });
  });
});

describe('tool calls cut short by the human', () => {
  it('answers every pending tool call with USER INTERRUPTED', async () => {
    fake.enqueue(
      { toolCalls: [{ id: 'call_x', name: 'weather_forecast', arguments: { city: 'Oslo' } }] },
      { content: 'OK' },
    );
    const assistant = new ConversableAgent({ name: 'assistant', humanInputMode: 'NEVER', llmConfig: llmConfig() });
    const user = new UserProxyAgent({ name: 'user' });
    const io = await run(['no, stop that', 'exit'], () => user.initiateChat(assistant, { message: 'hi' }));

    const interrupted = [{ tool_call_id: 'call_x', role: 'tool', content: 'USER INTERRUPTED' }];
    expect(io.of('tool_response')[0]!.content).toEqual({
      role: 'tool',
      tool_responses: interrupted,
      content: 'no, stop that',
      sender: 'user',
      recipient: 'assistant',
    });
    expect(fake.requests[1]!.body.messages.slice(3)).toEqual([
      { role: 'tool', tool_call_id: 'call_x', content: 'USER INTERRUPTED' },
      { role: 'user', content: 'no, stop that', name: 'user' },
    ]);
  });
});

describe('summaries', () => {
  it('reflection_with_llm asks the recipient model with the history and the summary prompt', async () => {
    fake.enqueue({ content: 'Answer TERMINATE' }, { content: 'The summary' });
    const assistant = new ConversableAgent({ name: 'assistant', humanInputMode: 'NEVER', llmConfig: llmConfig() });
    const user = new ConversableAgent({ name: 'user', humanInputMode: 'NEVER' });
    let result;
    await run([], async () => {
      result = await user.initiateChat(assistant, { message: 'Q', maxTurns: 1, summaryMethod: 'reflection_with_llm' });
    });
    expect(result).toMatchObject({ summary: 'The summary' });
    expect(fake.requests[1]!.body.messages).toEqual([
      { role: 'user', content: 'Q', name: 'user' },
      { role: 'assistant', content: 'Answer TERMINATE', name: 'assistant' },
      { role: 'system', content: ConversableAgent.DEFAULT_SUMMARY_PROMPT },
    ]);
  });

  it('takes a function', async () => {
    let result;
    await run([], async () => {
      result = await echo('user', 'x').initiateChat(echo('bot', 'pong'), {
        message: 'ping',
        maxTurns: 1,
        summaryMethod: (sender, recipient) =>
          `${sender.name}→${recipient.name}:${recipient.chatMessages(sender).length}`,
      });
    });
    expect(result).toMatchObject({ summary: 'user→bot:2' });
  });
});

describe('abort', () => {
  it('gives no reply once the run is aborted', async () => {
    const io = new CapturingIOStream(['go on']);
    io.onInput = () => io.controller.abort();
    const user = new UserProxyAgent({ name: 'user' });
    const chat = IOStream.withDefault(io, () => user.initiateChat(echo('bot', 'pong'), { message: 'ping' }));
    await expect(chat).rejects.toBeInstanceOf(AbortedError);
    expect(io.of('text').map((e) => e.content.content)).toEqual(['ping', 'pong', 'go on']);
    expect(io.types).not.toContain('chat_end');
  });

  it('stops a model request in flight', async () => {
    fake.enqueue({ hang: true });
    const io = new CapturingIOStream();
    const assistant = new ConversableAgent({ name: 'assistant', humanInputMode: 'NEVER', llmConfig: llmConfig(true) });
    const chat = IOStream.withDefault(io, () => echo('user', 'x').initiateChat(assistant, { message: 'hi' }));
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    io.controller.abort();
    await expect(chat).rejects.toBeInstanceOf(AbortedError);
    await fake.waitForRequestClosed(0);
  });
});

describe('options', () => {
  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'two words' }, 'name'],
    [{ name: 'a', humanInputMode: 'SOMETIMES' }, 'humanInputMode'],
    [{ name: 'a', maxConsecutiveAutoReply: -1 }, 'maxConsecutiveAutoReply'],
    [{ name: 'a', maxConsecutiveAutoReply: 1.5 }, 'maxConsecutiveAutoReply'],
    [{ name: 'a', llmConfig: { configList: [] } }, 'llmConfig'],
    [{ name: 'a', llmConfig: { configList: [{ api_key: 'k' }] } }, 'llmConfig'],
    [{ name: 'a', isTerminationMsg: 'TERMINATE' }, 'isTerminationMsg'],
    [{ name: 'a', systemMessage: 42 }, 'systemMessage'],
    [{ name: 'a', defaultAutoReply: 3 }, 'defaultAutoReply'],
    [{ name: 'a', colour: 'red' }, 'colour'],
  ])('rejects %j naming %s', (options, option) => {
    const make = () => new ConversableAgent(options as never);
    expect(make).toThrow(DefinitionError);
    expect(make).toThrow(`ConversableAgent option '${option}'`);
  });

  it('applies AutoGen defaults', () => {
    const agent = new ConversableAgent({ name: 'a' });
    expect(agent).toMatchObject({
      systemMessage: 'You are a helpful AI Assistant.',
      description: 'You are a helpful AI Assistant.',
      humanInputMode: 'TERMINATE',
      maxConsecutiveAutoReply: 100,
      llmConfig: false,
    });
  });

  it('rejects bad initiateChat options', async () => {
    const a = echo('a', 'x');
    await expect(a.initiateChat(echo('b', 'y'), { message: 'hi', maxTurns: 0 })).rejects.toThrow(/'maxTurns'/);
    await expect(
      a.initiateChat(echo('b', 'y'), { message: 'hi', summaryMethod: 'reflection_with_llm' }),
    ).rejects.toThrow(/llmConfig/);
    await expect(a.initiateChat(echo('b', 'y'), { mesage: 'hi' } as never)).rejects.toMatchObject({
      code: 'OPTION_INVALID',
    });
  });

  it('rejects a message with neither content nor tool calls', async () => {
    const io = new CapturingIOStream();
    const send = IOStream.withDefault(io, () => echo('a', 'x').send({ role: 'user' }, echo('b', 'y')));
    await expect(send).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
  });
});
