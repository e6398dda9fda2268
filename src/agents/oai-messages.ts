import type { CompletionResult, LlmMessage } from '../llm/llm-client.js';
import type { AgentMessage, HistoryMessage } from './agent.js';
import { instantiateContent } from './message-context.js';

/**
 * The history entry AutoGen makes of a sent or received message (its `_append_oai_message`), or `null` when the message
 * has neither content nor tool calls. `role` is the side's default ("assistant" when sending, "user" when receiving);
 * `name` is the sending agent's name, added unless the message names itself or carries tool calls. A function content
 * is called with the message's `context` here, so that the history holds text (AutoGen keeps the function).
 */
export function toStoredMessage(
  message: AgentMessage,
  role: 'user' | 'assistant',
  name: string,
): HistoryMessage | null {
  const input = typeof message === 'string' ? { content: message } : message;
  const stored: HistoryMessage = { role, content: null };
  const content = input.content;
  if (typeof content === 'function') stored.content = content(input.context ?? {});
  else if (content !== undefined && content !== null) stored.content = content;
  else if (!input.tool_calls) return null;
  if (input.tool_calls) stored.tool_calls = structuredClone(input.tool_calls);
  if (input.tool_responses) {
    stored.tool_responses = input.tool_responses.map((r) => ({ ...r, content: String(r.content) }));
  }
  if (input.tool_call_id !== undefined && input.tool_call_id !== null) stored.tool_call_id = input.tool_call_id;
  if (input.name !== undefined && input.name !== null) stored.name = input.name;
  if (input.context !== undefined && input.context !== null) stored.context = input.context;

  if (input.role === 'tool') stored.role = 'tool';
  // Only assistant messages may carry tool calls, whichever side records them.
  if (stored.tool_calls && stored.tool_calls.length > 0) stored.role = 'assistant';
  else stored.name ??= name;
  return stored;
}

/**
 * A history in the form the chat completions API takes (AutoGen's `_generate_oai_reply_from_client`): each tool result
 * becomes its own "tool" message; a "tool" message is only the concatenation of its results, so it is dropped.
 * With `allowFormat`, every content is filled from the last message's `context`, as AutoGen's `OpenAIWrapper.create`
 * does; `context` itself never goes to the API.
 */
export function toLlmMessages(messages: readonly HistoryMessage[], allowFormat = false): LlmMessage[] {
  const context = messages.at(-1)?.context;
  const out: LlmMessage[] = [];
  for (const message of messages) {
    const { tool_responses: responses, context: _context, ...rest } = message;
    if (rest.content) rest.content = instantiateContent(rest.content, context, allowFormat);
    if (responses && responses.length > 0) {
      for (const r of responses) out.push({ role: 'tool', tool_call_id: r.tool_call_id, content: r.content });
      if (message.role !== 'tool') out.push(rest);
    } else {
      out.push(rest);
    }
  }
  return out;
}

/** AutoGen's `_normalize_name`: models sometimes return names the API would reject when sent back. */
function normalizeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/** The model's answer as a message, or `null` when it has neither text nor tool calls. */
export function toReply(result: CompletionResult): AgentMessage | null {
  if (result.tool_calls && result.tool_calls.length > 0) {
    const toolCalls = result.tool_calls.map((call) => ({
      ...call,
      function: { ...call.function, name: normalizeName(call.function.name) },
    }));
    return { role: 'assistant', content: result.content, tool_calls: toolCalls };
  }
  return result.content === null ? null : { role: 'assistant', content: result.content };
}
