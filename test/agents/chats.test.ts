import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AssistantAgent,
  ConversableAgent,
  GroupChat,
  GroupChatManager,
  UserProxyAgent,
  createTool,
  initiateChats,
  type ChatContext,
  type HistoryMessage,
} from '../../src/agents/index.js';
import { carryoverItemText } from '../../src/agents/carryover.js';
import { IOStream } from '../../src/io/iostream.js';
import type { LlmConfig } from '../../src/llm/llm-client.js';
import type { ToolCall } from '../../src/protocol/events.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { CapturingIOStream } from './capturing-iostream.js';
import { renderText } from '../../src/protocol/text-renderer.js';

// AutoGen 0.2.40's test/agentchat/test_chats.py, ported: the fake model answers where AutoGen asked OpenAI, so the
// carryover each chat gets can be checked to the character.

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

function llmConfig(): LlmConfig {
  return { configList: [{ model: 'gpt-3.5-turbo', api_key: 'sk-test', base_url: fake.baseURL }] };
}

async function run<T>(fn: () => Promise<T>): Promise<{ io: CapturingIOStream; result: T }> {
  const io = new CapturingIOStream();
  const result = await IOStream.withDefault(io, fn);
  return { io, result };
}

const findTerminate = (x: HistoryMessage): boolean => (x.content ?? '').includes('TERMINATE');

function randomNumberCall(): ToolCall {
  return { id: 'call_rand', type: 'function', function: { name: 'get_random_number', arguments: '{}' } };
}

/** AutoGen's `Function` with `get_random_number`, the numbers scripted. */
function randomNumbers(numbers: number[]) {
  const func = { callCount: 0 };
  const getRandomNumber = () => {
    func.callCount += 1;
    return numbers.shift();
  };
  return { func, getRandomNumber };
}

/** The content of the first message `recipient` got from `sender`. */
function firstMessage(recipient: ConversableAgent, sender: ConversableAgent): string | null | undefined {
  return recipient.chatMessages(sender)[0]?.content;
}

