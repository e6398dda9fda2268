import { DefinitionError } from '../errors.js';
import type { Agent, AgentMessage, GenerateReplyOptions, HistoryMessage } from './agent.js';
import type { ConversableAgent } from './conversable-agent.js';

/**
 * What a reply function returns: `final: true` ends the search with `reply` (`null`: no reply, the conversation
 * ends); `final: false` lets the next function in the list try (AutoGen's `(final, reply)` tuple). With `reply: null`,
 * `terminationReason` says why the conversation ended: it becomes the chat's (`ChatResult.terminationReason`, the
 * `chat_end` event's), where otherwise it would be "no reply".
 */
export type ReplyResult = { final: false } | { final: true; reply: AgentMessage | null; terminationReason?: string };

/**
 * A reply function (AutoGen's `reply_func(recipient, messages, sender, config)`): `recipient` is the agent replying,
 * `messages` the conversation it replies to, `sender` the agent it replies to (`undefined` when `generateReply` was
 * given only messages), `config` the config it was registered with.
 */
export type ReplyFunction<C = unknown> = (
  recipient: ConversableAgent,
  messages: readonly HistoryMessage[],
  sender: Agent | undefined,
  config: C,
) => ReplyResult | Promise<ReplyResult>;

/** Options of `ConversableAgent.generateReply`. */
export interface ConversableReplyOptions extends GenerateReplyOptions {
  /** Reply functions to skip this time (AutoGen's `exclude`). */
  exclude?: readonly ReplyFunction<never>[];
}

/** A class of agents: the trigger matches senders that are instances of it. */
export type AgentClass = abstract new (...args: never[]) => Agent;

/**
 * When a reply function is tried, by sender (AutoGen 0.2's triggers): `undefined` any sender or none; `null` only when
 * there is no sender (AutoGen's `None`); a class, its instances; an agent, that agent; a string, the agent of that
 * name; a function, when it returns true; an array, when any of its triggers matches.
 */
export type ReplyTrigger =
  undefined | null | string | Agent | AgentClass | ((sender: Agent | undefined) => boolean) | readonly ReplyTrigger[];

/** Options of `ConversableAgent.registerReply`. */
export interface RegisterReplyOptions<C> {
  /**
   * Where the function goes in the list; 0 is tried first, so a function registered later is tried earlier (as in
   * AutoGen; a negative position counts from the end). Default: 0.
   */
  position?: number;
  /**
   * Passed to the function on each call. Plain objects and arrays are copied (shallowly) when registered and when the
   * agent is reset, as AutoGen copies them; other values (class instances) are passed as they are. Default: undefined.
   */
  config?: C;
  /** Called by `agent.reset()` with the config, instead of restoring the registered config. */
  resetConfig?: (config: C) => void;
  /** Remove every other reply function first, the built-in ones included. Default: false. */
  removeOtherReplyFuncs?: boolean;
}

/** One entry of an agent's reply function list (AutoGen's `_reply_func_list` item). */
export interface ReplyFunctionEntry<C = unknown> {
  readonly trigger: ReplyTrigger;
  replyFunc: ReplyFunction<C>;
  /** The config the function gets now. */
  config: C;
  /** The config it was registered with, restored by `reset()`. */
  readonly initConfig: C;
  readonly resetConfig: ((config: C) => void) | undefined;
}

