import { describe, expect, it } from 'vitest';
import { ConversableAgent, GroupChat, GroupChatManager, type AgentMessage } from '../../src/agents/index.js';
import { matchTrigger } from '../../src/agents/reply-functions.js';
import { IOStream } from '../../src/io/iostream.js';
import { CapturingIOStream } from './capturing-iostream.js';

// The manager as AutoGen 0.2 builds it: its run is a reply function (run_chat) in the reply function list, and its
// per-chat setup is prepareChat (AutoGen's _prepare_chat).

function agent(name: string, defaultAutoReply: AgentMessage): ConversableAgent {
  return new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply });
}

async function run<T>(fn: () => Promise<T>): Promise<{ io: CapturingIOStream; value: T }> {
  const io = new CapturingIOStream();
  const value = await IOStream.withDefault(io, fn);
  return { io, value };
}

function roundRobin(maxRound = 3) {
  const alice = agent('alice', 'This is alice speaking.');
  const bob = agent('bob', 'This is bob speaking.');
  const groupchat = new GroupChat({ agents: [alice, bob], maxRound, speakerSelectionMethod: 'round_robin' });
  return { alice, bob, groupchat, manager: new GroupChatManager({ groupchat }) };
}

describe('GroupChatManager in the reply function list', () => {
  it('tries runChat first, for any agent but not for no sender, with its group as config', () => {
    const { alice, groupchat, manager } = roundRobin();
    const [runChat, ...rest] = manager.replyFunctions;
    expect(runChat).toMatchObject({ replyFunc: GroupChatManager.runChat, config: groupchat });
    expect(matchTrigger(runChat!.trigger, alice)).toBe(true);
    expect(matchTrigger(runChat!.trigger, undefined)).toBe(false);
    expect(rest.map((entry) => entry.replyFunc)).toEqual([
      ConversableAgent.checkTerminationAndHumanReply,
      ConversableAgent.generateToolCallsReply,
      ConversableAgent.generateOaiReply,
    ]);
  });

  it('answers messages without a sender with its other reply functions, running no group chat', async () => {
    const { groupchat, manager } = roundRobin();
    const { io, value } = await run(() => manager.generateReply({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(value).toBe('');
    expect(groupchat.messages).toEqual([]);
    expect(io.events).toEqual([]);
  });

  it('readies the other agents of its group for a chat with it (prepareChat), and empties the group on reset()', async () => {
    const { alice, bob, groupchat, manager } = roundRobin(2);
    await run(() => alice.initiateChat(manager, { message: 'First.' }));
    expect(bob.chatMessages(manager).map((m) => m.content)).toEqual(['First.', 'This is bob speaking.']);
    expect(bob.replyAtReceive(manager)).toBe(true);

    await run(() => alice.initiateChat(manager, { message: 'Second.', maxTurns: 1 }));
    expect(bob.chatMessages(manager).map((m) => m.content)).toEqual(['Second.', 'This is bob speaking.']);
    expect(bob.replyAtReceive(manager)).toBe(false);

    manager.reset();
    expect(groupchat.messages).toEqual([]);
  });

  it("ends the chat with AG2's reason for each way a run ends", async () => {
    const { alice, manager } = roundRobin(2);
    expect((await run(() => alice.initiateChat(manager, { message: 'Hi.' }))).value.terminationReason).toBe(
      'Maximum rounds (2) reached',
    );

    const mute = new ConversableAgent({ name: 'mute', humanInputMode: 'NEVER' });
    mute.registerReply(undefined, () => ({ final: true, reply: null, terminationReason: 'mute has nothing to say' }));
    const groupchat = new GroupChat({ agents: [alice, mute], maxRound: 5, speakerSelectionMethod: 'round_robin' });
    const { value } = await run(() => alice.initiateChat(new GroupChatManager({ groupchat }), { message: 'Hi.' }));
    // The speaker's own reason is not the group chat's: its manager says why the group chat ended.
    expect(value.terminationReason).toBe('No reply generated');
  });

  it('runChat needs a GroupChat as its config, and says so', async () => {
    const alice = agent('alice', 'hi');
    const deputy = new ConversableAgent({ name: 'deputy', humanInputMode: 'NEVER' });
    deputy.registerReply(ConversableAgent, GroupChatManager.runChat, { config: { agents: [alice] } as never });
    await expect(run(() => alice.initiateChat(deputy, { message: 'Hi.' }))).rejects.toThrow(
      'GroupChatManager.runChat needs the GroupChat to run as its config (got [object Object]): ' +
        'registerReply(trigger, GroupChatManager.runChat, { config: groupChat }).',
    );
  });

  it('runChat needs a sender, and says so when a trigger let it run without one', async () => {
    const { groupchat } = roundRobin();
    const deputy = new ConversableAgent({ name: 'deputy', humanInputMode: 'NEVER' });
    deputy.registerReply(undefined, GroupChatManager.runChat, { config: groupchat });
    await expect(run(() => deputy.generateReply({ messages: [{ role: 'user', content: 'hi' }] }))).rejects.toThrow(
      'GroupChatManager.runChat needs the sender whose message starts the group chat, and generateReply was called ' +
        'without one: register it with a trigger that needs a sender (a manager uses any agent; ConversableAgent).',
    );
    expect(groupchat.messages).toEqual([]);
  });

  it('can be replaced like any reply function (replaceReplyFunc)', async () => {
    const { alice, groupchat, manager } = roundRobin();
    manager.replaceReplyFunc(GroupChatManager.runChat, (_manager, _messages, sender, config: GroupChat) => ({
      final: true,
      reply: `${config.agents.length} agents would talk about ${sender!.name}'s message`,
    }));
    const { value } = await run(() => alice.initiateChat(manager, { message: 'Hi.', maxTurns: 1 }));
    expect(value.chatHistory.map((m) => m.content)).toEqual(['Hi.', "2 agents would talk about alice's message"]);
    expect(groupchat.messages).toEqual([]);
  });
});
