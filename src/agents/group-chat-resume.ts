import { DefinitionError } from '../errors.js';
import type { ChatMessage } from '../protocol/events.js';
import type { GroupChat } from './group-chat.js';

/** Options of `GroupChatManager.resume`. */
export interface GroupChatResumeOptions {
  /**
   * Taken out of the last message so that it does not end the resumed chat at once: a string removed wherever it
   * occurs, or a function given the content that returns it changed. Default: none.
   */
  removeTerminationString?: string | ((content: string) => string);
  /** Do not send the `group_chat_resume` event. Default: `false`. */
  silent?: boolean;
}

const RESUME_OPTION_KEYS = new Set(['removeTerminationString', 'silent']);

function resumeError(message: string): DefinitionError {
  return new DefinitionError('MESSAGE_INVALID', `GroupChatManager.resume: ${message}`);
}

/** Checks `resume`'s options before anything changes. */
export function checkResumeOptions(options: GroupChatResumeOptions): void {
  if (typeof options !== 'object' || options === null) throw resumeError('options must be an object.');
  for (const key of Object.keys(options)) {
    if (!RESUME_OPTION_KEYS.has(key)) throw resumeError(`option '${key}' is unknown.`);
  }
  const remove = options.removeTerminationString;
  if (remove !== undefined && typeof remove !== 'string' && typeof remove !== 'function') {
    throw resumeError("option 'removeTerminationString' must be a string or a function.");
  }
}

/**
 * The messages to resume from, as a fresh copy: a list of messages, or its JSON text (what `messagesToString` made).
 */
export function resumeMessages(messages: unknown): ChatMessage[] {
  let list = messages;
  if (typeof messages === 'string') {
    try {
      list = JSON.parse(messages);
    } catch {
      throw resumeError('the messages string is not valid JSON: give the text messagesToString() made, or a list.');
    }
  }
  if (!Array.isArray(list) || !list.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m))) {
    throw resumeError('messages must be a list of message objects, or its JSON text.');
  }
  return structuredClone(list as ChatMessage[]);
}

/**
 * AutoGen's `_valid_resume_messages`: there are messages, and each one's `name` is an agent of the group, its admin
 * or the manager.
 */
export function checkResumeMessages(groupChat: GroupChat, managerName: string, messages: readonly ChatMessage[]): void {
  if (messages.length === 0) {
    throw resumeError(
      'Cannot resume group chat as no messages were provided. Use initiateChat with the manager to start a new chat.',
    );
  }
  for (const message of messages) {
    const name = message.name;
    if (name && !groupChat.agentByName(name) && name !== groupChat.adminName && name !== managerName) {
      throw resumeError(`Agent name in message doesn't exist as agent in group chat: ${name}`);
    }
  }
}

/** AutoGen's `_process_resume_termination`: takes the termination string out of the last message's content. */
export function removeTerminationString(
  messages: ChatMessage[],
  remove: string | ((content: string) => string) | undefined,
): void {
  const last = messages.at(-1);
  if (remove === undefined || !last?.content) return;
  last.content = typeof remove === 'string' ? last.content.replaceAll(remove, '') : remove(last.content);
}
