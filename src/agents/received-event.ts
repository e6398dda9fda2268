import type { TextEvent, ToolCallEvent, ToolResponseEvent } from '../protocol/events.js';
import type { HistoryMessage } from './agent.js';
import { instantiateContent } from './message-context.js';

/**
 * AutoGen's `_print_received_message`, as one event: tool results, tool calls, or text (a template filled from the
 * message's `context` when the receiver allows format templates).
 */
export function receivedEvent(
  message: HistoryMessage,
  sender: string,
  recipient: string,
  allowFormat: boolean,
): TextEvent | ToolCallEvent | ToolResponseEvent {
  const names = { sender, recipient };
  if (message.tool_responses && message.tool_responses.length > 0) {
    const content = { role: 'tool' as const, tool_responses: message.tool_responses, content: message.content ?? '' };
    return { type: 'tool_response', content: { ...content, ...names } };
  }
  if (message.tool_calls && message.tool_calls.length > 0) {
    return { type: 'tool_call', content: { content: message.content, tool_calls: message.tool_calls, ...names } };
  }
  const content = message.content === null ? null : instantiateContent(message.content, message.context, allowFormat);
  return { type: 'text', content: { content, ...names } };
}
