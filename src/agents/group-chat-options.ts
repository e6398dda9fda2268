import { DefinitionError } from '../errors.js';
import type { LlmConfig } from '../llm/llm-client.js';
import type { ChatMessage } from '../protocol/events.js';
import { ConversableAgent } from './conversable-agent.js';
import type { GroupChat } from './group-chat.js';

/** AutoGen 0.2's speaker selection methods (matched case-insensitively, as AutoGen does). */
export const SPEAKER_SELECTION_METHODS = ['auto', 'manual', 'random', 'round_robin'] as const;

export type SpeakerSelectionMethodName = (typeof SPEAKER_SELECTION_METHODS)[number];

/**
 * A speaker selection function: the next speaker (one of the group's agents), the name of a selection method to use
 * this round, or `null` to end the chat.
 */
export type SpeakerSelectionFunction = (
  lastSpeaker: ConversableAgent,
  groupChat: GroupChat,
) => ConversableAgent | string | null | undefined | Promise<ConversableAgent | string | null | undefined>;

/**
 * Who may speak after whom: for each agent, the agents that may (or, with `speakerTransitionsType: 'disallowed'`, may
 * not) speak next. A Map keyed by agent, as AutoGen's dict, or an object keyed by agent name.
 */
export type SpeakerTransitions =
  ReadonlyMap<ConversableAgent, readonly ConversableAgent[]> | Readonly<Record<string, readonly ConversableAgent[]>>;

/** AutoGen 0.2's `select_speaker_message_template`, verbatim. */
export const DEFAULT_SELECT_SPEAKER_MESSAGE_TEMPLATE = `You are in a role play game. The following roles are available:
                {roles}.
                Read the following conversation.
                Then select the next role from {agentlist} to play. Only return the role.`;

/** AutoGen 0.2's `select_speaker_prompt_template`, verbatim. */
export const DEFAULT_SELECT_SPEAKER_PROMPT_TEMPLATE =
  'Read the above conversation. Then select the next role from {agentlist} to play. Only return the role.';

/** AutoGen 0.2's `select_speaker_auto_multiple_template`, verbatim. */
export const DEFAULT_SELECT_SPEAKER_AUTO_MULTIPLE_TEMPLATE = `You provided more than one name in your text, please return just the name of the next speaker. To determine the speaker use these prioritised rules:
    1. If the context refers to themselves as a speaker e.g. "As the..." , choose that speaker's name
    2. If it refers to the "next" speaker name, choose that name
    3. Otherwise, choose the first provided speaker's name in the context
    The names are case-sensitive and should not be abbreviated or changed.
    Respond with ONLY the name of the speaker and DO NOT provide a reason.`;

/** AutoGen 0.2's `select_speaker_auto_none_template`, verbatim. */
export const DEFAULT_SELECT_SPEAKER_AUTO_NONE_TEMPLATE = `You didn't choose a speaker. As a reminder, to determine the speaker use these prioritised rules:
    1. If the context refers to themselves as a speaker e.g. "As the..." , choose that speaker's name
    2. If it refers to the "next" speaker name, choose that name
    3. Otherwise, choose the first provided speaker's name in the context
    The names are case-sensitive and should not be abbreviated or changed.
    The only names that are accepted are {agentlist}.
    Respond with ONLY the name of the speaker and DO NOT provide a reason.`;

