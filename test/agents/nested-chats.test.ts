import { describe, expect, it } from 'vitest';
import {
  AssistantAgent,
  ConversableAgent,
  UserProxyAgent,
  type HistoryMessage,
  type NestedChat,
} from '../../src/agents/index.js';
import { IOStream } from '../../src/io/iostream.js';
import { CapturingIOStream } from './capturing-iostream.js';

// AutoGen 0.2.40's test/agentchat/test_nested.py, ported. test_nested needs a group chat and a real model, and the
// *_in_group cases a GroupChatManager: they belong to the group chat's tests. test_async_nested_chat_chat_id_validation
// checks `use_async`, which agentws has no use for (every chat is async), so there is nothing to validate.

/**
 * AutoGen's MockAgentReplies capability: the agent answers from a list. Position 1 here is AutoGen's position 2:
 * right after the termination and human-reply check (AutoGen lists that check twice, sync and async).
 */
function mockAgentReplies(agent: ConversableAgent, mockMessages: string[]): void {
  let index = 0;
  agent.registerReply(
    [ConversableAgent, null],
    (recipient, _messages, sender) => {
      if (index < mockMessages.length) return { final: true, reply: mockMessages[index++]! };
      throw new Error(`No more mock messages available for ${sender?.name} to reply to ${recipient.name}`);
    },
    { position: 1 },
  );
}

const isTermination = (msg: HistoryMessage | string): boolean =>
  typeof msg === 'string' ? msg === 'FINAL_RESULT' : msg.content === 'FINAL_RESULT';

async function run<T>(fn: () => Promise<T>): Promise<{ io: CapturingIOStream; result: T }> {
  const io = new CapturingIOStream();
  const result = await IOStream.withDefault(io, fn);
  return { io, result };
}

/** The agents of test_sync_nested_chat; `chatId` marks the async variant's queue entry. */
function nestedSetup(chatId?: number) {
  const innerAssistant = new AssistantAgent({
    name: 'Inner-assistant',
    llmConfig: false,
    isTerminationMsg: isTermination,
  });
  mockAgentReplies(innerAssistant, ['Inner-assistant message 1', 'Inner-assistant message 2']);
  const innerAssistant2 = new AssistantAgent({ name: 'Inner-assistant-2', llmConfig: false });
  mockAgentReplies(innerAssistant2, ['Inner-assistant-2 message 1', 'Inner-assistant-2 message 2', 'FINAL_RESULT']);
  const assistant = new AssistantAgent({ name: 'Assistant', llmConfig: false });
  const user = new UserProxyAgent({ name: 'User', humanInputMode: 'NEVER', isTerminationMsg: isTermination });
  const chat: NestedChat = { sender: innerAssistant, recipient: innerAssistant2, summaryMethod: 'last_msg' };
  assistant.registerNestedChats([chatId === undefined ? chat : { ...chat, chatId }], { trigger: user });
  return { innerAssistant, innerAssistant2, assistant, user };
}

describe('test_nested.py (AutoGen 0.2)', () => {
  it.each([
    ['test_sync_nested_chat', undefined],
    ['test_async_nested_chat', 1],
  ])('%s (AutoGen 0.2)', async (_name, chatId) => {
    const { innerAssistant, innerAssistant2, assistant, user } = nestedSetup(chatId);
    const { io, result: chatResult } = await run(() => user.initiateChat(assistant, { message: 'Start chat' }));
    expect(chatResult.chatHistory).toHaveLength(2);
    const chatMessages = chatResult.chatHistory.map((msg) => msg.content);
    expect(chatMessages).toEqual(['Start chat', 'FINAL_RESULT']);

    // The nested chat streams in place, between the message that triggered it and the reply it made.
    expect(io.of('text').map((e) => `${e.content.sender}: ${e.content.content}`)).toEqual([
      'User: Start chat',
      'Inner-assistant: Start chat',
      'Inner-assistant-2: Inner-assistant-2 message 1',
      'Inner-assistant: Inner-assistant message 1',
      'Inner-assistant-2: Inner-assistant-2 message 2',
      'Inner-assistant: Inner-assistant message 2',
      'Inner-assistant-2: FINAL_RESULT',
      'Assistant: FINAL_RESULT',
    ]);
    expect(io.of('chat_end').map((e) => [e.content.sender, e.content.termination_reason])).toEqual([
      ['Inner-assistant', "Termination message condition on agent 'Inner-assistant' met"],
      ['User', "Termination message condition on agent 'User' met"],
    ]);
    expect(innerAssistant.chatMessages(innerAssistant2)).toHaveLength(6);
  });
});

