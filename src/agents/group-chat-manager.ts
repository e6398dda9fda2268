import { AbortedError, DefinitionError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import type { ChatMessage, UsageSummary } from '../protocol/events.js';
import type { Agent, HistoryMessage } from './agent.js';
import { withDefaults, type ConversableAgentOptions } from './agent-options.js';
import { mergeUsage } from './chat-result.js';
import { ConversableAgent } from './conversable-agent.js';
import { GroupChat } from './group-chat.js';
import {
  checkResumeMessages,
  checkResumeOptions,
  removeTerminationString,
  resumeMessages,
  type GroupChatResumeOptions,
} from './group-chat-resume.js';
import type { ReplyFunction } from './reply-functions.js';

/** Options of {@link GroupChatManager}: ConversableAgent's, with AutoGen's manager defaults. */
export interface GroupChatManagerOptions extends Omit<ConversableAgentOptions, 'name'> {
  /** The group chat this manager runs. Required. */
  groupchat: GroupChat;
  /** Default: `'chat_manager'`. */
  name?: string;
  /** Show neither the group's messages nor who speaks next (tokens still stream, as in AutoGen). Default: `false`. */
  silent?: boolean;
}

/** What {@link GroupChatManager.resume} returns: who spoke last, and what, to go on with. */
export interface ResumedGroupChat {
  /** The agent of the last message (the manager when the admin or the manager said it). */
  lastAgent: ConversableAgent;
  /** The last message, to send again: `lastAgent.initiateChat(manager, { message: lastMessage, clearHistory: false })`. */
  lastMessage: ChatMessage;
}

/** AutoGen's GroupChatManager defaults (its `max_consecutive_auto_reply` is `sys.maxsize`: unlimited). */
const MANAGER_DEFAULTS: Partial<ConversableAgentOptions> = {
  maxConsecutiveAutoReply: Number.MAX_SAFE_INTEGER,
  humanInputMode: 'NEVER',
  systemMessage: 'Group chat manager.',
};

/** The ConversableAgent options of a manager, checked, with AutoGen's manager defaults. */
function agentOptionsOf(options: GroupChatManagerOptions): ConversableAgentOptions {
  if (typeof options !== 'object' || options === null) {
    throw new DefinitionError('AGENT_INVALID', 'GroupChatManager needs an options object such as { groupchat }.');
  }
  const { groupchat, silent, ...rest } = options;
  if (!(groupchat instanceof GroupChat)) {
    throw new DefinitionError('AGENT_INVALID', "GroupChatManager option 'groupchat' must be a GroupChat.");
  }
  if (silent !== undefined && typeof silent !== 'boolean') {
    throw new DefinitionError('AGENT_INVALID', "GroupChatManager option 'silent' must be a boolean.");
  }
  const llmConfig = rest.llmConfig;
  if (llmConfig && (llmConfig.tools !== undefined || llmConfig.functions !== undefined)) {
    throw new DefinitionError(
      'AGENT_INVALID',
      "GroupChatManager is not allowed to make function/tool calls. Please remove the 'functions' or 'tools' config in 'llmConfig' you passed in.",
    );
  }
  return withDefaults({ ...rest, name: rest.name ?? 'chat_manager' }, MANAGER_DEFAULTS);
}

/** AutoGen's `Agent` trigger: any sender, but not none (a group chat starts from someone's message). */
const anyAgent = (sender: Agent | undefined): boolean => sender !== undefined;

/**
 * AutoGen 0.2's GroupChatManager: an agent whose reply to a message is a whole group chat, its first reply function
 * {@link GroupChatManager.runChat}. It appends each message to the group, passes it to every other agent, stops on its
 * termination condition or `maxRound`, else chooses the next speaker (a `group_chat_run_chat` event) and lets it
 * reply; then it replies nothing, which ends the chat it was in.
 * @example
 * const groupChat = new GroupChat({ agents: [user, writer, critic], speakerSelectionMethod: 'round_robin' });
 * const manager = new GroupChatManager({ groupchat: groupChat });
 * const result = await user.initiateChat(manager, { message: 'Write a haiku about Paris.' });
 */
export class GroupChatManager extends ConversableAgent {
  /**
   * AutoGen's `GroupChatManager.run_chat` reply function: runs the group chat given as its config on the last message
   * from `sender`, then ends the conversation with AG2's termination reason (`Maximum rounds (N) reached`, …). A
   * manager registers it for any sender with its group; another agent can too, to run a group chat itself:
   * `agent.registerReply(ConversableAgent, GroupChatManager.runChat, { config: groupChat, resetConfig: (g) => g.reset() })`.
   */
  static readonly runChat: ReplyFunction<GroupChat> = async (recipient, messages, sender, groupchat) => {
    if (!(groupchat instanceof GroupChat)) {
      throw new DefinitionError(
        'OPTION_INVALID',
        `GroupChatManager.runChat needs the GroupChat to run as its config (got ${String(groupchat)}): ` +
          'registerReply(trigger, GroupChatManager.runChat, { config: groupChat }).',
      );
    }
    if (sender === undefined) {
      throw new DefinitionError(
        'OPTION_INVALID',
        'GroupChatManager.runChat needs the sender whose message starts the group chat, and generateReply was called ' +
          'without one: register it with a trigger that needs a sender (a manager uses any agent; ConversableAgent).',
      );
    }
    const message = messages.at(-1);
    if (message === undefined) return { final: true, reply: null };
    const terminationReason = await GroupChatManager.#run(recipient, groupchat, message, sender);
    return { final: true, reply: null, terminationReason };
  };

  readonly groupchat: GroupChat;
  readonly silent: boolean;
  #lastSpeaker: Agent | undefined;

  constructor(options: GroupChatManagerOptions) {
    super(agentOptionsOf(options));
    this.groupchat = options.groupchat;
    this.silent = options.silent ?? false;
    this.registerReply(anyAgent, GroupChatManager.runChat, {
      config: this.groupchat,
      resetConfig: (groupchat) => groupchat.reset(),
    });
  }

  /** The agent whose message the manager passed on last: who really sent what the agents just received. */
  get lastSpeaker(): Agent | undefined {
    return this.#lastSpeaker;
  }

  /** The manager's model usage, speaker selection included. */
  override get usage(): UsageSummary {
    return mergeUsage(super.usage, this.groupchat.speakerSelectionUsage);
  }

  /** The group's messages, whoever asks: a summary of a group chat reads the whole group (AutoGen's). */
  override chatMessagesForSummary(_agent: Agent): readonly HistoryMessage[] {
    return this.groupchat.messages;
  }

  /**
   * AutoGen's `_prepare_chat` of a manager: its own side, then the group's messages (when the history is cleared)
   * and every other agent of the group, readied for a chat with the manager.
   */
  override prepareChat(partner: Agent, clearHistory: boolean, replyAtReceive: boolean): void {
    super.prepareChat(partner, clearHistory, replyAtReceive);
    if (clearHistory) this.groupchat.reset();
    for (const agent of this.groupchat.agents) {
      if (agent !== partner) agent.prepareChat(this, clearHistory, replyAtReceive);
    }
  }

  /** One run of `groupchat` by `manager` from `first`, said by `sender`; resolves to why it ended. */
  static async #run(
    manager: ConversableAgent,
    groupchat: GroupChat,
    first: ChatMessage,
    sender: Agent,
  ): Promise<string> {
    const io = IOStream.getDefault();
    const silent = manager instanceof GroupChatManager && manager.silent;
    if (groupchat.sendIntroductions) {
      const intro = groupchat.introductionsMsg();
      for (const agent of groupchat.agents) await manager.send(intro, agent, false, true);
    }
    let message: ChatMessage | undefined = first;
    let speaker: Agent = sender;
    for (let round = 0; round < groupchat.maxRound && message !== undefined; round++) {
      if (manager instanceof GroupChatManager) manager.#lastSpeaker = speaker;
      const entry = groupchat.append(message, speaker);
      for (const agent of groupchat.agents) if (agent !== speaker) await manager.send(entry, agent, false, true);
      if (manager.isTerminationMsg(entry)) {
        return `Termination message condition on the GroupChatManager '${manager.name}' met`;
      }
      if (round === groupchat.maxRound - 1) break;
      if (io.signal?.aborted) throw new AbortedError(undefined, { cause: io.signal.reason });
      const next = await groupchat.selectSpeaker(speaker, manager);
      if (next === null) return 'No next speaker selected';
      speaker = next;
      if (!silent) io.send({ type: 'group_chat_run_chat', content: { speaker: speaker.name } });
      const reply = await speaker.generateReply({ sender: manager });
      if (reply === null) return 'No reply generated';
      await speaker.send(reply, manager, false, silent);
      message = manager.lastMessage(speaker);
    }
    return `Maximum rounds (${groupchat.maxRound}) reached`;
  }

  /**
   * Prepares the group chat to go on from earlier `messages` (AutoGen's `resume`): every history is cleared, then each
   * message but the last is passed to every agent and appended to the group. Returns the last message and its agent,
   * to go on with: `await lastAgent.initiateChat(manager, { message: lastMessage, clearHistory: false })`.
   * Introductions are turned off. Sends a `group_chat_resume` event unless `silent`.
   */
  async resume(messages: ChatMessage[] | string, options: GroupChatResumeOptions = {}): Promise<ResumedGroupChat> {
    checkResumeOptions(options);
    const list = resumeMessages(messages);
    const groupchat = this.groupchat;
    for (const agent of groupchat.agents) agent.clearHistory();
    this.clearHistory();
    groupchat.reset();
    checkResumeMessages(groupchat, this.name, list);

    for (const [i, message] of list.entries()) {
      // No name: the messages of a ChatResult rather than the group's, whose speaker is the manager.
      message.name ||= this.name;
      if (i === list.length - 1) break;
      for (const agent of groupchat.agents) await this.send(message, agent, false, true);
      const speaker = groupchat.agentByName(message.name) ?? (message.name === this.name ? this : undefined);
      // The admin is no agent of the group: its message goes in as it is.
      if (speaker) groupchat.append(message, speaker);
      else groupchat.messages.push(message);
    }
    const lastMessage = list.at(-1)!;
    const lastName = lastMessage.name!;
    const lastAgent = groupchat.agentByName(lastName) ?? this;
    removeTerminationString(list, options.removeTerminationString);
    if (options.silent !== true) {
      IOStream.getDefault().send({
        type: 'group_chat_resume',
        content: { last_speaker_name: lastName, messages: list },
      });
    }
    groupchat.sendIntroductions = false;
    return { lastAgent, lastMessage };
  }

  /** The messages as JSON text, to keep a group chat and `resume` it later. */
  messagesToString(messages: readonly ChatMessage[]): string {
    return JSON.stringify(messages);
  }

  /** The messages from text `messagesToString` made. */
  messagesFromString(text: string): ChatMessage[] {
    return resumeMessages(text);
  }
}