function isClass(value: unknown): value is AgentClass {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

function isAgent(value: unknown): value is Agent {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

/** AutoGen's `copy.copy` for the configs it knows how to copy; anything else is shared. */
function shallowCopy<C>(config: C): C {
  if (Array.isArray(config)) return [...config] as C;
  if (typeof config === 'object' && config !== null) {
    const proto: unknown = Object.getPrototypeOf(config);
    if (proto === Object.prototype || proto === null) return { ...config };
  }
  return config;
}

const TRIGGER_KINDS =
  'a class, a string (an agent name), an agent, a function returning a boolean, an array of those, ' +
  'undefined (any sender) or null (no sender)';

/** Throws unless `trigger` is one of the kinds {@link ReplyTrigger} allows. */
export function checkTrigger(trigger: unknown): asserts trigger is ReplyTrigger {
  if (Array.isArray(trigger)) {
    for (const item of trigger) checkTrigger(item);
    return;
  }
  const ok =
    trigger === undefined ||
    trigger === null ||
    typeof trigger === 'string' ||
    typeof trigger === 'function' ||
    isAgent(trigger);
  if (!ok) {
    throw new DefinitionError(
      'OPTION_INVALID',
      `registerReply 'trigger' must be ${TRIGGER_KINDS} (got ${String(trigger)}).`,
    );
  }
}

/** AutoGen's `_match_trigger`: whether `trigger` selects a reply function for `sender`. */
export function matchTrigger(trigger: ReplyTrigger, sender: Agent | undefined): boolean {
  if (trigger === undefined) return true;
  if (trigger === null) return sender === undefined;
  if (typeof trigger === 'string') {
    if (sender === undefined) {
      throw new DefinitionError(
        'OPTION_INVALID',
        `Sender is required but not provided: a reply function is triggered by the agent name '${trigger}', ` +
          'and generateReply was called without a sender. Pass the sender, or register the function with a ' +
          'trigger that allows none (undefined or null).',
      );
    }
    return sender.name === trigger;
  }
  if (isClass(trigger)) return sender instanceof trigger;
  if (typeof trigger === 'function') {
    const result: unknown = trigger(sender);
    if (typeof result !== 'boolean') {
      throw new DefinitionError(
        'OPTION_INVALID',
        `A reply trigger function must return a boolean (got ${String(result)}).`,
      );
    }
    return result;
  }
  if (Array.isArray(trigger)) return trigger.some((t: ReplyTrigger) => matchTrigger(t, sender));
  if (isAgent(trigger)) return trigger === sender;
  checkTrigger(trigger);
  return false;
}

/** Checks what a reply function returned, with a message that says what it should return. */
function checkReplyResult(result: unknown, replyFunc: ReplyFunction<never>): ReplyResult {
  const name = replyFunc.name || '(anonymous)';
  const { final, reply, terminationReason } = (result ?? {}) as {
    final?: unknown;
    reply?: unknown;
    terminationReason?: unknown;
  };
  if (typeof result !== 'object' || result === null || Array.isArray(result) || typeof final !== 'boolean') {
    const hint = Array.isArray(result) ? ", not AutoGen's (final, reply) tuple" : '';
    throw new DefinitionError(
      'OPTION_INVALID',
      `Reply function ${name} must return { final: true, reply } or { final: false }${hint}.`,
    );
  }
  if (terminationReason !== undefined && (typeof terminationReason !== 'string' || (reply ?? null) !== null)) {
    throw new DefinitionError(
      'OPTION_INVALID',
      `Reply function ${name} returned a terminationReason ${JSON.stringify(terminationReason)}: it must be a ` +
        'string, and goes with reply: null (the conversation ends).',
    );
  }
  return result as ReplyResult;
}

/**
 * An agent's reply functions, in the order they are tried: AutoGen's `_reply_func_list`, kept as data so that group
 * chat managers, code executors and users insert theirs at a position.
 */
export class ReplyFunctionList {
  readonly #entries: ReplyFunctionEntry[] = [];

  /** The entries, position 0 first. */
  get entries(): readonly ReplyFunctionEntry[] {
    return this.#entries;
  }

  register<C>(trigger: ReplyTrigger, replyFunc: ReplyFunction<C>, options: RegisterReplyOptions<C> = {}): void {
    checkTrigger(trigger);
    if (typeof replyFunc !== 'function') {
      throw new DefinitionError('OPTION_INVALID', "registerReply 'replyFunc' must be a function.");
    }
    const { position = 0, config, resetConfig, removeOtherReplyFuncs = false } = options;
    if (!Number.isInteger(position)) {
      throw new DefinitionError(
        'OPTION_INVALID',
        `registerReply option 'position' must be an integer (got ${String(position)}).`,
      );
    }
    if (resetConfig !== undefined && typeof resetConfig !== 'function') {
      throw new DefinitionError('OPTION_INVALID', "registerReply option 'resetConfig' must be a function.");
    }
    if (removeOtherReplyFuncs) this.#entries.length = 0;
    const entry: ReplyFunctionEntry<C> = {
      trigger,
      replyFunc,
      config: shallowCopy(config) as C,
      initConfig: config as C,
      resetConfig,
    };
    this.#entries.splice(position, 0, entry as ReplyFunctionEntry);
  }

  /**
   * The first final reply of the functions whose trigger matches `sender` (AutoGen's `generate_reply` loop), or
   * `undefined` when none gave one. `beforeEach` runs before each function is called (the abort check).
   */
  async firstFinal(
    agent: ConversableAgent,
    messages: readonly HistoryMessage[],
    sender: Agent | undefined,
    exclude: readonly ReplyFunction<never>[],
    beforeEach: () => void,
  ): Promise<{ reply: AgentMessage | null; terminationReason?: string } | undefined> {
    // A copy: a reply function may register another one while the list is being tried.
    for (const entry of [...this.#entries]) {
      if (exclude.includes(entry.replyFunc) || !matchTrigger(entry.trigger, sender)) continue;
      beforeEach();
      const result = checkReplyResult(await entry.replyFunc(agent, messages, sender, entry.config), entry.replyFunc);
      if (result.final) return { reply: result.reply ?? null, terminationReason: result.terminationReason };
    }
    return undefined;
  }

  /** AutoGen's `replace_reply_func`: every entry of `oldFunc` now calls `newFunc`. */
  replace(oldFunc: ReplyFunction<never>, newFunc: ReplyFunction<never>): void {
    for (const entry of this.#entries) if (entry.replyFunc === oldFunc) entry.replyFunc = newFunc as ReplyFunction;
  }

  /** Restores every config: its `resetConfig`, or a fresh copy of the registered config. */
  resetConfigs(): void {
    for (const entry of this.#entries) {
      if (entry.resetConfig !== undefined) entry.resetConfig(entry.config);
      else entry.config = shallowCopy(entry.initConfig);
    }
  }
}
