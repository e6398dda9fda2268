import { describe, expect, it } from 'vitest';
import { ConversableAgent, type HistoryMessage } from '../../src/agents/index.js';
import { Hooks } from '../../src/agents/hooks.js';
import { IOStream } from '../../src/io/iostream.js';
import { CapturingIOStream } from './capturing-iostream.js';

function agent(name: string, defaultAutoReply = '') {
  return new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply, maxConsecutiveAutoReply: 1 });
}

async function run<T>(fn: () => Promise<T>): Promise<CapturingIOStream> {
  const io = new CapturingIOStream();
  await IOStream.withDefault(io, fn);
  return io;
}

describe('processMessageBeforeSend', () => {
  it('rewrites every message the agent sends, replies included, before both sides record it', async () => {
    const alice = agent('alice', 'again');
    const bob = agent('bob', 'pong');
    alice.registerHook('processMessageBeforeSend', ({ message }) => `${String(message)} (1)`);
    alice.registerHook(
      'processMessageBeforeSend',
      async ({ message, recipient }) => `${String(message)} to ${recipient.name}`,
    );
    const io = await run(() => alice.initiateChat(bob, { message: 'ping' }));
    expect(io.of('text').map((e) => e.content.content)).toEqual(['ping (1) to bob', 'pong', 'again (1) to bob']);
    expect(bob.chatMessages(alice).map((m) => m.content)).toEqual(alice.chatMessages(bob).map((m) => m.content));
  });
});

describe('processLastReceivedMessage', () => {
  const expand = (content: string) => `${content} [Expanded]`;

  it.each<[string, HistoryMessage]>([
    ['"exit"', { role: 'user', content: 'exit' }],
    ['no text', { role: 'assistant', content: null, tool_calls: [] }],
    [
      'tool calls',
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
    ],
    ['a context', { role: 'user', content: 'hello {name}', context: { name: 'x' } }],
  ])('leaves a last message with %s alone', async (_case, last) => {
    const hooks = new Hooks();
    hooks.register('processLastReceivedMessage', expand);
    const messages = [{ role: 'user' as const, content: 'first' }, last];
    expect(await hooks.processLastReceivedMessage(messages)).toBe(messages);
  });

  it('returns the same list when no hook changed the text, or there is none', async () => {
    const hooks = new Hooks();
    const messages: HistoryMessage[] = [{ role: 'user', content: 'hi' }];
    expect(await hooks.processLastReceivedMessage(messages)).toBe(messages);
    expect(await hooks.processLastReceivedMessage([])).toEqual([]);
    hooks.register('processLastReceivedMessage', (content) => content);
    expect(await hooks.processLastReceivedMessage(messages)).toBe(messages);
  });

  it('runs before processAllMessagesBeforeReply, and both before the reply functions, without touching the history', async () => {
    const a = agent('a');
    const b = agent('b', 'hello');
    const order: string[] = [];
    a.registerHook('processLastReceivedMessage', (content) => {
      order.push('last');
      return content.toUpperCase();
    });
    a.registerHook('processAllMessagesBeforeReply', (messages) => {
      order.push(`all: ${messages.at(-1)!.content}`);
      return [...messages, { role: 'user', content: 'added' }];
    });
    let seen: readonly HistoryMessage[] = [];
    a.registerReply(undefined, (_agent, messages) => {
      order.push('reply');
      seen = messages;
      return { final: true, reply: null };
    });
    await run(() => b.initiateChat(a, { message: 'hello there' }));
    expect(order).toEqual(['last', 'all: HELLO THERE', 'reply']);
    expect(seen.map((m) => m.content)).toEqual(['HELLO THERE', 'added']);
    expect(a.chatMessages(b).map((m) => m.content)).toEqual(['hello there']);
  });
});

describe('registerHook', () => {
  it('says when a processAllMessagesBeforeReply hook returns no array', async () => {
    const hooks = new Hooks();
    hooks.register('processAllMessagesBeforeReply', function broken() {
      return 'nope' as never;
    });
    await expect(hooks.processAllMessagesBeforeReply([])).rejects.toThrow(
      'The processAllMessagesBeforeReply hook broken must return an array of messages.',
    );
  });

  it('rejects a hook that is not a function, and lists the hookable methods', () => {
    const hooks = new Hooks();
    expect(() => hooks.register('processMessageBeforeSend', 'x' as never)).toThrow(
      "A hook for 'processMessageBeforeSend' must be a function.",
    );
    expect(() => hooks.register('process_message_before_send' as never, (() => '') as never)).toThrow(
      "process_message_before_send is not a hookable method. Did you mean 'processMessageBeforeSend'? (one hook list " +
        'serves sync and async hooks) Hookable methods: processLastReceivedMessage, processAllMessagesBeforeReply, ' +
        'processMessageBeforeSend.',
    );
  });
});
