import { DefinitionError } from '../errors.js';
import type { Agent, AgentMessage, HistoryMessage } from './agent.js';
import { initiateChats, type ChatQueueEntry } from './chats.js';
import type { ConversableAgent } from './conversable-agent.js';
import type { RegisterReplyOptions, ReplyFunction, ReplyResult, ReplyTrigger } from './reply-functions.js';

/** A nested chat's first message made from the conversation that triggered it (AutoGen's callable `message`). */
export type NestedMessageFunction = (
  recipient: ConversableAgent,
  messages: readonly HistoryMessage[],
  sender: Agent | undefined,
  config: unknown,
) => AgentMessage | Promise<AgentMessage>;

/** One chat of a nested chat queue: an `initiateChats` entry whose sender and message may be left out. */
export interface NestedChat extends Omit<ChatQueueEntry, 'sender' | 'message'> {
  /** Default: the agent the nested chats are registered on. */
  sender?: ConversableAgent;
  /** Default, for the first chat only: the content of the message that triggered the nested chats. */
  message?: AgentMessage | NestedMessageFunction;
}

/** Turns a queue of nested chats into a reply (AutoGen's `reply_func_from_nested_chats`). */
export type NestedChatsReplyFunction<C = unknown> = (
  chatQueue: readonly NestedChat[],
  recipient: ConversableAgent,
  messages: readonly HistoryMessage[],
  sender: Agent | undefined,
  config: C,
) => ReplyResult | Promise<ReplyResult>;

/** Options of `ConversableAgent.registerNestedChats`. */
export interface RegisterNestedChatsOptions<C> extends Omit<RegisterReplyOptions<C>, 'removeOtherReplyFuncs'> {
  /** Which senders start the nested chats (see `registerReply`). Required; `undefined` means any sender. */
  trigger: ReplyTrigger;
  /** Default: {@link summaryFromNestedChats}. */
  replyFuncFromNestedChats?: NestedChatsReplyFunction<C>;
  /**
   * Default: 1, right after the termination and human-reply check (AutoGen's default of 2 counts its sync and async
   * copies of that check).
   */
  position?: number;
}

/**
 * AutoGen's `_get_chats_to_run`: the chats of the queue with their sender and first message filled in; a chat whose
 * message comes out empty is left out.
 */
export async function chatsToRun(
  chatQueue: readonly NestedChat[],
  recipient: ConversableAgent,
  messages: readonly HistoryMessage[],
  sender: Agent | undefined,
  config: unknown,
): Promise<ChatQueueEntry[]> {
  const lastContent = messages.at(-1)?.content ?? null;
  const chats: ChatQueueEntry[] = [];
  for (const [i, chat] of chatQueue.entries()) {
    let message = chat.message ?? (i === 0 ? lastContent : undefined);
    if (typeof message === 'function') message = await message(recipient, messages, sender, config);
    if (message === undefined || message === null || message === '') continue;
    chats.push({ ...chat, sender: chat.sender ?? recipient, message });
  }
  return chats;
}

/**
 * The default nested-chats reply: runs the chats with `initiateChats` and replies with the last chat's summary; with no
 * chat to run, replies with nothing (the conversation ends), as AutoGen does.
 */
export const summaryFromNestedChats: NestedChatsReplyFunction = async (
  chatQueue,
  recipient,
  messages,
  sender,
  config,
) => {
  const chats = await chatsToRun(chatQueue, recipient, messages, sender, config);
  if (chats.length === 0) return { final: true, reply: null };
  const results = await initiateChats(chats);
  return { final: true, reply: results.at(-1)!.summary };
};

/** Checks a nested chat queue when it is registered, so that a mistake shows before any chat runs. */
function checkNestedChats(chatQueue: readonly NestedChat[]): void {
  if (!Array.isArray(chatQueue) || chatQueue.length === 0) {
    throw new DefinitionError('OPTION_INVALID', 'registerNestedChats needs a non-empty array of chats.');
  }
  const isAgent = (value: unknown): boolean =>
    typeof (value as { initiateChat?: unknown } | null)?.initiateChat === 'function';
  chatQueue.forEach((chat, i) => {
    if (typeof chat !== 'object' || chat === null || !isAgent(chat.recipient)) {
      throw new DefinitionError(
        'OPTION_INVALID',
        `registerNestedChats chat ${i}: 'recipient' must be a ConversableAgent.`,
      );
    }
    if (chat.sender !== undefined && !isAgent(chat.sender)) {
      throw new DefinitionError(
        'OPTION_INVALID',
        `registerNestedChats chat ${i}: 'sender' must be a ConversableAgent.`,
      );
    }
  });
}

/**
 * What `registerNestedChats` registers (AutoGen's `register_nested_chats`): the trigger, a reply function that runs
 * `chatQueue` through `replyFuncFromNestedChats`, and the reply options (position 1 by default).
 */
export function nestedChatsRegistration<C>(
  chatQueue: readonly NestedChat[],
  options: RegisterNestedChatsOptions<C>,
): { trigger: ReplyTrigger; replyFunc: ReplyFunction<C>; replyOptions: RegisterReplyOptions<C> } {
  checkNestedChats(chatQueue);
  if (typeof options !== 'object' || options === null || !('trigger' in options)) {
    throw new DefinitionError(
      'OPTION_INVALID',
      "registerNestedChats needs options with a 'trigger' (undefined: any sender).",
    );
  }
  const { trigger, replyFuncFromNestedChats, position = 1, ...replyOptions } = options;
  const fromNestedChats = replyFuncFromNestedChats ?? (summaryFromNestedChats as NestedChatsReplyFunction<C>);
  const replyFunc: ReplyFunction<C> = (recipient, messages, sender, config) =>
    fromNestedChats(chatQueue, recipient, messages, sender, config);
  return { trigger, replyFunc, replyOptions: { ...replyOptions, position } };
}
