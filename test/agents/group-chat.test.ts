import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AssistantAgent,
  ConversableAgent,
  DEFAULT_SELECT_SPEAKER_AUTO_MULTIPLE_TEMPLATE,
  DEFAULT_SELECT_SPEAKER_AUTO_NONE_TEMPLATE,
  GroupChat,
  GroupChatManager,
  MANUAL_SELECTION_PROMPT,
  UserProxyAgent,
  registerFunction,
} from '../../src/agents/index.js';
import type { AgentMessage, GroupChatOptions } from '../../src/agents/index.js';
import { AbortedError, AgentwsError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import type { LlmConfig } from '../../src/llm/llm-client.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { CapturingIOStream } from './capturing-iostream.js';

// agentws's group chat beyond AutoGen's own tests: what the model is sent for 'auto' selection (byte for byte as
// AutoGen's inner selection chat sends it), tools in a group, the events a client sees, cancel, follow-ups, resume,
// and the errors bad options get. The model is the fake OpenAI server (real HTTP, real SSE).

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI();
});
afterEach(async () => {
  await fake.close();
});

function llmConfig(model = 'gpt-4', stream = false): LlmConfig {
  return { configList: [{ model, api_key: 'sk-test', base_url: fake.baseURL }], stream };
}

function agent(name: string, defaultAutoReply: AgentMessage, description?: string): ConversableAgent {
  return new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply, description });
}

async function run<T>(fn: () => Promise<T>, answers: string[] = []): Promise<{ io: CapturingIOStream; value: T }> {
  const io = new CapturingIOStream(answers);
  const value = await IOStream.withDefault(io, fn);
  return { io, value };
}

async function errorOf(fn: () => unknown): Promise<AgentwsError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentwsError);
    return error as AgentwsError;
  }
  throw new Error('expected an error');
}

/** alice, bob and carol, described, answering with their names. */
function trio() {
  return {
    alice: agent('alice', 'This is alice speaking.', 'Alice asks.'),
    bob: agent('bob', 'This is bob speaking.', 'Bob answers.'),
    carol: agent('carol', 'This is carol speaking.', 'Carol checks.'),
  };
}

const SELECTION_SYSTEM = `You are in a role play game. The following roles are available:
                alice: Alice asks.
bob: Bob answers.
carol: Carol checks..
                Read the following conversation.
                Then select the next role from ['alice', 'bob', 'carol'] to play. Only return the role.`;
const SELECTION_PROMPT =
  "Read the above conversation. Then select the next role from ['alice', 'bob', 'carol'] to play. Only return the role.";