describe('test_chats.py (AutoGen 0.2)', () => {
  it('test_chat_messages_for_summary (AutoGen 0.2)', async () => {
    const assistant = new UserProxyAgent({ name: 'assistant', humanInputMode: 'NEVER' });
    const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER' });
    await run(() => user.send('What is the capital of France?', assistant));
    expect(assistant.chatMessagesForSummary(user)).toHaveLength(1);
  });

  it('test_chats_group (AutoGen 0.2)', async () => {
    // AutoGen only prints the results; here the fake model answers each request (the managers' 'auto' selections
    // included) and the results are checked. The code execution configs are AutoGen's, in a folder of the test's.
    const workDir = mkdtempSync(path.join(tmpdir(), 'agentws-test-chats-group-'));
    try {
      const financialTasks = ['What are the full names of NVDA and TESLA.', 'Give lucky numbers for them.'];
      const writingTasks = ['Make a joke.'];
      const coding = { lastNMessages: 1, workDir, useDocker: false } as const;
      const endsWithTerminate = (x: HistoryMessage) => (x.content ?? '').trimEnd().endsWith('TERMINATE');
      fake.enqueue(
        { content: 'NVIDIA Corporation and Tesla, Inc.' }, // Financial_assistant, chat 1
        { content: 'Financial_assistant' }, // Research_manager's selection
        { content: 'NVDA: 7, TSLA: 3.' }, // Financial_assistant
        { content: 'Critic' }, // Research_manager's selection
        { content: 'Lucky numbers given, no source needed. TERMINATE' }, // Critic
        { content: 'Lucky numbers: 7 for NVDA, 3 for TSLA.' }, // Research_manager's reflection
        { content: 'Writer' }, // Writing_manager's selection
        { content: 'Why did the GPU blush? It saw the Tesla undress its battery. TERMINATE' }, // Writer
      );

      const userProxy = new UserProxyAgent({
        name: 'User_proxy',
        systemMessage: 'A human admin.',
        humanInputMode: 'NEVER',
        codeExecutionConfig: coding,
        isTerminationMsg: endsWithTerminate,
      });
      const financialAssistant = new AssistantAgent({ name: 'Financial_assistant', llmConfig: llmConfig() });
      const writer = new AssistantAgent({
        name: 'Writer',
        llmConfig: llmConfig(),
        systemMessage: 'You are a professional writer. Reply "TERMINATE" in the end when everything is done.',
      });
      const critic = new AssistantAgent({
        name: 'Critic',
        systemMessage: 'Critic. Double check plan, claims, code from other agents and provide feedback.',
        llmConfig: llmConfig(),
      });
      const groupchat1 = new GroupChat({ agents: [userProxy, financialAssistant, critic], messages: [], maxRound: 3 });
      const groupchat2 = new GroupChat({ agents: [userProxy, writer, critic], messages: [], maxRound: 3 });
      const manager1 = new GroupChatManager({
        groupchat: groupchat1,
        name: 'Research_manager',
        llmConfig: llmConfig(),
        codeExecutionConfig: coding,
        isTerminationMsg: findTerminate,
      });
      const manager2 = new GroupChatManager({
        groupchat: groupchat2,
        name: 'Writing_manager',
        llmConfig: llmConfig(),
        codeExecutionConfig: coding,
        isTerminationMsg: findTerminate,
      });
      const user = new UserProxyAgent({
        name: 'User',
        humanInputMode: 'NEVER',
        isTerminationMsg: endsWithTerminate,
        codeExecutionConfig: coding,
      });

      const { result: chatRes } = await run(() =>
        user.initiateChats([
          { recipient: financialAssistant, message: financialTasks[0], summaryMethod: 'last_msg', maxTurns: 1 },
          { recipient: manager1, message: financialTasks[1], summaryMethod: 'reflection_with_llm' },
          { recipient: manager2, message: writingTasks[0] },
        ]),
      );

      const chatWManager = chatRes.at(-1)!;
      // User is in neither group: a manager passes the group's messages to its agents only, so User's history with
      // it, and the 'last_msg' summary, hold User's own message, as in AutoGen.
      const jokeTask =
        'Make a joke.\nContext: \nNVIDIA Corporation and Tesla, Inc.\nLucky numbers: 7 for NVDA, 3 for TSLA.';
      expect(chatWManager.chatHistory.map((m) => m.content)).toEqual([jokeTask]);
      expect(chatWManager.summary).toBe(jokeTask);
      const managerReason = (name: string) => `Termination message condition on the GroupChatManager '${name}' met`;
      expect(chatRes.map((r) => r.terminationReason)).toEqual([
        'Maximum turns (1) reached',
        managerReason('Research_manager'),
        managerReason('Writing_manager'),
      ]);
      expect(Object.keys(chatWManager.cost.models)).toEqual(['gpt-3.5-turbo']);

      const manager2Res = user.getChatResults(-1);
      const allRes = user.getChatResults();
      expect(manager2Res).toEqual(chatWManager);
      expect(allRes[0]!.humanInput).toEqual([]);
      expect(allRes[1]!.summary).toBe('Lucky numbers: 7 for NVDA, 3 for TSLA.');
      expect(groupchat1.messages.map((m) => m.name)).toEqual(['User', 'Financial_assistant', 'Critic']);
      expect(groupchat2.messages.map((m) => [m.name, m.content])).toEqual([
        ['User', jokeTask],
        ['Writer', 'Why did the GPU blush? It saw the Tesla undress its battery. TERMINATE'],
      ]);
      expect(fake.requests).toHaveLength(8);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('test_chats (AutoGen 0.2)', async () => {
    const { func, getRandomNumber } = randomNumbers([17, 42, 8]);
    const luckNumberMessage = () => ({ content: 'Give lucky numbers for them.', tool_calls: [randomNumberCall()] });
    const financialTasks = ['What are the full names of NVDA and TESLA.', luckNumberMessage, luckNumberMessage];
    const writingTasks = ['Make a joke.'];
    fake.enqueue(
      { content: 'NVIDIA Corporation and Tesla, Inc.' },
      { content: 'The lucky number is 17.' },
      { content: 'Seventeen, forty-two and eight walk into a bar. TERMINATE' },
    );
    const financialAssistant1 = new AssistantAgent({
      name: 'Financial_assistant_1',
      llmConfig: llmConfig(),
      functionMap: { get_random_number: getRandomNumber },
    });
    const financialAssistant2 = new AssistantAgent({
      name: 'Financial_assistant_2',
      llmConfig: llmConfig(),
      functionMap: { get_random_number: getRandomNumber },
    });
    const writer = new AssistantAgent({
      name: 'Writer',
      llmConfig: llmConfig(),
      isTerminationMsg: findTerminate,
      systemMessage: 'You are a professional writer. Reply "TERMINATE" in the end when everything is done.',
    });
    const user = new UserProxyAgent({ name: 'User', humanInputMode: 'NEVER', isTerminationMsg: findTerminate });
    // AutoGen's my_summary_method(recipient, sender, summary_args) names its arguments the other way round.
    const mySummaryMethod = (recipient: ConversableAgent, sender: ConversableAgent) =>
      recipient.chatMessages(sender)[1]?.content ?? '';

    const { result: chatRes } = await run(() =>
      user.initiateChats([
        {
          recipient: financialAssistant1,
          message: financialTasks[0],
          silent: false,
          summaryMethod: mySummaryMethod,
          maxTurns: 1,
        },
        {
          recipient: financialAssistant2,
          message: financialTasks[1],
          silent: false,
          maxTurns: 1,
          summaryMethod: 'reflection_with_llm',
        },
        {
          recipient: financialAssistant1,
          message: financialTasks[2],
          summaryMethod: 'last_msg',
          clearHistory: false,
          maxTurns: 1,
        },
        {
          recipient: financialAssistant1,
          message: { content: "Let's play a game.", tool_calls: [randomNumberCall()] },
          carryover: 'I like even number.',
          summaryMethod: 'last_msg',
          maxTurns: 1,
        },
        {
          recipient: writer,
          message: writingTasks[0],
          carryover: 'Make the numbers relevant.',
          summaryMethod: 'last_msg',
          maxTurns: 1,
        },
      ]),
    );

    const chatWWriter = chatRes.at(-1)!;
    expect(user.getChatResults(-1)).toBe(chatWWriter);
    const allRes = user.getChatResults();
    expect(allRes.map((r) => r.summary)).toEqual([
      'NVIDIA Corporation and Tesla, Inc.',
      'The lucky number is 17.',
      '42',
      '8',
      'Seventeen, forty-two and eight walk into a bar. ',
    ]);
    expect(allRes[0]!.humanInput).toEqual([]);
    expect(allRes[1]!.chatHistory.length).toBeLessThanOrEqual(2);
    // Each chat carries over the summaries before it, after its own carryover.
    expect(allRes[3]!.chatHistory[0]!.content).toBe(
      "Let's play a game.\nContext: \nI like even number.\nNVIDIA Corporation and Tesla, Inc.\nThe lucky number is 17.\n42",
    );
    expect(firstMessage(writer, user)).toBe(
      'Make a joke.\nContext: \nMake the numbers relevant.\nNVIDIA Corporation and Tesla, Inc.\nThe lucky number is 17.\n42\n8',
    );
    expect(func.callCount).toBe(3);
    expect(fake.requests).toHaveLength(3);
  });

  it('test_chats_general (AutoGen 0.2)', async () => {
    const financialTasks = [
      'What are the full names of NVDA and TESLA.',
      'Give lucky numbers for them.',
      'Give lucky words for them.',
    ];
    const writingTasks = ['Develop a short but engaging blog post using any information provided.'];
    fake.enqueue(
      { content: 'NVIDIA Corporation and Tesla, Inc.' },
      { content: '7 and 13' },
      { content: 'Still 7 and 13.' },
      { content: 'Nothing more.' },
      { content: 'Lucky numbers: 7 for NVDA, 13 for TSLA.' },
      { content: 'Bright and Bold.' },
      { content: 'A draft with a table.' },
      { content: 'The final post. TERMINATE' },
    );
    const financialAssistant1 = new AssistantAgent({ name: 'Financial_assistant_1', llmConfig: llmConfig() });
    const financialAssistant2 = new AssistantAgent({ name: 'Financial_assistant_2', llmConfig: llmConfig() });
    const writer = new AssistantAgent({
      name: 'Writer',
      llmConfig: llmConfig(),
      isTerminationMsg: findTerminate,
      systemMessage: 'You are a professional writer. Reply "TERMINATE" in the end when everything is done.',
    });
    const user = new UserProxyAgent({ name: 'User', humanInputMode: 'NEVER', isTerminationMsg: findTerminate });
    const user2 = new UserProxyAgent({
      name: 'User',
      humanInputMode: 'NEVER',
      isTerminationMsg: findTerminate,
      maxConsecutiveAutoReply: 3,
    });
    const mySummaryMethod = (recipient: ConversableAgent, sender: ConversableAgent) =>
      recipient.chatMessages(sender)[1]?.content ?? '';

    const { result: chatRes } = await run(() =>
      initiateChats([
        {
          sender: user,
          recipient: financialAssistant1,
          message: financialTasks[0],
          silent: false,
          summaryMethod: mySummaryMethod,
          maxTurns: 1,
        },
        {
          sender: user2,
          recipient: financialAssistant2,
          message: financialTasks[1],
          silent: false,
          maxTurns: 3,
          summaryMethod: 'reflection_with_llm',
        },
        {
          sender: user,
          recipient: financialAssistant1,
          message: financialTasks[2],
          summaryMethod: 'last_msg',
          clearHistory: false,
          maxTurns: 1,
        },
        {
          sender: user,
          recipient: writer,
          message: writingTasks[0],
          carryover: 'I want to include a figure or a table of data in the blogpost.',
          summaryMethod: 'last_msg',
          maxTurns: 2,
        },
      ]),
    );

    expect(chatRes[1]!.chatHistory.length).toBeLessThanOrEqual(6);
    expect(chatRes.map((r) => r.summary)).toEqual([
      'NVIDIA Corporation and Tesla, Inc.',
      'Lucky numbers: 7 for NVDA, 13 for TSLA.',
      'Bright and Bold.',
      'The final post. ',
    ]);
    expect(chatRes.map((r) => r.chatHistory.length)).toEqual([2, 6, 4, 4]);
    expect(firstMessage(writer, user)).toBe(
      'Develop a short but engaging blog post using any information provided.\nContext: \n' +
        'I want to include a figure or a table of data in the blogpost.\nNVIDIA Corporation and Tesla, Inc.\n' +
        'Lucky numbers: 7 for NVDA, 13 for TSLA.\nBright and Bold.',
    );
    // clearHistory: false kept the first chat in Financial_assistant_1's model request.
    expect(fake.requests[5]!.body.messages.map((m) => m.content)).toContain('NVIDIA Corporation and Tesla, Inc.');
  });

  it('test_chats_exceptions (AutoGen 0.2)', async () => {
    const financialTasks = ['What are the full names of NVDA and TESLA.', 'Give lucky words for them.'];
    const financialAssistant1 = new AssistantAgent({ name: 'Financial_assistant_1', llmConfig: llmConfig() });
    const financialAssistant2 = new AssistantAgent({ name: 'Financial_assistant_2', llmConfig: llmConfig() });
    const user = new UserProxyAgent({ name: 'User', humanInputMode: 'NEVER', isTerminationMsg: findTerminate });
    const user2 = new UserProxyAgent({ name: 'User', humanInputMode: 'NEVER', isTerminationMsg: findTerminate });
    const io = new CapturingIOStream();
    // AutoGen: "summary_method must be a string chosen from 'reflection_with_llm' or 'last_msg' or a callable, or None."
    await expect(
      IOStream.withDefault(io, () =>
        user.initiateChats([
          {
            recipient: financialAssistant1,
            message: financialTasks[0],
            silent: false,
            summaryMethod: 'last_msg',
            maxTurns: 1,
          },
          {
            recipient: financialAssistant2,
            message: financialTasks[1],
            summaryMethod: 'llm' as never,
            clearHistory: false,
            maxTurns: 1,
          },
        ]),
      ),
    ).rejects.toThrow(
      "initiateChats chat 1: 'summaryMethod' must be 'last_msg', 'reflection_with_llm', a function or null.",
    );
    // AutoGen: "llm client must be set in either the recipient or sender when summary_method is reflection_with_llm."
    await expect(
      IOStream.withDefault(io, () =>
        user.initiateChats([
          {
            recipient: financialAssistant1,
            message: financialTasks[0],
            silent: false,
            summaryMethod: 'last_msg',
            maxTurns: 1,
          },
          {
            recipient: user2,
            message: financialTasks[1],
            clearHistory: false,
            summaryMethod: 'reflection_with_llm',
            maxTurns: 1,
          },
        ]),
      ),
    ).rejects.toThrow(
      "initiateChats chat 1: 'summaryMethod' 'reflection_with_llm' needs an llmConfig on the recipient or the sender.",
    );
    // Checked before the first chat starts, as AutoGen's consolidate_chat_info does.
    expect(io.events).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('test_chats_w_func (AutoGen 0.2)', async () => {
    fake.enqueue(
      {
        toolCalls: [
          { id: 'call_fx', name: 'currency_calculator', arguments: { base_amount: 123.45, base_currency: 'USD' } },
        ],
      },
      { content: '123.45 USD is about 112.23 EUR. TERMINATE' },
      { content: '123.45 USD is 112.23 EUR.' },
    );
    const chatbot = new AssistantAgent({
      name: 'chatbot',
      systemMessage:
        'For currency exchange tasks, only use the functions you have been provided with. Reply TERMINATE when the task is done.',
      llmConfig: { ...llmConfig(), timeoutMs: 120_000 },
    });
    const userProxy = new UserProxyAgent({
      name: 'user_proxy',
      isTerminationMsg: (x) => (x.content ?? '').trimEnd().endsWith('TERMINATE'),
      humanInputMode: 'NEVER',
      maxConsecutiveAutoReply: 10,
    });
    const CurrencySymbol = z.enum(['USD', 'EUR']);
    const exchangeRate = (base: string, quote: string): number => {
      if (base === quote) return 1.0;
      if (base === 'USD' && quote === 'EUR') return 1 / 1.1;
      if (base === 'EUR' && quote === 'USD') return 1.1;
      throw new Error(`Unknown currencies ${base}, ${quote}`);
    };
    const currencyCalculator = createTool(
      ({ base_amount, base_currency, quote_currency }) =>
        `${exchangeRate(base_currency, quote_currency) * base_amount} ${quote_currency}`,
      {
        name: 'currency_calculator',
        description: 'Currency exchange calculator.',
        parameters: z.object({
          base_amount: z.number().describe('Amount of currency in base_currency'),
          base_currency: CurrencySymbol.default('USD').describe('Base currency'),
          quote_currency: CurrencySymbol.default('EUR').describe('Quote currency'),
        }),
      },
    );
    userProxy.registerForExecution(currencyCalculator);
    chatbot.registerForLlm(currencyCalculator);
    const { result: res } = await run(() =>
      userProxy.initiateChat(chatbot, {
        message: 'How much is 123.45 USD in EUR?',
        summaryMethod: 'reflection_with_llm',
      }),
    );
    expect(res.chatHistory[2]!.content).toBe(`${(1 / 1.1) * 123.45} EUR`);
    expect(res.summary).toBe('123.45 USD is 112.23 EUR.');
    expect(res.terminationReason).toBe("Termination message condition on agent 'user_proxy' met");
    expect(res.cost.models['gpt-3.5-turbo']!.total_tokens).toBeGreaterThan(0);
  });

  it('test_udf_message_in_chats (AutoGen 0.2)', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'agentws-chats-'));
    try {
      writeFileSync(path.join(workDir, 'stock_prices.md'), '| NVDA | 822.79 |\n| TSLA | 202.64 |\n');
      const researchTask = 'NVDA: $822.79, TSLA: $202.64. Save them to a file named stock_prices.md.';
      const myWritingTask = (_sender: ConversableAgent, _recipient: ConversableAgent, context: ChatContext) => {
        let carryover = context.carryover ?? '';
        if (Array.isArray(carryover)) carryover = carryoverItemText(carryover.at(-1) ?? '');
        let data: string;
        try {
          data = readFileSync(`${String(context.work_dir ?? '')}/stock_prices.md`, 'utf8');
        } catch (error) {
          data = `An error occurred while reading the file: ${String(error)}`;
        }
        return 'Make a joke. ' + '\nContext:\n' + String(carryover) + '\nData:' + data;
      };
      fake.enqueue(
        { content: 'Saved the prices.' },
        { content: 'They are in stock_prices.md.' },
        { content: 'Why did NVDA outrun TSLA?' },
        { content: 'Because it had more cores. TERMINATE' },
        { content: 'A joke about NVDA and TSLA.' },
      );
      const researcher = new AssistantAgent({ name: 'Financial_researcher', llmConfig: llmConfig() });
      const writer = new AssistantAgent({
        name: 'Writer',
        llmConfig: llmConfig(),
        systemMessage: 'You are a professional writer. Reply "TERMINATE" in the end when everything is done.',
      });
      const userProxyAuto = new UserProxyAgent({
        name: 'User_Proxy_Auto',
        humanInputMode: 'NEVER',
        isTerminationMsg: (x) => (x.content ?? '').trimEnd().endsWith('TERMINATE'),
      });
      const { result: chatResults } = await run(() =>
        initiateChats([
          {
            sender: userProxyAuto,
            recipient: researcher,
            message: researchTask,
            clearHistory: true,
            silent: false,
            maxTurns: 2,
          },
          {
            sender: userProxyAuto,
            recipient: writer,
            message: myWritingTask,
            maxTurns: 2,
            summaryMethod: 'reflection_with_llm',
            // AutoGen passes extra keys of the chat to the message function; agentws takes them in `context`.
            context: { work_dir: workDir },
          },
        ]),
      );
      expect(firstMessage(writer, userProxyAuto)).toBe(
        'Make a joke. \nContext:\nThey are in stock_prices.md.\nData:| NVDA | 822.79 |\n| TSLA | 202.64 |\n',
      );
      expect(chatResults.map((r) => r.summary)).toEqual([
        'They are in stock_prices.md.',
        'A joke about NVDA and TSLA.',
      ]);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('test_post_process_carryover_item (AutoGen 0.2)', () => {
    const geminiCarryoverItem = { content: 'How can I help you?', role: 'model' };
    expect(carryoverItemText(geminiCarryoverItem)).toBe(geminiCarryoverItem.content);
    const carryoverItem = 'How can I help you?';
    expect(carryoverItemText(carryoverItem)).toBe(carryoverItem);
  });
});

describe('initiateChats', () => {
  /** A model-less agent that always answers `reply`. */
  function echo(name: string, reply: string): ConversableAgent {
    return new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply: reply });
  }

  it('leaves out the summaries of excluded chats, by queue index', async () => {
    const user = echo('user', 'ok');
    const [a, b, c] = [echo('a', 'from a'), echo('b', 'from b'), echo('c', 'from c')];
    await run(() =>
      user.initiateChats([
        { recipient: a, message: 'one', maxTurns: 1 },
        { recipient: b, message: 'two', maxTurns: 1 },
        { recipient: c, message: 'three', maxTurns: 1, finishedChatIndexesToExcludeFromCarryover: [0] },
      ]),
    );
    expect(firstMessage(b, user)).toBe('two\nContext: \nfrom a');
    expect(firstMessage(c, user)).toBe('three\nContext: \nfrom b');
  });

  it("says when each chat starts, as AutoGen's banner: its message and carryover with verbose, nothing when silent", async () => {
    const user = echo('user', 'ok');
    const [a, b, c] = [echo('a', 'from a'), echo('b', 'from b'), echo('c', 'from c')];
    const { io } = await run(() =>
      user.initiateChats([
        { recipient: a, message: 'one', maxTurns: 1, carryover: 'given' },
        { recipient: b, message: 'two', maxTurns: 1, verbose: true },
        { recipient: c, message: 'three', maxTurns: 1, silent: true },
      ]),
    );
    expect(io.of('post_carryover_processing').map((e) => e.content)).toEqual([
      { message: 'one', carryover: 'given', verbose: false },
      { message: 'two', carryover: 'from a', verbose: true },
    ]);
    const [first, second] = io.of('post_carryover_processing');
    const stars = '\n' + '*'.repeat(80) + '\n';
    expect(renderText(first!)).toEqual([stars, 'Starting a new chat....\n', stars]);
    expect(renderText(second!)).toEqual([
      stars,
      'Starting a new chat....\n',
      'Message:\ntwo\n',
      'Carryover:\nfrom a\n',
      stars,
    ]);
    expect(renderText(first!, { color: true })[1]).toBe('\x1b[34mStarting a new chat....\x1b[0m\n');
  });

  it('runs chats after their prerequisites, carrying over only theirs, and keeps the queue order in the results', async () => {
    const user = echo('user', 'ok');
    const [a, b, c] = [echo('a', 'from a'), echo('b', 'from b'), echo('c', 'from c')];
    const { io, result } = await run(() =>
      initiateChats([
        { chatId: 1, sender: user, recipient: a, message: 'one', maxTurns: 1, prerequisites: [3] },
        { chatId: 2, sender: user, recipient: b, message: 'two', maxTurns: 1, prerequisites: [1, 3] },
        { chatId: 3, sender: user, recipient: c, message: 'three', maxTurns: 1 },
      ]),
    );
    expect(io.of('chat_end').map((e) => e.content.recipient)).toEqual(['c', 'a', 'b']);
    expect(result.map((r) => [r.chatId, r.summary])).toEqual([
      [1, 'from a'],
      [2, 'from b'],
      [3, 'from c'],
    ]);
    expect(firstMessage(c, user)).toBe('three');
    expect(firstMessage(a, user)).toBe('one\nContext: \nfrom c');
    expect(firstMessage(b, user)).toBe('two\nContext: \nfrom a\nfrom c');
  });

  it.each([
    [
      [
        { chatId: 1, prerequisites: [2] },
        { chatId: 2, prerequisites: [1] },
      ],
      'prerequisites form a cycle among chats 1, 2',
    ],
    [[{ chatId: 1, prerequisites: [9] }, { chatId: 2 }], 'prerequisites name chats that are not in the queue: 9'],
    [[{ chatId: 1, prerequisites: [] }, {}], "chat 1: every chat needs a unique 'chatId' when prerequisites are used"],
    [[{ chatId: 1, prerequisites: [] }, { chatId: 1 }], "chat 1: every chat needs a unique 'chatId'"],
    [[{ chatId: 1, prerequisites: ['x'] }], "chat 0: 'prerequisites' must be an array of integers"],
    [[{ recipient: 'bob' }], "chat 0: 'recipient' must be a ConversableAgent"],
    [[{ sender: undefined }], "chat 0: 'sender' must be a ConversableAgent"],
    [[{ carryover: 'x', colour: 'red' }], "initiateChats chat 0: 'colour' is unknown."],
  ])('rejects a bad queue before any chat runs (%#)', async (entries, message) => {
    const user = echo('user', 'ok');
    const queue = entries.map((entry) => ({ sender: user, recipient: echo('bot', 'hi'), message: 'hello', ...entry }));
    const io = new CapturingIOStream();
    await expect(IOStream.withDefault(io, () => initiateChats(queue as never))).rejects.toThrow(message);
    expect(io.events).toEqual([]);
  });

  it('hands a message function the carryover and the context', async () => {
    const user = echo('user', 'ok');
    const seen: ChatContext[] = [];
    await run(() =>
      user.initiateChats([
        { recipient: echo('a', 'from a'), message: 'one', maxTurns: 1 },
        {
          recipient: echo('b', 'from b'),
          message: (_sender, _recipient, context) => {
            seen.push(context);
            return 'two';
          },
          carryover: 'mine',
          context: { topic: 'chips' },
          maxTurns: 1,
        },
      ]),
    );
    expect(seen).toEqual([{ topic: 'chips', carryover: ['mine', 'from a'] }]);
  });
});
