import { DefinitionError } from '../errors.js';
import type { Agent, AgentMessage, HistoryMessage } from './agent.js';
import type { ConversableAgent } from './conversable-agent.js';

/** What a `processMessageBeforeSend` hook gets (AutoGen passes these as keyword arguments). */
export interface MessageBeforeSend {
  sender: ConversableAgent;
  message: AgentMessage;
  recipient: Agent;
  silent: boolean;
}

/** The hook of each hookable method: what it gets and returns. A hook may also return a promise of it. */
export interface HookFunctions {
  /** Rewrites the text of the last received message before the agent replies to it (AutoGen's capabilities). */
  processLastReceivedMessage: (content: string) => string | Promise<string>;
  /** Rewrites the whole conversation the agent replies to. */
  processAllMessagesBeforeReply: (messages: HistoryMessage[]) => HistoryMessage[] | Promise<HistoryMessage[]>;
  /** Rewrites (or just watches) every message the agent sends, before it is recorded. */
  processMessageBeforeSend: (args: MessageBeforeSend) => AgentMessage | Promise<AgentMessage>;
}

/** AutoGen 0.2's hookable methods, camelCased. */
export type HookableMethod = keyof HookFunctions;

/** Every hookable method, and the AutoGen name each stands for. */
export const HOOKABLE_METHODS = {
  processLastReceivedMessage: 'process_last_received_message',
  processAllMessagesBeforeReply: 'process_all_messages_before_reply',
  processMessageBeforeSend: 'process_message_before_send',
} as const satisfies Record<HookableMethod, string>;

function hookableMethodError(method: unknown): DefinitionError {
  const names = Object.keys(HOOKABLE_METHODS);
  const camel = Object.entries(HOOKABLE_METHODS).find(([, snake]) => method === snake || method === `a_${snake}`);
  const hint = camel ? ` Did you mean '${camel[0]}'? (one hook list serves sync and async hooks)` : '';
  return new DefinitionError(
    'OPTION_INVALID',
    `${String(method)} is not a hookable method.${hint} Hookable methods: ${names.join(', ')}.`,
  );
}

/**
 * An agent's hooks, one ordered list per hookable method (AutoGen's `hook_lists`). Hooks run in the order they were
 * registered, each on the previous one's result.
 */
export class Hooks {
  readonly #lists: { [M in HookableMethod]: HookFunctions[M][] } = {
    processLastReceivedMessage: [],
    processAllMessagesBeforeReply: [],
    processMessageBeforeSend: [],
  };

  /** The hooks of `method`, in order. */
  list<M extends HookableMethod>(method: M): readonly HookFunctions[M][] {
    return this.#lists[method];
  }

  register<M extends HookableMethod>(method: M, hook: HookFunctions[M]): void {
    if (!Object.hasOwn(HOOKABLE_METHODS, method)) throw hookableMethodError(method);
    if (typeof hook !== 'function') {
      throw new DefinitionError('OPTION_INVALID', `A hook for '${method}' must be a function.`);
    }
    const list = this.#lists[method];
    if (list.includes(hook)) {
      throw new DefinitionError(
        'OPTION_INVALID',
        `${hook.name || 'This function'} is already registered as a hook for '${method}'.`,
      );
    }
    list.push(hook);
  }

  async processMessageBeforeSend(args: MessageBeforeSend): Promise<AgentMessage> {
    let message = args.message;
    for (const hook of this.#lists.processMessageBeforeSend) message = await hook({ ...args, message });
    return message;
  }

  /**
   * Runs the hooks on the text of the last message, unless it is not text, calls tools, carries a `context` or is
   * "exit" (AutoGen's conditions). The hooks' result replaces that message in a copy of the list: the history and the
   * caller's messages are left as they were (AutoGen's comment promises this; its code edits the message in place).
   */
  async processLastReceivedMessage(messages: readonly HistoryMessage[]): Promise<readonly HistoryMessage[]> {
    const hooks = this.#lists.processLastReceivedMessage;
    const last = messages.at(-1);
    if (hooks.length === 0 || last === undefined) return messages;
    const content = last.content;
    if (typeof content !== 'string' || content === 'exit') return messages;
    if (last.context !== undefined || (last.tool_calls?.length ?? 0) > 0) return messages;
    let processed = content;
    for (const hook of hooks) processed = await hook(processed);
    if (processed === content) return messages;
    return [...messages.slice(0, -1), { ...last, content: processed }];
  }

  async processAllMessagesBeforeReply(messages: readonly HistoryMessage[]): Promise<readonly HistoryMessage[]> {
    let processed = messages;
    for (const hook of this.#lists.processAllMessagesBeforeReply) {
      const result: unknown = await hook([...processed]);
      if (!Array.isArray(result)) {
        throw new DefinitionError(
          'OPTION_INVALID',
          `The processAllMessagesBeforeReply hook ${hook.name || '(anonymous)'} must return an array of messages.`,
        );
      }
      processed = result as HistoryMessage[];
    }
    return processed;
  }
}
