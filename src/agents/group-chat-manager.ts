import { AbortedError, DefinitionError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import type { ChatMessage, UsageSummary } from '../protocol/events.js';
import type { Agent, AgentMessage, GenerateReplyOptions } from './agent.js';
import { resolveAgentOptions, withDefaults, type ConversableAgentOptions } from './agent-options.js';
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

/**
 * AutoGen 0.2's GroupChatManager: an agent whose reply to a message is a whole group chat. It appends each message to
 * the group, passes it to every other agent, stops on its termination condition or `maxRound`, else chooses the next
 * speaker (a `group_chat_run_chat` event) and lets it reply; then it replies nothing, which ends the chat it was in.
 * @example
 * const groupChat = new GroupChat({ agents: [user, writer, critic], speakerSelectionMethod: 'round_robin' });
 * const manager = new GroupChatManager({ groupchat: groupChat });
 * const result = await user.initiateChat(manager, { message: 'Write a haiku about Paris.' });
 */
export class GroupChatManager extends ConversableAgent {
  readonly groupchat: GroupChat;
  readonly silent: boolean;
  readonly #isTerminationMsg: (message: ChatMessage) => boolean;
  #lastSpeaker: Agent | undefined;

  constructor(options: GroupChatManagerOptions) {
    const agentOptions = agentOptionsOf(options);
    super(agentOptions);
    this.groupchat = options.groupchat;
    this.silent = options.silent ?? false;
    // The manager checks each group message itself; resolved as ConversableAgent resolves it (same default).
    this.#isTerminationMsg = resolveAgentOptions(new.target.name, agentOptions).isTerminationMsg;
  }

  /** The agent whose message the manager passed on last: who really sent what the agents just received. */
  get lastSpeaker(): Agent | undefined {
    return this.#lastSpeaker;
  }

  /** The manager's model usage, speaker selection included. */
  override get usage(): UsageSummary {
    return mergeUsage(super.usage, this.groupchat.speakerSelectionUsage);
  }

  /** Forgets everything of earlier chats: the manager's histories and counters, and the group's messages. */
  reset(): void {
    this.clearHistory();
    this.resetConsecutiveAutoReplyCounter();
    this.groupchat.reset();
  }

  /** AutoGen's `_prepare_chat` of a manager: the group's messages and its agents' state with the manager, too. */
  protected override chatStarting(partner: ConversableAgent, clearHistory: boolean): void {
    if (clearHistory) this.groupchat.reset();
    for (const agent of this.groupchat.agents) {
      if (agent === partner) continue;
      agent.resetConsecutiveAutoReplyCounter(this);
      if (clearHistory) agent.clearHistory(this);
    }
  }

  /**
   * Runs the group chat on the last message from `sender` and replies nothing (AutoGen's `run_chat` reply function,
   * which comes before every other reply of a manager).
   */
  override async generateReply({ sender, messages }: GenerateReplyOptions): Promise<AgentMessage | null> {
    const message = (messages ?? this.chatMessages(sender)).at(-1);
    if (message !== undefined) await this.#runChat(message, sender);
    return null;
  }

  async #runChat(first: ChatMessage, sender: Agent): Promise<void> {
    const groupchat = this.groupchat;
    const io = IOStream.getDefault();
    if (groupchat.sendIntroductions) {
      const intro = groupchat.introductionsMsg();
      for (const agent of groupchat.agents) await this.send(intro, agent, false, true);
    }
    let message: ChatMessage | undefined = first;
    let speaker: Agent = sender;
    let reason = `Maximum rounds (${groupchat.maxRound}) reached`;
    for (let round = 0; round < groupchat.maxRound && message !== undefined; round++) {
      this.#lastSpeaker = speaker;
      const entry = groupchat.append(message, speaker);
      for (const agent of groupchat.agents) if (agent !== speaker) await this.send(entry, agent, false, true);
      if (this.#isTerminationMsg(entry)) {
        reason = `Termination message condition on the GroupChatManager '${this.name}' met`;
        break;
      }
      if (round === groupchat.maxRound - 1) break;
      if (io.signal?.aborted) throw new AbortedError(undefined, { cause: io.signal.reason });
      const next = await groupchat.selectSpeaker(speaker, this);
      if (next === null) {
        reason = 'No next speaker selected';
        break;
      }
      speaker = next;
      if (!this.silent) io.send({ type: 'group_chat_run_chat', content: { speaker: speaker.name } });
      const reply = await speaker.generateReply({ sender: this });
      if (reply === null) {
        reason = 'No reply generated';
        break;
      }
      await speaker.send(reply, this, false, this.silent);
      message = this.lastMessage(speaker);
    }
    this.setTerminationReason(reason);
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