describe("'auto' speaker selection", () => {
  it("sends the model AutoGen's selection request and lets the agent it names speak", async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({ agents: [alice, bob, carol], maxRound: 2 });
    const manager = new GroupChatManager({ groupchat, llmConfig: llmConfig() });
    fake.enqueue({ content: 'carol' });

    const { io, value: result } = await run(() => alice.initiateChat(manager, { message: 'Who checks this?' }));

    expect(fake.requests.map((r) => r.body.messages)).toEqual([
      [
        { role: 'system', content: SELECTION_SYSTEM },
        { role: 'user', content: 'Who checks this?', name: 'alice' },
        { role: 'system', content: SELECTION_PROMPT, name: 'checking_agent' },
      ],
    ]);
    expect(groupchat.messages).toEqual([
      { role: 'user', content: 'Who checks this?', name: 'alice' },
      { role: 'user', content: 'This is carol speaking.', name: 'carol' },
    ]);
    expect(io.events.filter((e) => e.type !== 'chat_end' && e.type !== 'usage_summary')).toEqual([
      { type: 'text', content: { content: 'Who checks this?', sender: 'alice', recipient: 'chat_manager' } },
      { type: 'group_chat_run_chat', content: { speaker: 'carol' } },
      { type: 'text', content: { content: 'This is carol speaking.', sender: 'carol', recipient: 'chat_manager' } },
    ]);
    // The selection model's tokens count as the manager's.
    expect(result.cost.models['gpt-4']?.total_tokens).toBeGreaterThan(0);
    expect(io.of('usage_summary')).toHaveLength(1);
  });

  it("asks again with AutoGen's templates when the answer names several agents or none, then takes the next in order", async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({ agents: [alice, bob, carol], maxRound: 2 });
    const manager = new GroupChatManager({ groupchat, llmConfig: llmConfig() });
    fake.enqueue({ content: 'bob or carol' }, { content: 'Nobody.' }, { content: 'Still nobody.' });

    await run(() => alice.initiateChat(manager, { message: 'Who is next?' }));

    const [first, second, third] = fake.requests.map((r) => r.body.messages);
    expect(fake.requests).toHaveLength(3);
    const multiple = DEFAULT_SELECT_SPEAKER_AUTO_MULTIPLE_TEMPLATE.replace('{agentlist}', "['alice', 'bob', 'carol']");
    const none = DEFAULT_SELECT_SPEAKER_AUTO_NONE_TEMPLATE.replace('{agentlist}', "['alice', 'bob', 'carol']");
    expect(second).toEqual([
      ...first!,
      { role: 'assistant', content: 'bob or carol', name: 'speaker_selection_agent' },
      { role: 'system', content: multiple, name: 'checking_agent' },
    ]);
    expect(third).toEqual([
      ...second!,
      { role: 'assistant', content: 'Nobody.', name: 'speaker_selection_agent' },
      { role: 'system', content: none, name: 'checking_agent' },
    ]);
    // Three attempts failed: the agent after alice.
    expect(groupchat.messages.at(-1)!.name).toBe('bob');
  });

  it('asks once with maxRetriesForSelectingSpeaker 0, and matches a name written with spaces', async () => {
    const writer = agent('Story_writer', 'Once upon a time.', 'Writes stories.');
    const { alice } = trio();
    const groupchat = new GroupChat({ agents: [alice, writer], maxRound: 2, maxRetriesForSelectingSpeaker: 0 });
    const manager = new GroupChatManager({ groupchat, llmConfig: llmConfig() });
    fake.enqueue({ content: '  Story writer.\n' });

    await run(() => alice.initiateChat(manager, { message: 'Tell me a story.' }));

    expect(fake.requests).toHaveLength(1);
    expect(groupchat.messages.at(-1)!.name).toBe('Story_writer');
  });

  it("uses selectSpeakerAutoLlmConfig instead of the manager's model, and roleForSelectSpeakerMessages", async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 2,
      selectSpeakerAutoLlmConfig: llmConfig('selector-model'),
      roleForSelectSpeakerMessages: 'user',
    });
    const manager = new GroupChatManager({ groupchat, llmConfig: llmConfig('manager-model') });
    fake.enqueue({ content: 'bob' });

    await run(() => alice.initiateChat(manager, { message: 'Go.' }));

    expect(fake.requests.map((r) => r.body.model)).toEqual(['selector-model']);
    expect(fake.requests[0]!.body.messages.at(-1)).toEqual({
      role: 'user',
      content: SELECTION_PROMPT,
      name: 'checking_agent',
    });
    expect(Object.keys(manager.usage.models)).toEqual(['selector-model']);
  });

  it('without a prompt template, sends the last message again (as AutoGen does)', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({ agents: [alice, bob, carol], maxRound: 2, selectSpeakerPromptTemplate: null });
    const manager = new GroupChatManager({ groupchat, llmConfig: llmConfig() });
    fake.enqueue({ content: 'bob' });

    await run(() => alice.initiateChat(manager, { message: 'Go.' }));

    expect(fake.requests[0]!.body.messages.slice(1)).toEqual([
      { role: 'user', content: 'Go.', name: 'alice' },
      { role: 'user', content: 'Go.', name: 'alice' },
    ]);
  });

  it("streams the selection when the manager's model streams (as AutoGen), named speaker_selection_agent", async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({ agents: [alice, bob, carol], maxRound: 2 });
    const manager = new GroupChatManager({ groupchat, llmConfig: llmConfig('gpt-4', true) });
    fake.enqueue({ content: 'bob' });

    const { io } = await run(() => alice.initiateChat(manager, { message: 'Go.' }));

    expect(io.of('stream_start')).toEqual([
      { type: 'stream_start', content: { agent: 'speaker_selection_agent', model: 'gpt-4' } },
    ]);
    expect(io.types.slice(0, 5)).toEqual(['text', 'stream_start', 'stream*', 'stream_end', 'group_chat_run_chat']);
  });
});

