import { DefinitionError } from '../errors.js';
import type { AgentMessage } from './agent.js';
import type { Carryover } from './carryover.js';
import type { ConversableAgent } from './conversable-agent.js';

/** Arguments of the summary methods; your own summary functions may take more keys. */
export interface SummaryArgs {
  /** The instruction for "reflection_with_llm". Default: {@link ConversableAgent.DEFAULT_SUMMARY_PROMPT}. */
  summaryPrompt?: string;
  /** The role the instruction is sent with. Default: `'system'`. */
  summaryRole?: 'system' | 'user' | 'assistant';
  [key: string]: unknown;
}

/**
 * How `initiateChat` summarises: the last message, a model's reflection on the chat, your function, or `null` for no
 * summary (an empty string).
 */
export type SummaryMethod =
  | 'last_msg'
  | 'reflection_with_llm'
  | null
  | ((sender: ConversableAgent, recipient: ConversableAgent, summaryArgs: SummaryArgs) => string | Promise<string>);

/** What a message function gets besides the two agents: the chat's carryover and its `context` entries. */
export interface ChatContext {
  carryover?: Carryover;
  [key: string]: unknown;
}

/** A first message made when the chat starts (AutoGen's callable `message`); the carryover is its to use. */
export type MessageFunction = (
  sender: ConversableAgent,
  recipient: ConversableAgent,
  context: ChatContext,
) => AgentMessage | Promise<AgentMessage>;

/** Options of {@link ConversableAgent.initiateChat}. */
export interface InitiateChatOptions {
  /**
   * The first message, or a function that makes it. Default: asked from the human with the prompt ">" (AutoGen).
   * A string or message gets the carryover appended; a function gets it in its context.
   */
  message?: AgentMessage | MessageFunction;
  /** Stop after this many exchanges (sender → recipient → sender). Default: until a termination condition. */
  maxTurns?: number;
  /** Forget both agents' earlier history with each other. Default: `true`. */
  clearHistory?: boolean;
  /** Default: `'last_msg'`. */
  summaryMethod?: SummaryMethod;
  summaryArgs?: SummaryArgs;
  /** Do not emit the received messages (tokens still stream, as in AutoGen). Default: `false`. */
  silent?: boolean;
  /** Earlier results to pass on: appended to the first message after "Context:" (AutoGen's carryover). */
  carryover?: Carryover;
  /** More entries for a message function's context (AutoGen's extra `initiate_chat` keyword arguments). */
  context?: Record<string, unknown>;
}

const CHAT_OPTION_KEYS = new Set([
  'message',
  'maxTurns',
  'clearHistory',
  'summaryMethod',
  'summaryArgs',
  'silent',
  'carryover',
  'context',
]);

/** The error for a bad chat option; `message` starts with the option's name. */
export function chatOptionError(message: string, where = 'initiateChat option'): DefinitionError {
  return new DefinitionError('OPTION_INVALID', `${where} ${message}`);
}

/**
 * Checks a chat's options before anything is sent; `extraKeys` are the keys a caller adds (`initiateChats`' entries).
 * `where` starts every message ("initiateChat option", "initiateChats chat 2:").
 */
export function checkChatOptions(
  options: InitiateChatOptions,
  where = 'initiateChat option',
  extraKeys: ReadonlySet<string> = new Set(),
): void {
  if (typeof options !== 'object' || options === null) throw chatOptionError('object expected.', where);
  for (const key of Object.keys(options)) {
    if (!CHAT_OPTION_KEYS.has(key) && !extraKeys.has(key)) throw chatOptionError(`'${key}' is unknown.`, where);
  }
  const { maxTurns, summaryMethod, context } = options;
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1)) {
    throw chatOptionError(`'maxTurns' must be an integer >= 1 (got ${String(maxTurns)}).`, where);
  }
  if (
    summaryMethod !== undefined &&
    summaryMethod !== null &&
    summaryMethod !== 'last_msg' &&
    summaryMethod !== 'reflection_with_llm' &&
    typeof summaryMethod !== 'function'
  ) {
    throw chatOptionError(`'summaryMethod' must be 'last_msg', 'reflection_with_llm', a function or null.`, where);
  }
  if (context !== undefined && (typeof context !== 'object' || context === null)) {
    throw chatOptionError(`'context' must be an object.`, where);
  }
}

/** AutoGen's check that "reflection_with_llm" has a model to ask: the recipient's, else the sender's. */
export function checkSummaryModel(
  sender: ConversableAgent,
  recipient: ConversableAgent,
  options: InitiateChatOptions,
  where = 'initiateChat option',
): void {
  if (options.summaryMethod === 'reflection_with_llm' && sender.llmConfig === false && recipient.llmConfig === false) {
    throw chatOptionError(
      `'summaryMethod' 'reflection_with_llm' needs an llmConfig on the recipient or the sender.`,
      where,
    );
  }
}
