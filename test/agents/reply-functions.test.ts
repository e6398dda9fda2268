import { describe, expect, it } from 'vitest';
import {
  AssistantAgent,
  ConversableAgent,
  UserProxyAgent,
  type Agent,
  type AgentMessage,
  type ReplyFunction,
} from '../../src/agents/index.js';
import { matchTrigger } from '../../src/agents/reply-functions.js';
import { DefinitionError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import { CapturingIOStream } from './capturing-iostream.js';

function agent(name: string, options: Partial<ConstructorParameters<typeof ConversableAgent>[0]> = {}) {
  return new ConversableAgent({ name, humanInputMode: 'NEVER', ...options });
}

function replying(reply: string): ReplyFunction {
  return () => ({ final: true, reply });
}

async function run<T>(fn: () => Promise<T>): Promise<{ io: CapturingIOStream; result: T }> {
  const io = new CapturingIOStream();
  const result = await IOStream.withDefault(io, fn);
  return { io, result };
}

describe('the reply function list', () => {
  it("starts with AutoGen's order: termination and human reply, tool calls, the model", () => {
    expect(agent('a').replyFunctions.map((e) => e.replyFunc)).toEqual([
      ConversableAgent.checkTerminationAndHumanReply,
      ConversableAgent.generateToolCallsReply,
      ConversableAgent.generateOaiReply,
    ]);
    expect(new UserProxyAgent({ name: 'u' }).replyFunctions).toHaveLength(3);
    expect(agent('a').replyFunctions.every((e) => e.trigger === undefined)).toBe(true);
  });

  it('puts a function at its position: 0 is tried first, a negative position counts from the end', async () => {
    const a = agent('a');
    const first = replying('first');
    const beforeModel = replying('before the model');
    a.registerReply(undefined, beforeModel, { position: -1 });
    a.registerReply(undefined, first);
    expect(a.replyFunctions.map((e) => e.replyFunc)).toEqual([
      first,
      ConversableAgent.checkTerminationAndHumanReply,
      ConversableAgent.generateToolCallsReply,
      beforeModel,
      ConversableAgent.generateOaiReply,
    ]);
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await run(async () => {
      expect(await a.generateReply({ messages })).toBe('first');
      expect(await a.generateReply({ messages, exclude: [first] })).toBe('before the model');
    });
  });

  it('gives each function its config, copies plain configs, and restores them on reset()', async () => {
    const a = agent('a');
    const seen: unknown[] = [];
    const counting: ReplyFunction<{ calls: number }> = (_agent, _messages, _sender, config) => {
      config.calls += 1;
      seen.push(config.calls);
      return { final: true, reply: `call ${config.calls}` };
    };
    const initial = { calls: 0 };
    a.registerReply(undefined, counting, { config: initial });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await run(async () => {
      await a.generateReply({ messages });
      await a.generateReply({ messages });
      a.reset();
      await a.generateReply({ messages });
    });
    expect(seen).toEqual([1, 2, 1]);
    expect(initial).toEqual({ calls: 0 });

    // A class instance is shared, and resetConfig says how to reset it.
    class Tally {
      calls = 0;
    }
    const b = agent('b');
    const tally = new Tally();
    b.registerReply(undefined, (_a, _m, _s, config: Tally) => ({ final: true, reply: String(++config.calls) }), {
      config: tally,
      resetConfig: (config) => void (config.calls = 100),
    });
    await run(() => b.generateReply({ messages }));
    expect(tally.calls).toBe(1);
    b.reset();
    expect(tally.calls).toBe(100);
  });

  it('removes every other function with removeOtherReplyFuncs, and replaces one with replaceReplyFunc', async () => {
    const a = agent('a', { defaultAutoReply: 'default' });
    const old = replying('old');
    a.registerReply(undefined, old, { removeOtherReplyFuncs: true });
    expect(a.replyFunctions.map((e) => e.replyFunc)).toEqual([old]);
    a.replaceReplyFunc(old, replying('new'));
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const { result } = await run(() => a.generateReply({ messages }));
    expect(result).toBe('new');
  });

  it('lets a function decline, answer nothing (ending the chat), or answer a message object', async () => {
    const a = agent('a', { defaultAutoReply: 'default' });
    const b = agent('b', { maxConsecutiveAutoReply: 0 });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    a.registerReply(undefined, () => ({ final: false }));
    expect((await run(() => a.generateReply({ messages }))).result).toBe('default');
    a.registerReply(b, () => ({ final: true, reply: null }));
    const { io } = await run(() => b.initiateChat(a, { message: 'hi' }));
    expect(io.of('text')).toHaveLength(1);
    const reply: AgentMessage = { content: 'structured', name: 'custom' };
    a.registerReply(b, () => ({ final: true, reply }));
    await run(() => b.initiateChat(a, { message: 'hi' }));
    expect(b.lastMessage(a)).toEqual({ role: 'user', content: 'structured', name: 'custom' });
  });

  it("may say why it ends the conversation: the chat's terminationReason, else 'no reply'", async () => {
    const a = agent('a');
    const b = agent('b');
    a.registerReply(b, () => ({ final: true, reply: null, terminationReason: 'The budget is spent' }));
    const { io, result } = await run(() => b.initiateChat(a, { message: 'hi' }));
    expect(result.terminationReason).toBe('The budget is spent');
    expect(io.of('chat_end')[0]!.content.termination_reason).toBe('The budget is spent');

    a.registerReply(b, () => ({ final: true, reply: null }));
    expect((await run(() => b.initiateChat(a, { message: 'hi' }))).result.terminationReason).toBe('no reply');
    // Outside a chat there is no reason to keep: the reply is just null.
    const messages = [{ role: 'user' as const, content: 'hi' }];
    a.registerReply(undefined, () => ({ final: true, reply: null, terminationReason: 'unused' }));
    expect((await run(() => a.generateReply({ messages }))).result).toBeNull();
  });

  it.each([
    [{ final: true, reply: null, terminationReason: 42 }, 'a terminationReason 42'],
    [{ final: true, reply: 'hello', terminationReason: 'done' }, 'a terminationReason "done"'],
  ])('says that a terminationReason is a string and goes with reply: null (%#)', async (result, got) => {
    const a = agent('a');
    a.registerReply(undefined, function ending() {
      return result as never;
    });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await expect(run(() => a.generateReply({ messages }))).rejects.toThrow(
      `Reply function ending returned ${got}: it must be a string, and goes with reply: null (the conversation ends).`,
    );
  });

  it('says what a reply function must return', async () => {
    const a = agent('a');
    const messages = [{ role: 'user' as const, content: 'hi' }];
    a.registerReply(undefined, function tuple() {
      return [true, 'hello'] as never;
    });
    await expect(run(() => a.generateReply({ messages }))).rejects.toThrow(
      "Reply function tuple must return { final: true, reply } or { final: false }, not AutoGen's (final, reply) tuple.",
    );
  });

  it.each([
    [{ position: 1.5 }, "registerReply option 'position' must be an integer (got 1.5)."],
    [{ resetConfig: 'no' }, "registerReply option 'resetConfig' must be a function."],
  ])('rejects bad options (%#)', (options, message) => {
    expect(() => agent('a').registerReply(undefined, replying('x'), options as never)).toThrow(message);
  });

  it('rejects a reply function that is not a function', () => {
    expect(() => agent('a').registerReply(undefined, 'reply' as never)).toThrow(
      "registerReply 'replyFunc' must be a function.",
    );
  });
});

describe('triggers', () => {
  const alice = agent('alice');
  const bob = new AssistantAgent({ name: 'bob', llmConfig: false });
  const plain: Agent = {
    name: 'plain',
    description: '',
    send: async () => undefined,
    receive: async () => undefined,
    generateReply: async () => null,
  };

  it.each<[string, Parameters<typeof matchTrigger>[0], Array<[Agent | undefined, boolean]>]>([
    [
      'undefined: any sender or none',
      undefined,
      [
        [alice, true],
        [plain, true],
        [undefined, true],
      ],
    ],
    [
      'null: no sender only',
      null,
      [
        [alice, false],
        [undefined, true],
      ],
    ],
    [
      'a name',
      'alice',
      [
        [alice, true],
        [bob, false],
      ],
    ],
    [
      'a class',
      AssistantAgent,
      [
        [bob, true],
        [alice, false],
        [undefined, false],
      ],
    ],
    [
      'the base class',
      ConversableAgent,
      [
        [bob, true],
        [alice, true],
        [plain, false],
      ],
    ],
    [
      'an agent',
      alice,
      [
        [alice, true],
        [agent('alice'), false],
        [undefined, false],
      ],
    ],
    [
      'a function',
      (sender) => sender?.name.startsWith('b') === true,
      [
        [bob, true],
        [alice, false],
        [undefined, false],
      ],
    ],
    [
      'a list',
      ['bob', alice],
      [
        [bob, true],
        [alice, true],
        [plain, false],
      ],
    ],
    [
      'a nested list',
      [[null], ['plain']],
      [
        [plain, true],
        [undefined, true],
        [alice, false],
      ],
    ],
  ])('%s', (_kind, trigger, cases) => {
    for (const [sender, expected] of cases) expect(matchTrigger(trigger, sender)).toBe(expected);
  });

  it('needs a sender for a name, and a boolean from a function', () => {
    expect(() => matchTrigger('alice', undefined)).toThrow('Sender is required but not provided');
    expect(() => matchTrigger(() => 'yes' as never, alice)).toThrow(
      'A reply trigger function must return a boolean (got yes).',
    );
  });

  it.each([1, true, Symbol('s'), [1]])('rejects %s as a trigger when it is registered', (trigger) => {
    expect(() => agent('a').registerReply(trigger as never, replying('x'))).toThrow(DefinitionError);
    expect(() => agent('a').registerReply(trigger as never, replying('x'))).toThrow("registerReply 'trigger' must be");
  });
});

describe('subclasses', () => {
  it('ready others for a chat by overriding prepareChat, as a group chat manager does', async () => {
    const member = agent('member');
    const prepared: string[] = [];
    class Manager extends ConversableAgent {
      override prepareChat(partner: Agent, clearHistory: boolean, replyAtReceive: boolean): void {
        super.prepareChat(partner, clearHistory, replyAtReceive);
        prepared.push(`${partner.name} ${clearHistory} ${replyAtReceive}`);
        member.prepareChat(this, clearHistory, replyAtReceive);
      }
    }
    const manager = new Manager({ name: 'manager', humanInputMode: 'NEVER', defaultAutoReply: 'done' });
    const user = agent('user', { maxConsecutiveAutoReply: 0 });
    await run(() => member.send('old news', manager, false));
    await run(() => user.initiateChat(manager, { message: 'go', maxTurns: 1 }));
    expect(prepared).toEqual(['user true false']);
    expect(member.chatMessages(manager)).toEqual([]);
    expect(member.replyAtReceive(manager)).toBe(false);
  });

  it("call an overridden receive and send, as AutoGen's receive → send recursion does", async () => {
    const received: string[] = [];
    const sent: string[] = [];
    class Logging extends ConversableAgent {
      override async receive(message: AgentMessage, sender: Agent, requestReply?: boolean, silent?: boolean) {
        received.push(typeof message === 'string' ? message : String(message.content));
        return super.receive(message, sender, requestReply, silent);
      }
      override async send(message: AgentMessage, recipient: Agent, requestReply?: boolean, silent?: boolean) {
        sent.push(typeof message === 'string' ? message : String(message.content));
        return super.send(message, recipient, requestReply, silent);
      }
    }
    const logging = new Logging({ name: 'logging', humanInputMode: 'NEVER', defaultAutoReply: 'pong' });
    const user = agent('user', { maxConsecutiveAutoReply: 1, defaultAutoReply: 'ping again' });
    const { io } = await run(() => user.initiateChat(logging, { message: 'ping' }));
    expect(received).toEqual(['ping', 'ping again']);
    expect(sent).toEqual(['pong', 'pong']);
    expect(io.of('text').map((e) => e.content.content)).toEqual(['ping', 'pong', 'ping again', 'pong']);
  });
});