/** Options of `GroupChat` (AutoGen 0.2's dataclass fields, camelCased). */
export interface GroupChatOptions {
  /** The agents taking part, in round-robin order. Required (at least two by the time a speaker is chosen). */
  agents: ConversableAgent[];
  /** The group's messages; the array is kept and filled as the chat goes. Default: `[]`. */
  messages?: ChatMessage[];
  /** Most messages in one run of the chat, the first included. Default: 10. */
  maxRound?: number;
  /** The name messages of a human admin carry (accepted by `resume`). Default: `'Admin'`. */
  adminName?: string;
  /** After a message with tool calls, only an agent that can run them speaks next. Default: `true`. */
  funcCallFilter?: boolean;
  /** 'auto' (the manager's model picks), 'manual', 'random', 'round_robin', or a function. Default: `'auto'`. */
  speakerSelectionMethod?: SpeakerSelectionMethodName | SpeakerSelectionFunction;
  /** 'auto': how many times the model is asked again when its answer names no agent or several. Default: 2. */
  maxRetriesForSelectingSpeaker?: number;
  /**
   * Whether an agent may speak twice in a row: all (`true`), none (`false`) or the listed agents. Default: `true`
   * (unless `allowedOrDisallowedSpeakerTransitions` is given: the two are exclusive).
   */
  allowRepeatSpeaker?: boolean | ConversableAgent[];
  /** The speaker transition graph. Default: every agent may follow every other. Needs `speakerTransitionsType`. */
  allowedOrDisallowedSpeakerTransitions?: SpeakerTransitions;
  /** Whether the transitions list allowed or disallowed next speakers. */
  speakerTransitionsType?: 'allowed' | 'disallowed';
  /** Send every agent an introduction of the group before the first message. Default: `false`. */
  sendIntroductions?: boolean;
  /** 'auto': the system message of the selection request; `{roles}` and `{agentlist}` are filled in. Default: AutoGen's. */
  selectSpeakerMessageTemplate?: string;
  /** 'auto': the request's last message (`{agentlist}` filled in); `null` or `''` for none. Default: AutoGen's. */
  selectSpeakerPromptTemplate?: string | null;
  /** 'auto': asked again when the answer named several agents. Default: AutoGen's. */
  selectSpeakerAutoMultipleTemplate?: string;
  /** 'auto': asked again when the answer named no agent. Default: AutoGen's. */
  selectSpeakerAutoNoneTemplate?: string;
  /** 'auto': the model that selects, instead of the manager's. Default: the manager's `llmConfig`. */
  selectSpeakerAutoLlmConfig?: LlmConfig;
  /** 'auto': the role of the selection prompts. Default: `'system'`. */
  roleForSelectSpeakerMessages?: 'system' | 'user' | 'assistant';
  /** 'random': the source of randomness, a function returning a number in [0, 1). Default: `Math.random`. */
  random?: () => number;
}

/** Options with every default applied and checked. */
export interface ResolvedGroupChatOptions {
  agents: ConversableAgent[];
  messages: ChatMessage[];
  maxRound: number;
  adminName: string;
  funcCallFilter: boolean;
  speakerSelectionMethod: SpeakerSelectionMethodName | SpeakerSelectionFunction;
  maxRetriesForSelectingSpeaker: number;
  /** `undefined` when transitions are given (AutoGen's `None`). */
  allowRepeatSpeaker: boolean | ConversableAgent[] | undefined;
  allowedOrDisallowedSpeakerTransitions: SpeakerTransitions | undefined;
  speakerTransitionsType: 'allowed' | 'disallowed' | undefined;
  sendIntroductions: boolean;
  selectSpeakerMessageTemplate: string;
  selectSpeakerPromptTemplate: string | null;
  selectSpeakerAutoMultipleTemplate: string;
  selectSpeakerAutoNoneTemplate: string;
  selectSpeakerAutoLlmConfig: LlmConfig | undefined;
  roleForSelectSpeakerMessages: 'system' | 'user' | 'assistant';
  random: () => number;
}

const OPTION_KEYS = new Set<string>([
  'agents',
  'messages',
  'maxRound',
  'adminName',
  'funcCallFilter',
  'speakerSelectionMethod',
  'maxRetriesForSelectingSpeaker',
  'allowRepeatSpeaker',
  'allowedOrDisallowedSpeakerTransitions',
  'speakerTransitionsType',
  'sendIntroductions',
  'selectSpeakerMessageTemplate',
  'selectSpeakerPromptTemplate',
  'selectSpeakerAutoMultipleTemplate',
  'selectSpeakerAutoNoneTemplate',
  'selectSpeakerAutoLlmConfig',
  'roleForSelectSpeakerMessages',
  'random',
]);

