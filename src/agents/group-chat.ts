import { DefinitionError, SpeakerSelectionError } from '../errors.js';
import { LlmClient, type LlmConfig } from '../llm/llm-client.js';
import type { ChatMessage, UsageSummary } from '../protocol/events.js';
import type { Agent } from './agent.js';
import { mergeUsage } from './chat-result.js';
import type { ConversableAgent } from './conversable-agent.js';
import {
  resolveGroupChatOptions,
  type GroupChatOptions,
  type SpeakerSelectionFunction,
  type SpeakerSelectionMethodName,
} from './group-chat-options.js';
import { agentList, formatTemplate } from './group-chat-prompts.js';
import { manualSelectSpeaker, selectSpeaker } from './speaker-selection.js';
import { allowedSpeakerTransitions, type AllowedSpeakerTransitions } from './speaker-transitions.js';

export type { GroupChatOptions } from './group-chat-options.js';

/** Options of {@link GroupChat.agentByName}. */
export interface AgentByNameOptions {
  /** Search the groups of nested managers too. Default: `false`. */
  recursive?: boolean;
  /** Throw when more than one agent has the name. Default: `false` (the first one is returned). */
  raiseOnNameConflict?: boolean;
}

/** A regular expression source matching `text` literally (valid with the `u` flag). */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Python's `\W` (Unicode): anything but a letter, a number or `_`. */
const NON_WORD = '[^\\p{L}\\p{N}_]';

/**
 * AutoGen 0.2's GroupChat: the agents, their shared messages and how the next speaker is chosen. A
 * {@link GroupChatManager} runs it.
 * @example
 * const groupChat = new GroupChat({ agents: [user, planner, critic], maxRound: 8 });
 * const manager = new GroupChatManager({ groupchat: groupChat, llmConfig: { configList } });
 * await user.initiateChat(manager, { message: 'Plan a trip to Paris.' });
 */
export class GroupChat {
  /** AutoGen's introduction, followed by the agents' roles. */
  static readonly DEFAULT_INTRO_MSG =
    'Hello everyone. We have assembled a great team today to answer questions and solve tasks. In attendance are:';

  readonly agents: readonly ConversableAgent[];
  /** The group's messages, each named after its speaker. */
  readonly messages: ChatMessage[];
  /** Most messages in one run of the chat. */
  readonly maxRound: number;
  readonly adminName: string;
  readonly funcCallFilter: boolean;
  readonly speakerSelectionMethod: SpeakerSelectionMethodName | SpeakerSelectionFunction;
  readonly maxRetriesForSelectingSpeaker: number;
  /** `undefined` when a transition graph was given. */
  readonly allowRepeatSpeaker: boolean | readonly ConversableAgent[] | undefined;
  /** Who may speak after each agent (AutoGen's `allowed_speaker_transitions_dict`). */
  readonly allowedSpeakerTransitions: AllowedSpeakerTransitions;
  /** Introduce the agents before the first message (`resume` turns it off). */
  sendIntroductions: boolean;
  readonly selectSpeakerMessageTemplate: string;
  readonly selectSpeakerPromptTemplate: string | null;
  readonly selectSpeakerAutoMultipleTemplate: string;
  readonly selectSpeakerAutoNoneTemplate: string;
  readonly selectSpeakerAutoLlmConfig: LlmConfig | undefined;
  readonly roleForSelectSpeakerMessages: 'system' | 'user' | 'assistant';
  readonly random: () => number;
  /** The speaker selection model clients, one per llmConfig used. */
  readonly #selectionClients = new Map<LlmConfig, LlmClient>();

  constructor(options: GroupChatOptions) {
    const resolved = resolveGroupChatOptions(options);
    this.agents = resolved.agents;
    this.messages = resolved.messages;
    this.maxRound = resolved.maxRound;
    this.adminName = resolved.adminName;
    this.funcCallFilter = resolved.funcCallFilter;
    this.speakerSelectionMethod = resolved.speakerSelectionMethod;
    this.maxRetriesForSelectingSpeaker = resolved.maxRetriesForSelectingSpeaker;
    this.allowRepeatSpeaker = resolved.allowRepeatSpeaker;
    this.allowedSpeakerTransitions = allowedSpeakerTransitions(
      resolved.agents,
      resolved.allowRepeatSpeaker,
      resolved.allowedOrDisallowedSpeakerTransitions,
      resolved.speakerTransitionsType,
    );
    this.sendIntroductions = resolved.sendIntroductions;
    this.selectSpeakerMessageTemplate = resolved.selectSpeakerMessageTemplate;
    this.selectSpeakerPromptTemplate = resolved.selectSpeakerPromptTemplate;
    this.selectSpeakerAutoMultipleTemplate = resolved.selectSpeakerAutoMultipleTemplate;
    this.selectSpeakerAutoNoneTemplate = resolved.selectSpeakerAutoNoneTemplate;
    this.selectSpeakerAutoLlmConfig = resolved.selectSpeakerAutoLlmConfig;
    this.roleForSelectSpeakerMessages = resolved.roleForSelectSpeakerMessages;
    this.random = resolved.random;
  }

  /** The names of the agents. */
  get agentNames(): string[] {
    return this.agents.map((agent) => agent.name);
  }