describe('a group chat with tools and models', () => {
  it('after a tool call only the agent that can run it speaks, without asking the model', async () => {
    const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER', codeExecutionConfig: false });
    const assistant = new AssistantAgent({
      name: 'assistant',
      systemMessage: 'You answer with the weather tool.',
      description: 'Knows the weather.',
      llmConfig: llmConfig(),
    });
    const runner = agent('runner', 'Nothing to run.', 'Runs tools.');
    registerFunction(({ city }) => `Sunny in ${String(city)}.`, {
      caller: assistant,
      executor: runner,
      name: 'weather',
      description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    const groupchat = new GroupChat({ agents: [user, assistant, runner], maxRound: 6 });
    const manager = new GroupChatManager({
      groupchat,
      llmConfig: llmConfig(),
      isTerminationMsg: (m) => (m.content ?? '').includes('TERMINATE'),
    });
    fake.enqueue(
      { content: 'assistant' }, // selection
      { toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Paris' } }] }, // the assistant
      // (no selection: only runner can run the call)
      { content: 'assistant' }, // selection
      { content: 'Sunny in Paris. TERMINATE' }, // the assistant
    );

    const { io, value: result } = await run(() => user.initiateChat(manager, { message: 'Weather in Paris?' }));

    expect(fake.requests).toHaveLength(4);
    // The second selection request holds the call and its result, each tool result a message of its own.
    const secondSelection = fake.requests[2]!.body.messages;
    expect(secondSelection.slice(1, -1)).toEqual([
      { role: 'user', content: 'Weather in Paris?', name: 'user' },
      { role: 'assistant', content: '', name: 'assistant', tool_calls: [expect.objectContaining({ id: 'call_w' })] },
      { role: 'tool', tool_call_id: 'call_w', content: 'Sunny in Paris.' },
    ]);
    expect(io.of('group_chat_run_chat').map((e) => e.content.speaker)).toEqual(['assistant', 'runner', 'assistant']);
    expect(io.of('executed_function')[0]!.content).toMatchObject({ func_name: 'weather', content: 'Sunny in Paris.' });
    expect(groupchat.messages.map((m) => [m.name, m.role])).toEqual([
      ['user', 'user'],
      ['assistant', 'assistant'],
      ['runner', 'tool'],
      ['assistant', 'user'],
    ]);
    expect(result.terminationReason).toBe("Termination message condition on the GroupChatManager 'chat_manager' met");
    // 'last_msg' removes "TERMINATE" and nothing else, as AutoGen does: the space before it stays.
    expect(result.summary).toBe('Sunny in Paris. ');
    // The assistant's model saw the others' messages as "user" messages named after them, its own as "assistant".
    expect(fake.requests[3]!.body.messages.slice(1)).toEqual([
      { role: 'user', content: 'Weather in Paris?', name: 'user' },
      { role: 'assistant', content: null, tool_calls: [expect.objectContaining({ id: 'call_w' })] },
      { role: 'tool', tool_call_id: 'call_w', content: 'Sunny in Paris.' },
    ]);
  });

  it('a tool call no filter answers goes to the selection model without its tool_calls (the API needs their results)', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({ agents: [alice, bob, carol], maxRound: 2, funcCallFilter: false });
    const manager = new GroupChatManager({ groupchat, llmConfig: llmConfig() });
    fake.enqueue({ content: 'bob' });
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'lookup', arguments: '{}' } };

    await run(() => alice.initiateChat(manager, { message: { content: null, tool_calls: [call] } }));

    expect(fake.requests[0]!.body.messages[1]).toEqual({ role: 'assistant', content: '', name: 'alice' });
    expect(groupchat.messages[0]!.tool_calls).toEqual([call]);
  });
});