/** AutoGen 0.2 options agentws does not have, and why: said instead of "unknown". */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  enableClearHistory: 'the "clear history" command is not supported by agentws',
  selectSpeakerTransformMessages: 'message transforms are not supported by agentws',
  selectSpeakerAutoVerbose: "agentws does not show the selection model's attempts",
  selectSpeakerAutoModelClientCls:
    "custom model clients are not supported by agentws; give 'selectSpeakerAutoLlmConfig'",
};

const ROLES = ['system', 'user', 'assistant'] as const;

function fail(option: string, message: string): never {
  throw new DefinitionError('OPTION_INVALID', `GroupChat option '${option}' ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A template option: a non-empty string, else AutoGen's "cannot be empty" error. */
function template(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') fail(option, 'cannot be empty: give a template string.');
  return value;
}

function checkAgents(value: unknown): ConversableAgent[] {
  if (!Array.isArray(value)) fail('agents', 'must be an array of agents (ConversableAgent and its subclasses).');
  value.forEach((agent: unknown, i) => {
    if (!(agent instanceof ConversableAgent)) {
      fail('agents', `has an entry ${i} that is not an agent: give ConversableAgent instances.`);
    }
  });
  return value as ConversableAgent[];
}

function checkSpeakerSelectionMethod(value: unknown): SpeakerSelectionMethodName | SpeakerSelectionFunction {
  if (value === undefined) return 'auto';
  if (typeof value === 'function') return value as SpeakerSelectionFunction;
  const method = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (method === undefined || !(SPEAKER_SELECTION_METHODS as readonly string[]).includes(method)) {
    fail(
      'speakerSelectionMethod',
      `is set to ${JSON.stringify(value)}. It should be one of 'auto', 'manual', 'random', 'round_robin' (case insensitive), or a function.`,
    );
  }
  return method as SpeakerSelectionMethodName;
}

/** AutoGen's checks of `allow_repeat_speaker`, the transitions and their type, in its order. */
function checkTransitionOptions(options: GroupChatOptions): {
  allowRepeatSpeaker: boolean | ConversableAgent[] | undefined;
  speakerTransitionsType: 'allowed' | 'disallowed' | undefined;
} {
  const { allowRepeatSpeaker, allowedOrDisallowedSpeakerTransitions: transitions } = options;
  if (allowRepeatSpeaker !== undefined && typeof allowRepeatSpeaker !== 'boolean') {
    if (!Array.isArray(allowRepeatSpeaker) || !allowRepeatSpeaker.every((a) => a instanceof ConversableAgent)) {
      fail('allowRepeatSpeaker', 'should be a boolean or a list of agents.');
    }
  }
  let type = options.speakerTransitionsType as string | undefined;
  if (type !== undefined) {
    if (typeof type !== 'string' || !['allowed', 'disallowed'].includes(type.toLowerCase())) {
      fail('speakerTransitionsType', `is set to ${JSON.stringify(type)}. It should be 'allowed' or 'disallowed'.`);
    }
    type = type.toLowerCase();
  }
  if (transitions !== undefined && allowRepeatSpeaker !== undefined) {
    throw new DefinitionError(
      'OPTION_INVALID',
      "Don't give both 'allowedOrDisallowedSpeakerTransitions' and 'allowRepeatSpeaker' to a GroupChat: leave one out.",
    );
  }
  if (transitions !== undefined && type === undefined) {
    fail(
      'allowedOrDisallowedSpeakerTransitions',
      "is given but 'speakerTransitionsType' is not: set it to 'allowed' or 'disallowed'.",
    );
  }
  return {
    // Neither given: everyone may repeat (AutoGen's backward-compatible default).
    allowRepeatSpeaker: transitions === undefined && allowRepeatSpeaker === undefined ? true : allowRepeatSpeaker,
    speakerTransitionsType: type as 'allowed' | 'disallowed' | undefined,
  };
}

/** Merges GroupChat's defaults into `options` once, and checks every option (AutoGen's `__post_init__`). */
export function resolveGroupChatOptions(options: GroupChatOptions): ResolvedGroupChatOptions {
  if (!isPlainObject(options)) {
    throw new DefinitionError('OPTION_INVALID', 'GroupChat needs an options object such as { agents: [a, b] }.');
  }
  for (const key of Object.keys(options)) {
    const why = UNSUPPORTED[key];
    if (why !== undefined) fail(key, `is AutoGen's, but ${why}.`);
    if (!OPTION_KEYS.has(key)) fail(key, 'is unknown.');
  }
  const agents = checkAgents(options.agents);
  const {
    messages = [],
    maxRound = 10,
    adminName = 'Admin',
    funcCallFilter = true,
    sendIntroductions = false,
  } = options;
  if (!Array.isArray(messages)) fail('messages', 'must be an array of messages.');
  if (!Number.isInteger(maxRound) || maxRound < 1)
    fail('maxRound', `must be an integer >= 1 (got ${String(maxRound)}).`);
  if (typeof adminName !== 'string') fail('adminName', 'must be a string.');
  if (typeof funcCallFilter !== 'boolean') fail('funcCallFilter', 'must be a boolean.');
  if (typeof sendIntroductions !== 'boolean') fail('sendIntroductions', 'must be a boolean.');
  const { maxRetriesForSelectingSpeaker = 2, roleForSelectSpeakerMessages = 'system', random = Math.random } = options;
  if (!Number.isInteger(maxRetriesForSelectingSpeaker) || maxRetriesForSelectingSpeaker < 0) {
    fail('maxRetriesForSelectingSpeaker', `must be an integer >= 0 (got ${String(maxRetriesForSelectingSpeaker)}).`);
  }
  if (!(ROLES as readonly unknown[]).includes(roleForSelectSpeakerMessages)) {
    fail(
      'roleForSelectSpeakerMessages',
      `cannot be empty and must be 'system', 'user' or 'assistant' (got ${JSON.stringify(roleForSelectSpeakerMessages)}).`,
    );
  }
  if (typeof random !== 'function') fail('random', 'must be a function returning a number in [0, 1).');
  const llmConfig = options.selectSpeakerAutoLlmConfig;
  if (llmConfig !== undefined && !isPlainObject(llmConfig)) {
    fail('selectSpeakerAutoLlmConfig', 'must be an llmConfig object with a configList.');
  }
  const prompt = options.selectSpeakerPromptTemplate;
  if (prompt !== undefined && prompt !== null && typeof prompt !== 'string') {
    fail('selectSpeakerPromptTemplate', 'must be a string, or null for no prompt.');
  }
  return {
    agents,
    messages,
    maxRound,
    adminName,
    funcCallFilter,
    speakerSelectionMethod: checkSpeakerSelectionMethod(options.speakerSelectionMethod),
    maxRetriesForSelectingSpeaker,
    ...checkTransitionOptions(options),
    allowedOrDisallowedSpeakerTransitions: options.allowedOrDisallowedSpeakerTransitions,
    sendIntroductions,
    selectSpeakerMessageTemplate: template(
      'selectSpeakerMessageTemplate',
      options.selectSpeakerMessageTemplate,
      DEFAULT_SELECT_SPEAKER_MESSAGE_TEMPLATE,
    ),
    // An empty prompt means none, as in AutoGen.
    selectSpeakerPromptTemplate: prompt === undefined ? DEFAULT_SELECT_SPEAKER_PROMPT_TEMPLATE : prompt || null,
    selectSpeakerAutoMultipleTemplate: template(
      'selectSpeakerAutoMultipleTemplate',
      options.selectSpeakerAutoMultipleTemplate,
      DEFAULT_SELECT_SPEAKER_AUTO_MULTIPLE_TEMPLATE,
    ),
    selectSpeakerAutoNoneTemplate: template(
      'selectSpeakerAutoNoneTemplate',
      options.selectSpeakerAutoNoneTemplate,
      DEFAULT_SELECT_SPEAKER_AUTO_NONE_TEMPLATE,
    ),
    selectSpeakerAutoLlmConfig: llmConfig,
    roleForSelectSpeakerMessages,
    random,
  };
}