  /** Token usage and cost of the speaker selection model so far. */
  get speakerSelectionUsage(): UsageSummary {
    return mergeUsage(...[...this.#selectionClients.values()].map((client) => client.usage));
  }

  /** The client that asks `llmConfig` for the next speaker: one per config, so that its usage adds up. */
  selectionClient(llmConfig: LlmConfig): LlmClient {
    let client = this.#selectionClients.get(llmConfig);
    if (client === undefined) this.#selectionClients.set(llmConfig, (client = new LlmClient(llmConfig)));
    return client;
  }

  /** Forgets the group's messages. */
  reset(): void {
    this.messages.length = 0;
  }

  /**
   * Appends a copy of `message` named after `speaker`, its content as text (AutoGen's `append`), and returns it.
   */
  append(message: ChatMessage, speaker: Agent): ChatMessage {
    const entry: ChatMessage = { ...structuredClone(message), name: speaker.name, content: message.content ?? '' };
    this.messages.push(entry);
    return entry;
  }

  /** The agent with that name, or `undefined`. */
  agentByName(name: string, options: AgentByNameOptions = {}): ConversableAgent | undefined {
    const agents = options.recursive === true ? this.nestedAgents() : this.agents;
    const found = agents.filter((agent) => agent.name === name);
    if (options.raiseOnNameConflict === true && found.length > 1) {
      throw new DefinitionError(
        'AGENT_INVALID',
        `Found multiple agents with the same name (${JSON.stringify(name)}): give every agent of the group chat a name of its own.`,
      );
    }
    return found[0];
  }

  /** The agents, and those of nested managers' groups, recursively. */
  nestedAgents(): ConversableAgent[] {
    const agents = [...this.agents];
    for (const agent of this.agents) {
      const nested = (agent as { groupchat?: unknown }).groupchat;
      if (nested instanceof GroupChat) agents.push(...nested.nestedAgents());
    }
    return agents;
  }

  /**
   * The agent after `agent` in the group's order, restricted to `agents` when given (AutoGen's `next_agent`).
   * Throws SpeakerSelectionError when `agents` holds an agent of another group or none fits.
   */
  nextAgent(agent: Agent, agents?: readonly ConversableAgent[]): ConversableAgent {
    const all = this.agents;
    const among = agents ?? all;
    const undefinedNext = (): never => {
      throw new SpeakerSelectionError(
        `No next agent after '${agent.name}' among ${agentList(among)}: the provided agents list does not overlap with agents in the group ${agentList(all)}.`,
      );
    };
    if (!among.every((candidate) => all.includes(candidate))) undefinedNext();
    const index = this.agentNames.indexOf(agent.name);
    if (among.length === all.length && among.every((candidate, i) => candidate === all[i])) {
      return all[(index + 1) % all.length]!;
    }
    for (let i = 0; i < all.length; i++) {
      const candidate = all[(index + 1 + i) % all.length]!;
      if (among.includes(candidate)) return candidate;
    }
    return undefinedNext();
  }

  /** The system message of an 'auto' selection request: the template with the roles and names filled in. */
  selectSpeakerMsg(agents: readonly Agent[] = this.agents): string {
    return formatTemplate(this.selectSpeakerMessageTemplate, {
      roles: this.participantRoles(agents),
      agentlist: agentList(agents),
    });
  }

  /** The last message of an 'auto' selection request, or `null` without a prompt template. */
  selectSpeakerPrompt(agents: readonly Agent[] = this.agents): string | null {
    if (this.selectSpeakerPromptTemplate === null) return null;
    return formatTemplate(this.selectSpeakerPromptTemplate, { agentlist: agentList(agents) });
  }

  /** The introduction sent with `sendIntroductions`. */
  introductionsMsg(agents: readonly Agent[] = this.agents): string {
    return `${GroupChat.DEFAULT_INTRO_MSG}\n\n${this.participantRoles(agents)}`;
  }

  /** Each agent as `name: description`, one a line. */
  participantRoles(agents: readonly Agent[] = this.agents): string {
    return agents.map((agent) => `${agent.name}: ${agent.description}`.trim()).join('\n');
  }

  /**
   * How many times each agent is named in `content` (AutoGen's `_mentioned_agents`): whole words only, case-sensitive,
   * and a name with underscores also as written with spaces or `\_`. Agents never named are left out.
   */
  mentionedAgents(content: string | null, agents: readonly Agent[] = this.agents): Record<string, number> {
    const padded = ` ${content ?? ''} `;
    const mentions: Record<string, number> = {};
    for (const agent of agents) {
      const forms = [agent.name, agent.name.replaceAll('_', ' '), agent.name.replaceAll('_', '\\_')];
      const pattern = new RegExp(`(?<=${NON_WORD})(${forms.map(escapeRegExp).join('|')})(?=${NON_WORD})`, 'gu');
      const count = [...padded.matchAll(pattern)].length;
      if (count > 0) mentions[agent.name] = count;
    }
    return mentions;
  }

  /** Asks the human to choose the next speaker among `agents` (AutoGen's `manual_select_speaker`); `null` for none. */
  manualSelectSpeaker(agents: readonly ConversableAgent[] = this.agents): Promise<ConversableAgent | null> {
    return manualSelectSpeaker(agents);
  }

  /** A random agent among `agents`, drawn with the group's `random`. */
  randomSelectSpeaker(agents: readonly ConversableAgent[] = this.agents): ConversableAgent {
    return agents[Math.min(agents.length - 1, Math.floor(this.random() * agents.length))]!;
  }

  /**
   * The next speaker after `lastSpeaker` by the group's method, within its transition graph (AutoGen's
   * `select_speaker`); `null` when no agent may speak (the chat ends). `selector` is the manager, whose model 'auto'
   * uses unless `selectSpeakerAutoLlmConfig` is given.
   */
  selectSpeaker(lastSpeaker: Agent, selector: ConversableAgent): Promise<ConversableAgent | null> {
    return selectSpeaker(this, lastSpeaker, selector);
  }
}