describe('what a client sees', () => {
  it('a round-robin chat: each message to the manager, group_chat_run_chat before each turn, chat_end with the reason', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 3,
      speakerSelectionMethod: 'round_robin',
    });
    const manager = new GroupChatManager({ groupchat });

    const { io, value: result } = await run(() => alice.initiateChat(manager, { message: 'Hi all.' }));

    expect(io.types).toEqual(['text', 'group_chat_run_chat', 'text', 'group_chat_run_chat', 'text', 'chat_end']);
    expect(io.of('text').map((e) => e.content.sender)).toEqual(['alice', 'bob', 'carol']);
    expect(io.of('chat_end')[0]!.content).toMatchObject({
      sender: 'alice',
      recipient: 'chat_manager',
      termination_reason: 'Maximum rounds (3) reached',
      summary: 'This is carol speaking.',
    });
    expect(result.chatHistory.map((m) => [m.role, m.name])).toEqual([
      ['assistant', 'alice'],
      ['user', 'bob'],
      ['user', 'carol'],
    ]);
    expect(manager.lastSpeaker).toBe(carol);
  });

  it('a silent manager shows neither the messages nor the speakers', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 3,
      speakerSelectionMethod: 'round_robin',
    });
    const manager = new GroupChatManager({ groupchat, silent: true });

    const { io } = await run(() => alice.initiateChat(manager, { message: 'Hi all.' }));

    expect(io.types).toEqual(['text', 'chat_end']);
    expect(groupchat.messages).toHaveLength(3);
  });

  it('manual selection: the eligible agents listed, an invalid answer said, the choice taken', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 2,
      speakerSelectionMethod: 'manual',
      allowRepeatSpeaker: false,
    });
    const manager = new GroupChatManager({ groupchat });

    const { io } = await run(() => alice.initiateChat(manager, { message: 'Hi.' }), ['3', '2']);

    expect(io.prompts).toEqual([MANUAL_SELECTION_PROMPT, MANUAL_SELECTION_PROMPT]);
    expect(io.types).toEqual([
      'text',
      'select_speaker',
      'select_speaker_invalid_input',
      'group_chat_run_chat',
      'text',
      'chat_end',
    ]);
    expect(io.of('select_speaker')[0]!.content).toEqual({ agents: ['bob', 'carol'] });
    expect(io.of('group_chat_run_chat')[0]!.content).toEqual({ speaker: 'carol' });
  });

  it('manual selection given up after two invalid answers: the try count, then the next agent', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({ agents: [alice, bob, carol], maxRound: 2, speakerSelectionMethod: 'manual' });
    const manager = new GroupChatManager({ groupchat });

    const { io } = await run(() => alice.initiateChat(manager, { message: 'Hi.' }), ['0', 'bob']);

    expect(io.of('select_speaker_try_count_exceeded').map((e) => e.content)).toEqual([
      { try_count: 3, agents: ['alice', 'bob', 'carol'] },
    ]);
    expect(io.of('group_chat_run_chat')[0]!.content).toEqual({ speaker: 'bob' });
  });
});