describe('registerNestedChats', () => {
  it('makes the first message from the conversation with a function, and runs the queue in order', async () => {
    const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER', maxConsecutiveAutoReply: 0 });
    const assistant = new ConversableAgent({ name: 'assistant', humanInputMode: 'NEVER' });
    const critic = new ConversableAgent({ name: 'critic', humanInputMode: 'NEVER', defaultAutoReply: 'Looks good.' });
    const writer = new ConversableAgent({ name: 'writer', humanInputMode: 'NEVER', defaultAutoReply: 'Final text.' });
    let configSeen: unknown;
    assistant.registerNestedChats(
      [
        {
          recipient: critic,
          message: (recipient, messages, sender, config) => {
            configSeen = config;
            return `Review what ${sender!.name} asked ${recipient.name}: ${messages.at(-1)!.content ?? ''}`;
          },
          maxTurns: 1,
        },
        { recipient: writer, message: 'Write it.', maxTurns: 1 },
      ],
      { trigger: user, config: { strict: true } },
    );
    const { result } = await run(() => user.initiateChat(assistant, { message: 'A haiku, please.' }));
    expect(critic.chatMessages(assistant)[0]!.content).toBe('Review what user asked assistant: A haiku, please.');
    // The second chat carries over the first one's summary, as initiateChats does.
    expect(writer.chatMessages(assistant)[0]!.content).toBe('Write it.\nContext: \nLooks good.');
    expect(result.chatHistory.map((m) => m.content)).toEqual(['A haiku, please.', 'Final text.']);
    expect(configSeen).toEqual({ strict: true });
  });

  it('ends the conversation when no nested chat has a message, as AutoGen does', async () => {
    const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER' });
    const assistant = new ConversableAgent({ name: 'assistant', humanInputMode: 'NEVER', defaultAutoReply: 'never' });
    const other = new ConversableAgent({ name: 'other', humanInputMode: 'NEVER' });
    assistant.registerNestedChats([{ recipient: other, message: () => '' }], { trigger: user });
    const { io, result } = await run(() => user.initiateChat(assistant, { message: 'hi' }));
    expect(result.chatHistory.map((m) => m.content)).toEqual(['hi']);
    expect(io.of('chat_end')).toHaveLength(1);
  });

  it('is tried only for senders its trigger matches, after the termination check', async () => {
    const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER', maxConsecutiveAutoReply: 0 });
    const stranger = new UserProxyAgent({ name: 'stranger', humanInputMode: 'NEVER', maxConsecutiveAutoReply: 0 });
    const assistant = new ConversableAgent({ name: 'assistant', humanInputMode: 'NEVER', defaultAutoReply: 'plain' });
    const inner = new ConversableAgent({ name: 'inner', humanInputMode: 'NEVER', defaultAutoReply: 'nested' });
    assistant.registerNestedChats([{ recipient: inner, maxTurns: 1 }], { trigger: 'user' });
    expect(assistant.replyFunctions[0]!.replyFunc).toBe(ConversableAgent.checkTerminationAndHumanReply);
    await run(async () => {
      await user.initiateChat(assistant, { message: 'hi' });
      await stranger.initiateChat(assistant, { message: 'hi' });
      await user.initiateChat(assistant, { message: 'TERMINATE' });
    });
    expect(user.chatMessages(assistant).map((m) => m.content)).toEqual(['TERMINATE']);
    expect(stranger.lastMessage(assistant)!.content).toBe('plain');
    expect(inner.chatMessages(assistant).map((m) => m.content)).toEqual(['hi', 'nested']);
  });

  it.each([
    [[], {}, 'registerNestedChats needs a non-empty array of chats.'],
    [
      [{ recipient: 'bob' }],
      { trigger: undefined },
      "registerNestedChats chat 0: 'recipient' must be a ConversableAgent.",
    ],
    [[{}], {}, "registerNestedChats chat 0: 'recipient' must be a ConversableAgent."],
    ['queue', {}, 'registerNestedChats needs a non-empty array of chats.'],
    [null, {}, 'registerNestedChats needs a non-empty array of chats.'],
    ['agent', {}, "registerNestedChats needs options with a 'trigger' (undefined: any sender)."],
    ['agent', { trigger: 5 }, "registerReply 'trigger' must be"],
  ])('rejects bad arguments (%#)', (queue, options, message) => {
    const assistant = new ConversableAgent({ name: 'assistant' });
    const chats = queue === 'agent' ? [{ recipient: new ConversableAgent({ name: 'other' }) }] : queue;
    expect(() => assistant.registerNestedChats(chats as never, options as never)).toThrow(message);
  });
});
