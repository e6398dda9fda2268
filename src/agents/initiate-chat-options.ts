import { DefinitionError } from '../errors.js';
import type { AgentMessage } from './agent.js';
import type { ConversableAgent } from './conversable-agent.js';

/** Arguments of the summary methods. */
export interface SummaryArgs {
  /** The instruction for "reflection_with_llm". Default: {@link ConversableAgent.DEFAULT_SUMMARY_PROMPT}. */
  summaryPrompt?: string;
  /** The role the instruction is sent with. Default: `'system'`. */
  summaryRole?: 'system' | 'user' | 'assistant';
}

/** How `initiateChat` summarises: the last message, a model's reflection on the chat, or your function. */
export type SummaryMethod =
  | 'last_msg'
  | 'reflection_with_llm'
  | ((sender: ConversableAgent, recipient: ConversableAgent, summaryArgs: SummaryArgs) => string | Promise<string>);

/** Options of {@link ConversableAgent.initiateChat}. */
export interface InitiateChatOptions {
  /** The first message. Default: asked from the human with the prompt ">" (AutoGen). */
  message?: AgentMessage;
  /** Stop after this many exchanges (sender → recipient → sender). Default: until a termination condition. */
  maxTurns?: number;
  /** Forget both agents' earlier history with each other. Default: `true`. */
  clearHistory?: boolean;
  /** Default: `'last_msg'`. */
  summaryMethod?: SummaryMethod;
  summaryArgs?: SummaryArgs;
  /** Do not emit the received messages (tokens still stream, as in AutoGen). Default: `false`. */
  silent?: boolean;
}

const CHAT_OPTION_KEYS = new Set(['message', 'maxTurns', 'clearHistory', 'summaryMethod', 'summaryArgs', 'silent']);

/** The error for a bad `initiateChat` option; `message` starts with the option's name. */
export function chatOptionError(message: string): DefinitionError {
  return new DefinitionError('OPTION_INVALID', `initiateChat option ${message}`);
}

/** Checks `initiateChat`'s options before anything is sent. */
export function checkChatOptions(options: InitiateChatOptions): void {
  if (typeof options !== 'object' || options === null) throw chatOptionError('object expected.');
  for (const key of Object.keys(options)) if (!CHAT_OPTION_KEYS.has(key)) throw chatOptionError(`'${key}' is unknown.`);
  const { maxTurns, summaryMethod } = options;
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1)) {
    throw chatOptionError(`'maxTurns' must be an integer >= 1 (got ${String(maxTurns)}).`);
  }
  if (
    summaryMethod !== undefined &&
    summaryMethod !== 'last_msg' &&
    summaryMethod !== 'reflection_with_llm' &&
    typeof summaryMethod !== 'function'
  ) {
    throw chatOptionError(`'summaryMethod' must be 'last_msg', 'reflection_with_llm' or a function.`);
  }
}