describe('random selection, transitions, repeats', () => {
  it('random draws with the given source of randomness', async () => {
    const { alice, bob, carol } = trio();
    const draws = [0.9, 0.1, 0.5, 0.0];
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 5,
      speakerSelectionMethod: 'random',
      random: () => draws.shift()!,
    });
    await run(() => alice.initiateChat(new GroupChatManager({ groupchat }), { message: 'Go.' }));
    expect(groupchat.messages.map((m) => m.name)).toEqual(['alice', 'carol', 'alice', 'bob', 'alice']);
  });

  it('disallowed transitions are inverted against every agent; an object keyed by name works as a Map', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 4,
      speakerSelectionMethod: 'round_robin',
      allowedOrDisallowedSpeakerTransitions: { alice: [bob, alice], carol: [alice] },
      speakerTransitionsType: 'disallowed',
    });
    expect(groupchat.allowedSpeakerTransitions.get(alice)).toEqual([carol]);
    expect(groupchat.allowedSpeakerTransitions.get(bob)).toEqual([alice, bob, carol]);
    expect(groupchat.allowedSpeakerTransitions.get(carol)).toEqual([bob, carol]);
    await run(() => alice.initiateChat(new GroupChatManager({ groupchat }), { message: 'Go.' }));
    // alice → carol (the only one allowed), carol → bob or carol (round robin: the next after carol that is allowed).
    expect(groupchat.messages.map((m) => m.name)).toEqual(['alice', 'carol', 'bob', 'carol']);
  });

  it('allowRepeatSpeaker as a list lets only the listed agents speak twice in a row', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({ agents: [alice, bob, carol], allowRepeatSpeaker: [bob] });
    expect(groupchat.allowedSpeakerTransitions.get(bob)).toEqual([alice, carol, bob]);
    expect(groupchat.allowedSpeakerTransitions.get(alice)).toEqual([bob, carol]);
  });

  it('a selection function may name a method for the round, and its bad answers are clear errors', async () => {
    const { alice, bob, carol } = trio();
    const stranger = agent('stranger', 'Hello?');
    const answers: unknown[] = ['ROUND_ROBIN', stranger, 42, 'louder'];
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 3,
      speakerSelectionMethod: () => answers.shift() as string,
    });
    const manager = new GroupChatManager({ groupchat });
    const error = await errorOf(() => run(() => alice.initiateChat(manager, { message: 'Go.' })));
    // Round 1 went round robin (bob), round 2 got an agent from outside the group.
    expect(groupchat.messages.map((m) => m.name)).toEqual(['alice', 'bob']);
    expect(error.code).toBe('SPEAKER_SELECTION_FAILED');
    expect(error.message).toBe(
      "The speaker selection function returned the agent 'stranger', which is not in the group chat ['alice', 'bob', 'carol'].",
    );
    await expect(run(() => groupchat.selectSpeaker(alice, manager))).rejects.toThrow(
      'The speaker selection function returned a number (42) instead of an agent of the group chat',
    );
    await expect(run(() => groupchat.selectSpeaker(alice, manager))).rejects.toThrow(
      'The speaker selection function returned the method "louder".',
    );
  });
});

describe('runs, follow-ups and resume', () => {
  it('a cancelled run stops the group chat at the next turn with AbortedError', async () => {
    const { alice, bob, carol } = trio();
    const io = new CapturingIOStream();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 10,
      speakerSelectionMethod: (last) => {
        if (last === bob) io.controller.abort(); // the client cancels while the manager chooses carol
        return last === alice ? bob : carol;
      },
    });
    const manager = new GroupChatManager({ groupchat });
    await expect(
      IOStream.withDefault(io, () => alice.initiateChat(manager, { message: 'Go.' })),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(groupchat.messages.map((m) => m.name)).toEqual(['alice', 'bob']);
  });

  it("a follow-up chat with clearHistory false goes on with the group's messages; by default they are cleared", async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 2,
      speakerSelectionMethod: 'round_robin',
    });
    const manager = new GroupChatManager({ groupchat });
    await run(() => alice.initiateChat(manager, { message: 'First.' }));
    await run(() => alice.initiateChat(manager, { message: 'Second.', clearHistory: false }));
    expect(groupchat.messages.map((m) => m.content)).toEqual([
      'First.',
      'This is bob speaking.',
      'Second.',
      'This is bob speaking.',
    ]);
    expect(carol.chatMessages(manager)).toHaveLength(4);

    await run(() => alice.initiateChat(manager, { message: 'Third.' }));
    expect(groupchat.messages.map((m) => m.content)).toEqual(['Third.', 'This is bob speaking.']);
    expect(carol.chatMessages(manager)).toHaveLength(2);
  });

  it('resume loads earlier messages into every agent and the group, then the last speaker goes on', async () => {
    const { alice, bob, carol } = trio();
    const groupchat = new GroupChat({
      agents: [alice, bob, carol],
      maxRound: 2,
      speakerSelectionMethod: 'round_robin',
      sendIntroductions: true,
    });
    const manager = new GroupChatManager({ groupchat });
    const saved = manager.messagesToString([
      { role: 'user', content: 'Plan the launch.', name: 'alice' },
      { role: 'user', content: 'Step one: a date. TERMINATE', name: 'bob' },
    ]);

    const { io, value } = await run(() => manager.resume(saved, { removeTerminationString: 'TERMINATE' }));

    expect(value.lastAgent).toBe(bob);
    expect(value.lastMessage).toEqual({ role: 'user', content: 'Step one: a date. ', name: 'bob' });
    expect(groupchat.messages).toEqual([{ role: 'user', content: 'Plan the launch.', name: 'alice' }]);
    expect(carol.chatMessages(manager).map((m) => m.content)).toEqual(['Plan the launch.']);
    expect(groupchat.sendIntroductions).toBe(false);
    expect(io.events).toEqual([
      {
        type: 'group_chat_resume',
        content: {
          last_speaker_name: 'bob',
          messages: [
            { role: 'user', content: 'Plan the launch.', name: 'alice' },
            { role: 'user', content: 'Step one: a date. ', name: 'bob' },
          ],
        },
      },
    ]);

    await run(() => value.lastAgent.initiateChat(manager, { message: value.lastMessage, clearHistory: false }));
    expect(groupchat.messages.map((m) => [m.name, m.content])).toEqual([
      ['alice', 'Plan the launch.'],
      ['bob', 'Step one: a date. '],
      ['carol', 'This is carol speaking.'],
    ]);
  });
});

