import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversableAgent } from '../../src/agents/index.js';
import { IOStream } from '../../src/io/iostream.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { CapturingIOStream } from './capturing-iostream.js';

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

function echo(name: string, reply: string, maxConsecutiveAutoReply = 100): ConversableAgent {
  return new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply: reply, maxConsecutiveAutoReply });
}

async function run<T>(fn: () => Promise<T>, answers: string[] = []): Promise<CapturingIOStream> {
  const io = new CapturingIOStream(answers);
  await IOStream.withDefault(io, fn);
  return io;
}

describe('the auto-reply limit', () => {
  it('can be set for one partner, and for everyone (partners included)', async () => {
    const bot = echo('bot', 'pong', 5);
    const [alice, bob] = [echo('alice', 'ping'), echo('bob', 'ping')];
    bot.updateMaxConsecutiveAutoReply(1, alice);
    expect([bot.maxConsecutiveAutoReplyFor(alice), bot.maxConsecutiveAutoReplyFor(bob)]).toEqual([1, 5]);
    await run(async () => {
      await alice.initiateChat(bot, { message: 'hi' });
      await bob.initiateChat(bot, { message: 'hi', maxTurns: 3 });
    });
    // alice gets one reply, then the bot stops; bob is under the agent-wide limit.
    expect(alice.chatMessages(bot).map((m) => m.content)).toEqual(['hi', 'pong', 'ping']);
    expect(bob.chatMessages(bot)).toHaveLength(6);
    bot.updateMaxConsecutiveAutoReply(2);
    expect([bot.maxConsecutiveAutoReply, bot.maxConsecutiveAutoReplyFor(alice)]).toEqual([2, 2]);
    expect(() => bot.updateMaxConsecutiveAutoReply(-1)).toThrow(
      'maxConsecutiveAutoReply must be an integer >= 0 (got -1).',
    );
  });
});

describe('lastMessage', () => {
  it('without an agent gives the only conversation’s last message, and asks which one when there are more', async () => {
    const user = echo('user', 'ok', 0);
    expect(user.lastMessage()).toBeUndefined();
    await run(() => user.initiateChat(echo('a', 'from a'), { message: 'one' }));
    expect(user.lastMessage()!.content).toBe('from a');
    await run(() => user.initiateChat(echo('b', 'from b'), { message: 'two' }));
    expect(() => user.lastMessage()).toThrow("Agent 'user' talks with a, b: name one, lastMessage(agent).");
  });
});

describe('updateSystemMessage', () => {
  it('changes what the next model request starts with', async () => {
    fake.enqueue({ content: 'one' }, { content: 'two' });
    const assistant = new ConversableAgent({
      name: 'assistant',
      humanInputMode: 'NEVER',
      llmConfig: { configList: [{ model: 'gpt-4', api_key: 'sk-test', base_url: fake.baseURL }] },
    });
    const user = echo('user', 'ok', 0);
    await run(() => user.initiateChat(assistant, { message: 'hi' }));
    assistant.updateSystemMessage('Answer in French.');
    await run(() => user.initiateChat(assistant, { message: 'hi' }));
    expect(fake.requests.map((r) => r.body.messages[0])).toEqual([
      { role: 'system', content: 'You are a helpful AI Assistant.' },
      { role: 'system', content: 'Answer in French.' },
    ]);
    expect(assistant.usage.models['gpt-4']!.total_tokens).toBeGreaterThan(0);
    expect(() => assistant.updateSystemMessage(42 as never)).toThrow('The system message must be a string.');

    // reset(): history, counters, reply on receipt and usage start over.
    assistant.reset();
    expect(assistant.chatMessages().size).toBe(0);
    expect(assistant.replyAtReceive(user)).toBe(false);
    expect(assistant.usage).toEqual({ total_cost: 0, models: {} });
  });
});

describe('the first message', () => {
  it('is asked from the human with ">" when none is given, and gets the carryover', async () => {
    const user = echo('user', 'ok', 0);
    const bot = echo('bot', 'pong');
    const io = await run(() => user.initiateChat(bot, { carryover: ['earlier'] }), ['typed']);
    expect(io.prompts).toEqual(['>']);
    expect(bot.chatMessages(user)[0]!.content).toBe('typed\nContext: \nearlier');
  });

  it('can come from a function, which gets the carryover and the context, with maxTurns too', async () => {
    const user = echo('user', 'again');
    const bot = echo('bot', 'pong');
    await run(() =>
      user.initiateChat(bot, {
        message: async (sender, recipient, context) =>
          `${sender.name} to ${recipient.name}: ${String(context.carryover)} ${String(context.mood)}`,
        carryover: 'sunny',
        context: { mood: 'glad' },
        maxTurns: 2,
      }),
    );
    expect(bot.chatMessages(user).map((m) => m.content)).toEqual(['user to bot: sunny glad', 'pong', 'again', 'pong']);
  });

  it('summaryMethod null makes an empty summary', async () => {
    let summary: string | undefined;
    await run(async () => {
      summary = (await echo('user', 'ok', 0).initiateChat(echo('bot', 'pong'), { message: 'hi', summaryMethod: null }))
        .summary;
    });
    expect(summary).toBe('');
  });
});
