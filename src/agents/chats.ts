import { DefinitionError } from '../errors.js';
import { carryoverItemText, type CarryoverItem } from './carryover.js';
import { IOStream } from '../io/iostream.js';
import type { ChatResult } from './chat-result.js';
import type { ConversableAgent } from './conversable-agent.js';
import { checkChatOptions, checkSummaryModel, type InitiateChatOptions } from './initiate-chat-options.js';

/** One chat of {@link initiateChats}: `initiateChat`'s options, the two agents, and how it takes carryover. */
export interface ChatQueueEntry extends InitiateChatOptions {
  /** The agent that starts the chat. Required (the agent method `initiateChats` fills it in with itself). */
  sender: ConversableAgent;
  recipient: ConversableAgent;
  /** An id, copied to the chat's result; required on every chat when one has `prerequisites`. */
  chatId?: number;
  /**
   * The ids of the chats this one waits for (AutoGen's async chats). Chats then run one by one in an order that puts
   * every chat after its prerequisites, and a chat's carryover is its prerequisites' summaries only.
   */
  prerequisites?: readonly number[];
  /** Show the chat's first message and carryover in its "Starting a new chat...." banner. Default: false. */
  verbose?: boolean;
  /**
   * Finished chats whose summaries are not carried over: their indexes in the queue (their ids when `prerequisites`
   * are used). Default: every finished chat is carried over.
   */
  finishedChatIndexesToExcludeFromCarryover?: readonly number[];
}

const ENTRY_KEYS = new Set([
  'sender',
  'recipient',
  'chatId',
  'prerequisites',
  'finishedChatIndexesToExcludeFromCarryover',
  'verbose',
]);

function isAgent(value: unknown): value is ConversableAgent {
  return typeof (value as { initiateChat?: unknown } | null)?.initiateChat === 'function';
}

function queueError(message: string): DefinitionError {
  return new DefinitionError('OPTION_INVALID', message);
}

/** Checks every chat before the first one starts (AutoGen's `consolidate_chat_info`). */
function checkQueue(queue: readonly ChatQueueEntry[]): void {
  if (!Array.isArray(queue)) throw queueError('initiateChats needs an array of chats.');
  queue.forEach((entry, i) => {
    const where = `initiateChats chat ${i}:`;
    checkChatOptions(entry, where, ENTRY_KEYS);
    for (const role of ['sender', 'recipient'] as const) {
      if (!isAgent(entry[role])) throw queueError(`${where} '${role}' must be a ConversableAgent.`);
    }
    checkSummaryModel(entry.sender, entry.recipient, entry, where);
    for (const key of ['prerequisites', 'finishedChatIndexesToExcludeFromCarryover'] as const) {
      const ids = entry[key];
      if (ids !== undefined && !(Array.isArray(ids) && ids.every(Number.isInteger))) {
        throw queueError(`${where} '${key}' must be an array of integers.`);
      }
    }
    if (entry.chatId !== undefined && !Number.isInteger(entry.chatId)) {
      throw queueError(`${where} 'chatId' must be an integer.`);
    }
  });
}

/**
 * The order the chats run in, as queue indexes: the queue's, or with prerequisites an order where each chat follows its
 * prerequisites (AutoGen's `__find_async_chat_order`, ties in queue order).
 */