describe('bad options get errors that say what to do', () => {
  const { alice, bob } = trio();
  it.each<[string, () => unknown, string]>([
    [
      'unknown option',
      () => new GroupChat({ agents: [alice, bob], maxRounds: 3 } as GroupChatOptions),
      "GroupChat option 'maxRounds' is unknown.",
    ],
    [
      "AutoGen's options agentws lacks",
      () => new GroupChat({ agents: [alice, bob], enableClearHistory: true } as GroupChatOptions),
      "GroupChat option 'enableClearHistory' is AutoGen's, but the \"clear history\" command is not supported by agentws.",
    ],
    ['no agents', () => new GroupChat({} as GroupChatOptions), "GroupChat option 'agents' must be an array of agents"],
    [
      'a name for an agent',
      () => new GroupChat({ agents: ['alice'] } as never),
      "GroupChat option 'agents' has an entry 0 that is not an agent",
    ],
    [
      'maxRound 0',
      () => new GroupChat({ agents: [alice, bob], maxRound: 0 }),
      "GroupChat option 'maxRound' must be an integer >= 1 (got 0).",
    ],
    [
      'transitions keyed by an unknown name',
      () =>
        new GroupChat({
          agents: [alice, bob],
          allowedOrDisallowedSpeakerTransitions: { zed: [alice] },
          speakerTransitionsType: 'allowed',
        }),
      'has keys not in agents: no agent of the group is named "zed".',
    ],
    [
      'transitions to names',
      () =>
        new GroupChat({
          agents: [alice, bob],
          allowedOrDisallowedSpeakerTransitions: { alice: ['bob'] } as never,
          speakerTransitionsType: 'allowed',
        }),
      "has values that are not lists of agents (see 'alice'): give agents, not names.",
    ],
    [
      'a manager without a group chat',
      () => new GroupChatManager({} as never),
      "GroupChatManager option 'groupchat' must be a GroupChat.",
    ],
    [
      'a manager with tools',
      () =>
        new GroupChatManager({
          groupchat: new GroupChat({ agents: [alice, bob] }),
          llmConfig: { configList: [{ model: 'gpt-4' }], tools: [] },
        }),
      'GroupChatManager is not allowed to make function/tool calls.',
    ],
  ])('%s', async (_what, make, message) => {
    const error = await errorOf(make);
    expect(error.message).toContain(message);
  });
});
