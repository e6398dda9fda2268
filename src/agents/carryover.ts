import { DefinitionError } from '../errors.js';
import type { AgentMessage } from './agent.js';

/** One piece of carryover: text, or a message whose content is used (AutoGen accepts both). */
export type CarryoverItem = string | { content?: unknown };

/** What a chat carries over from earlier ones: text, or pieces joined by newlines. */
export type Carryover = string | readonly CarryoverItem[];

/** AutoGen's `_post_process_carryover_item`: a piece of carryover as text. */
export function carryoverItemText(item: CarryoverItem): string {
  if (typeof item === 'string') return item;
  if (typeof item === 'object' && item !== null && 'content' in item) return String(item.content);
  return JSON.stringify(item) ?? String(item);
}

function isEmpty(carryover: Carryover | null | undefined): boolean {
  return carryover === undefined || carryover === null || carryover.length === 0;
}

/**
 * AutoGen's `_process_carryover`: `content`, then "\nContext: \n" and the carryover (pieces joined by newlines). No
 * carryover (none, "" or []) leaves the content as it is.
 */
export function processCarryover(content: string, carryover: Carryover | null | undefined): string {
  if (isEmpty(carryover)) return content;
  if (typeof carryover === 'string') return `${content}\nContext: \n${carryover}`;
  if (Array.isArray(carryover)) return `${content}\nContext: \n${carryover.map(carryoverItemText).join('\n')}`;
  throw new DefinitionError(
    'OPTION_INVALID',
    `'carryover' must be a string or an array of strings (got ${typeof carryover}); the carryover was not added.`,
  );
}

/**
 * AutoGen's `_handle_carryover`: the first message of a chat with the carryover appended to its content. The message
 * object is copied, never changed; a function content gets the carryover appended to what it returns.
 */
export function handleCarryover(message: AgentMessage, carryover: Carryover | null | undefined): AgentMessage {
  if (isEmpty(carryover)) return message;
  if (typeof message === 'string') return processCarryover(message, carryover);
  const content = message.content;
  if (typeof content === 'string') return { ...message, content: processCarryover(content, carryover) };
  if (typeof content === 'function') {
    return { ...message, content: (context) => processCarryover(content(context), carryover) };
  }
  return message;
}