function runOrder(queue: readonly ChatQueueEntry[]): number[] {
  if (!queue.some((entry) => entry.prerequisites !== undefined)) return queue.map((_, i) => i);
  const indexById = new Map<number, number>();
  queue.forEach((entry, i) => {
    if (entry.chatId === undefined || indexById.has(entry.chatId)) {
      throw queueError(`initiateChats chat ${i}: every chat needs a unique 'chatId' when prerequisites are used.`);
    }
    indexById.set(entry.chatId, i);
  });
  const done = new Set<number>();
  const order: number[] = [];
  while (order.length < queue.length) {
    const next = queue.findIndex(
      (entry, i) => !done.has(i) && (entry.prerequisites ?? []).every((id) => done.has(indexById.get(id) ?? -1)),
    );
    if (next === -1) {
      const stuck = queue.filter((_, i) => !done.has(i)).map((entry) => entry.chatId);
      const unknown = queue.flatMap((entry) => (entry.prerequisites ?? []).filter((id) => !indexById.has(id)));
      throw queueError(
        unknown.length > 0
          ? `initiateChats: prerequisites name chats that are not in the queue: ${unknown.join(', ')}.`
          : `initiateChats: prerequisites form a cycle among chats ${stuck.join(', ')}.`,
      );
    }
    done.add(next);
    order.push(next);
  }
  return order;
}

/** A chat's first message as AutoGen's banner prints it. */
function describeFirstMessage(message: InitiateChatOptions['message']): string {
  if (typeof message === 'string') return message;
  if (typeof message === 'function') return `Callable: ${message.name}`;
  if (message === undefined || message === null) return 'None';
  return `Dict: ${JSON.stringify(message)}`;
}

/** The carryover as AutoGen's banner prints it: one item per line. */
function carryoverText(carryover: readonly CarryoverItem[]): string {
  return carryover.map(carryoverItemText).join('\n');
}

/**
 * AutoGen 0.2's `initiate_chats`: runs the chats one after another; each chat's first message carries over the
 * summaries of the chats before it (after its own `carryover`). Resolves with the results in queue order.
 * @example
 * const [research, post] = await initiateChats([
 *   { sender: user, recipient: researcher, message: 'Find the facts.', maxTurns: 1 },
 *   { sender: user, recipient: writer, message: 'Write a post.', summaryMethod: 'reflection_with_llm' },
 * ]);
 */
export async function initiateChats(queue: readonly ChatQueueEntry[]): Promise<ChatResult[]> {
  checkQueue(queue);
  const byPrerequisites = queue.some((entry) => entry.prerequisites !== undefined);
  const results: ChatResult[] = [];
  const finished: ChatResult[] = [];
  const resultById = new Map<number, ChatResult>();
  for (const index of runOrder(queue)) {
    const entry = queue[index]!;
    const {
      sender,
      recipient,
      chatId,
      prerequisites,
      finishedChatIndexesToExcludeFromCarryover = [],
      verbose = false,
      ...options
    } = entry;
    const excluded = new Set(finishedChatIndexesToExcludeFromCarryover);
    // Sync chats carry over every finished chat (excluded by position); chats with prerequisites carry over those.
    const carried = byPrerequisites
      ? (prerequisites ?? []).filter((id) => !excluded.has(id)).map((id) => resultById.get(id)!)
      : finished.filter((_, position) => !excluded.has(position));
    const own = options.carryover ?? [];
    const carryover: CarryoverItem[] = [
      ...(typeof own === 'string' ? [own] : own),
      ...carried.map((result) => result.summary),
    ];
    if (options.silent !== true) {
      IOStream.getDefault().send({
        type: 'post_carryover_processing',
        content: { message: describeFirstMessage(options.message), carryover: carryoverText(carryover), verbose },
      });
    }
    const result = await sender.initiateChat(recipient, { ...options, carryover });
    if (chatId !== undefined) {
      result.chatId = chatId;
      resultById.set(chatId, result);
    }
    results[index] = result;
    finished.push(result);
  }
  return results;
}

/**
 * `queue` with `sender` in every entry that names none (`agent.initiateChats`); anything but an array is passed on for
 * {@link initiateChats} to reject with its message.
 */
export function withDefaultSender(
  queue: ReadonlyArray<Omit<ChatQueueEntry, 'sender'> & { sender?: ConversableAgent }>,
  sender: ConversableAgent,
): ChatQueueEntry[] {
  const entries = Array.isArray(queue) ? queue.map((chat) => ({ ...chat, sender: chat.sender ?? sender })) : queue;
  return entries as ChatQueueEntry[];
}
