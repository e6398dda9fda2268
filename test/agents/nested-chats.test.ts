import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AssistantAgent,
  ConversableAgent,
  GroupChat,
  GroupChatManager,
  UserProxyAgent,
  type Agent,
  type HistoryMessage,
  type NestedChat,
} from '../../src/agents/index.js';
import { IOStream } from '../../src/io/iostream.js';
import type { LlmConfig } from '../../src/llm/llm-client.js';
import { startFakeOpenAI } from '../../src/testing/index.js';
import { CapturingIOStream } from './capturing-iostream.js';
import { CodeIOStream } from './coding/code-iostream.js';

// AutoGen 0.2.40's test/agentchat/test_nested.py, ported; test_nested with the fake model where AutoGen asks OpenAI.
// test_async_nested_chat_chat_id_validation checks `use_async`, which agentws has no use for (every chat is async), so
// there is nothing to validate.

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
  it('test_nested (AutoGen 0.2)', async () => {
    // AutoGen asks OpenAI; the fake model answers the five requests, so that each can be checked: the inner group's
    // two turns, the reflection on the group's messages, the writer, and the second outer chat. The code the inner
    // assistant writes really runs (the stream allows it, as the console does). AutoGen's unused Reviewer is left out.
    await using fake = await startFakeOpenAI();
    const workDir = mkdtempSync(path.join(tmpdir(), 'agentws-test-nested-'));
    try {
      const llmConfig: LlmConfig = { configList: [{ model: 'gpt-4', api_key: 'sk-test', base_url: fake.baseURL }] };
      const llmConfig35: LlmConfig = {
        configList: [{ model: 'gpt-3.5-turbo', api_key: 'sk-test', base_url: fake.baseURL }],
      };
      const findTerminate = (x: HistoryMessage) => (x.content ?? '').includes('TERMINATE');
      const coding = { workDir, useDocker: false } as const;
      const tasks = ["What's the date today?", 'Make a pleasant joke about it.'];
      // AutoGen's older keys: each block's logs after a newline.
      const ran = 'exitcode: 0 (execution succeeded)\nCode output: \n2024-06-01\n';
      const code = '```python\nfrom datetime import date\nprint(date(2024, 6, 1).isoformat())\n```';
      fake.enqueue(
        { content: code }, // Inner-assistant, in the group
        { content: 'Today is 2024-06-01.\nTERMINATE' }, // Inner-assistant again, after the code ran
        { content: 'The date today is 2024-06-01.' }, // the manager's reflection on the group chat
        { content: 'June has begun. TERMINATE' }, // Writer
        { content: 'Why did June start a band? It had 30 days of rhythm. TERMINATE' }, // the second Assistant
      );

      const innerAssistant = new AssistantAgent({
        name: 'Inner-assistant',
        llmConfig,
        isTerminationMsg: findTerminate,
      });
      const innerCodeInterpreter = new UserProxyAgent({
        name: 'Inner-code-interpreter',
        humanInputMode: 'NEVER',
        codeExecutionConfig: coding,
        defaultAutoReply: '',
        isTerminationMsg: findTerminate,
      });
      const groupchat = new GroupChat({
        agents: [innerAssistant, innerCodeInterpreter],
        messages: [],
        speakerSelectionMethod: 'round_robin', // With two agents, this is equivalent to a 1:1 conversation.
        allowRepeatSpeaker: false,
        maxRound: 8,
      });
      const manager = new GroupChatManager({
        groupchat,
        isTerminationMsg: findTerminate,
        llmConfig,
        codeExecutionConfig: coding,
      });
      const assistant = new AssistantAgent({ name: 'Assistant', llmConfig: false });
      const assistant2 = new AssistantAgent({ name: 'Assistant', llmConfig: llmConfig35 });
      const userOptions = {
        name: 'User',
        humanInputMode: 'NEVER',
        isTerminationMsg: findTerminate,
        codeExecutionConfig: { lastNMessages: 1, ...coding },
      } as const;
      const user = new UserProxyAgent(userOptions);
      const user2 = new UserProxyAgent(userOptions);
      const writer = new AssistantAgent({
        name: 'Writer',
        llmConfig: llmConfig35,
        systemMessage: 'You are a professional writer. Reply "TERMINATE" in the end when everything is done.',
      });
      const writingMessage = (recipient: ConversableAgent, _messages: unknown, sender: Agent | undefined) =>
        `Make a one-sentence comment. \n\n ${recipient.chatMessagesForSummary(sender!).at(-1)!.content}`;
      const nestedChatQueue: NestedChat[] = [
        { sender: user2, recipient: manager, summaryMethod: 'reflection_with_llm' },
        { recipient: writer, message: writingMessage, summaryMethod: 'last_msg', maxTurns: 1 },
      ];
      assistant.registerNestedChats(nestedChatQueue, { trigger: user });

      const io = new CodeIOStream();
      const results = await IOStream.withDefault(io, () =>
        user.initiateChats([
          { recipient: assistant, message: tasks[0], maxTurns: 1 },
          { recipient: assistant2, message: tasks[1], maxTurns: 1 },
        ]),
      );

      // The group chat: the question, the code, its output, the answer; ended by the manager's condition.
      expect(groupchat.messages.map((m) => [m.name, m.content])).toEqual([
        ['User', tasks[0]],
        ['Inner-assistant', code],
        ['Inner-code-interpreter', ran],
        ['Inner-assistant', 'Today is 2024-06-01.\nTERMINATE'],
      ]);
      expect(
        io.of('chat_end').map((e) => [e.content.sender, e.content.recipient, e.content.termination_reason]),
      ).toEqual([
        ['User', 'chat_manager', "Termination message condition on the GroupChatManager 'chat_manager' met"],
        ['Assistant', 'Writer', 'Maximum turns (1) reached'],
        ['User', 'Assistant', 'Maximum turns (1) reached'],
        ['User', 'Assistant', 'Maximum turns (1) reached'],
      ]);
      // 'reflection_with_llm' on a manager reads the group's messages (AutoGen's chat_messages_for_summary), each as
      // the manager received it, named after its speaker.
      expect(fake.requests[2]!.body.messages).toEqual([
        ...groupchat.messages.map(({ name, content }) => ({ role: 'user', content, name })),
        { role: 'system', content: ConversableAgent.DEFAULT_SUMMARY_PROMPT },
      ]);
      // The writer's message is made from the outer chat, and carries the group chat's summary over.
      expect(writer.chatMessages(assistant)[0]!.content).toBe(
        `Make a one-sentence comment. \n\n ${tasks[0]}\nContext: \nThe date today is 2024-06-01.`,
      );
      // The nested chats' last summary is the Assistant's reply; the second chat carries it over.
      expect(results.map((r) => r.summary)).toEqual([
        'June has begun. ',
        'Why did June start a band? It had 30 days of rhythm. ',
      ]);
      expect(assistant2.chatMessages(user)[0]!.content).toBe(`${tasks[1]}\nContext: \nJune has begun. `);
      expect(fake.requests).toHaveLength(5);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

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

  it.each([
    ['test_sync_nested_chat_in_group', undefined],
    ['test_async_nested_chat_in_group', 1],
  ])('%s (AutoGen 0.2)', async (_name, chatId) => {
    const innerAssistant = new AssistantAgent({
      name: 'Inner-assistant',
      llmConfig: false,
      isTerminationMsg: isTermination,
    });
    mockAgentReplies(innerAssistant, ['Inner-assistant message 1', 'Inner-assistant message 2']);
    const innerAssistant2 = new AssistantAgent({ name: 'Inner-assistant-2', llmConfig: false });
    mockAgentReplies(innerAssistant2, ['Inner-assistant-2 message 1', 'Inner-assistant-2 message 2', 'FINAL_RESULT']);
    const assistant = new AssistantAgent({ name: 'Assistant_In_Group_1', llmConfig: false });
    mockAgentReplies(assistant, ['Assistant_In_Group_1 message 1']);
    const assistant2 = new AssistantAgent({ name: 'Assistant_In_Group_2', llmConfig: false });
    const user = new UserProxyAgent({ name: 'User', humanInputMode: 'NEVER', isTerminationMsg: isTermination });
    const group = new GroupChat({
      agents: [assistant, assistant2, user],
      messages: [],
      speakerSelectionMethod: 'round_robin',
    });
    const groupManager = new GroupChatManager({ groupchat: group });
    const chat: NestedChat = { sender: innerAssistant, recipient: innerAssistant2, summaryMethod: 'last_msg' };
    assistant2.registerNestedChats([chatId === undefined ? chat : { ...chat, chatId }], { trigger: groupManager });

    const { io, result: chatResult } = await run(() =>
      user.initiateChat(groupManager, { message: 'Start chat', summaryMethod: 'last_msg' }),
    );
    expect(chatResult.chatHistory).toHaveLength(3);
    const chatMessages = chatResult.chatHistory.map((msg) => msg.content);
    expect(chatMessages).toEqual(['Start chat', 'Assistant_In_Group_1 message 1', 'FINAL_RESULT']);

    // Beyond AutoGen's asserts: the nested chat ran in Assistant_In_Group_2's turn and ended on its own reason; the
    // group chat ended when the user had no reply to FINAL_RESULT.
    expect(io.of('group_chat_run_chat').map((e) => e.content.speaker)).toEqual([
      'Assistant_In_Group_1',
      'Assistant_In_Group_2',
      'User',
    ]);
    expect(io.of('chat_end').map((e) => [e.content.sender, e.content.termination_reason])).toEqual([
      ['Inner-assistant', "Termination message condition on agent 'Inner-assistant' met"],
      ['User', 'No reply generated'],
    ]);
    expect(group.messages.map((m) => m.name)).toEqual(['User', 'Assistant_In_Group_1', 'Assistant_In_Group_2']);
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
