import { DefinitionError } from '../errors.js';
import type { LlmConfig } from '../llm/llm-client.js';
import type { ChatMessage, HumanInputMode } from '../protocol/events.js';
import type { Agent, AgentMessage, HistoryMessage } from './agent.js';
import type { CodeExecutionConfig } from './coding/code-execution-config.js';
import type { Tool, ToolFunction } from './tool.js';

/** Options of `ConversableAgent` (AutoGen's constructor arguments, camelCased). */
export interface ConversableAgentOptions {
  /** Unique within a chat; no whitespace. Required. */
  name: string;
  /** Sent first in every model request. Default: "You are a helpful AI Assistant." */
  systemMessage?: string;
  /**
   * The model configuration, or `false` for an agent without a model. Default: `false`. Two AutoGen keys are the
   * agent's, not the request's: `tools` (schemas advertised as if by `updateToolSignature`) and
   * `allowFormatStrTemplate` (fill `{name}` templates in message contents from a message's `context`).
   */
  llmConfig?: LlmConfig | false;
  /** When a human is asked: on every message, only at termination points, or never. Default: `'TERMINATE'`. */
  humanInputMode?: HumanInputMode;
  /** Auto-replies in a row to one partner before the agent stops (NEVER) or asks (TERMINATE). Default: 100. */
  maxConsecutiveAutoReply?: number;
  /** Whether a received message ends the conversation. Default: its content is exactly "TERMINATE". */
  isTerminationMsg?: (message: ChatMessage) => boolean;
  /** The reply when no tool, model or human produced one. Default: `''`. */
  defaultAutoReply?: AgentMessage;
  /** What the agent does, for other agents. Default: the system message. */
  description?: string;
  /**
   * Functions this agent runs when a model calls them by name (AutoGen's `function_map`): tools, or plain functions
   * that get the arguments object unchecked. Default: none.
   */
  functionMap?: Readonly<Record<string, Tool | ToolFunction>>;
  /** Earlier conversations to go on from, by partner (AutoGen's `chat_messages`); copied. Default: none. */
  chatMessages?: ReadonlyMap<Agent, readonly HistoryMessage[]>;
  /**
   * Run the code blocks of received messages (see docs/code-execution.md), or `false` for not at all. Code runs only
   * where the current IOStream allows it (`agentws serve --allow-code-execution` on a server). Default: `false`.
   */
  codeExecutionConfig?: CodeExecutionConfig | false;
}

/** Options with every default applied. */
export type ResolvedAgentOptions = Required<ConversableAgentOptions>;

const HUMAN_INPUT_MODES: readonly HumanInputMode[] = ['ALWAYS', 'TERMINATE', 'NEVER'];

const OPTION_KEYS = new Set<string>([
  'name',
  'systemMessage',
  'llmConfig',
  'humanInputMode',
  'maxConsecutiveAutoReply',
  'isTerminationMsg',
  'defaultAutoReply',
  'description',
  'functionMap',
  'chatMessages',
  'codeExecutionConfig',
]);

const DEFAULTS = {
  systemMessage: 'You are a helpful AI Assistant.',
  llmConfig: false,
  humanInputMode: 'TERMINATE',
  maxConsecutiveAutoReply: 100,
  isTerminationMsg: (message: ChatMessage) => message.content === 'TERMINATE',
  defaultAutoReply: '',
  codeExecutionConfig: false,
} as const satisfies Partial<ConversableAgentOptions>;

/** Drops keys whose value is `undefined`, so that they fall back to the defaults. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A subclass's defaults under the caller's options (`undefined` values do not override them). */
export function withDefaults(
  options: ConversableAgentOptions,
  defaults: Partial<ConversableAgentOptions>,
): ConversableAgentOptions {
  // Anything but an object is passed through untouched, for resolveAgentOptions to reject with a clear message.
  return isPlainObject(options) ? { ...defaults, ...definedOnly(options), name: options.name } : options;
}

function fail(className: string, option: string, message: string): never {
  throw new DefinitionError('AGENT_INVALID', `${className} option '${option}' ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkLlmConfig(className: string, value: unknown): void {
  if (value === false) return;
  if (!isPlainObject(value)) fail(className, 'llmConfig', 'must be an object with a configList, or false.');
  const list = value.configList;
  if (!Array.isArray(list) || list.length === 0) {
    fail(className, 'llmConfig', 'needs a non-empty configList array (for example from configListFromJson()).');
  }
  list.forEach((entry: unknown, i) => {
    if (!isPlainObject(entry) || typeof entry.model !== 'string' || entry.model === '') {
      fail(className, 'llmConfig', `has an invalid configList entry ${i}: each entry needs a non-empty "model".`);
    }
  });
  const { tools, allowFormatStrTemplate } = value;
  const isToolSchema = (tool: unknown): boolean =>
    isPlainObject(tool) &&
    tool.type === 'function' &&
    isPlainObject(tool.function) &&
    typeof tool.function.name === 'string';
  if (tools !== undefined && !(Array.isArray(tools) && tools.every(isToolSchema))) {
    fail(className, 'llmConfig', 'has invalid "tools": each must be { type: "function", function: { name, ... } }.');
  }
  if (allowFormatStrTemplate !== undefined && typeof allowFormatStrTemplate !== 'boolean') {
    fail(className, 'llmConfig', 'has a non-boolean "allowFormatStrTemplate".');
  }
}

/** Merges ConversableAgent's defaults into `options` once, and checks every option. */
export function resolveAgentOptions(className: string, options: ConversableAgentOptions): ResolvedAgentOptions {
  if (!isPlainObject(options)) throw new DefinitionError('AGENT_INVALID', `${className} needs an options object.`);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) fail(className, key, 'is unknown.');
  }
  const merged = { ...DEFAULTS, ...definedOnly(options) };
  const { name, systemMessage, humanInputMode, maxConsecutiveAutoReply, isTerminationMsg, defaultAutoReply } = merged;

  if (typeof name !== 'string' || name === '' || /\s/.test(name)) {
    fail(className, 'name', `must be a non-empty string without whitespace (got ${JSON.stringify(name)}).`);
  }
  if (typeof systemMessage !== 'string') fail(className, 'systemMessage', 'must be a string.');
  checkLlmConfig(className, merged.llmConfig);
  if (!HUMAN_INPUT_MODES.includes(humanInputMode)) {
    fail(
      className,
      'humanInputMode',
      `must be 'ALWAYS', 'TERMINATE' or 'NEVER' (got ${JSON.stringify(humanInputMode)}).`,
    );
  }
  if (!Number.isInteger(maxConsecutiveAutoReply) || maxConsecutiveAutoReply < 0) {
    fail(className, 'maxConsecutiveAutoReply', `must be an integer >= 0 (got ${String(maxConsecutiveAutoReply)}).`);
  }
  if (typeof isTerminationMsg !== 'function') fail(className, 'isTerminationMsg', 'must be a function.');
  if (typeof defaultAutoReply !== 'string' && !isPlainObject(defaultAutoReply)) {
    fail(className, 'defaultAutoReply', 'must be a string or a message object.');
  }
  const description = merged.description ?? systemMessage;
  if (typeof description !== 'string') fail(className, 'description', 'must be a string.');
  const { functionMap = {}, chatMessages = new Map<Agent, readonly HistoryMessage[]>() } = merged;
  if (!isPlainObject(functionMap)) fail(className, 'functionMap', 'must be an object of functions or tools by name.');
  if (!(chatMessages instanceof Map)) fail(className, 'chatMessages', 'must be a Map from partner agent to messages.');
  return { ...merged, name, description, functionMap, chatMessages };
}
