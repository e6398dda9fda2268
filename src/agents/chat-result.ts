import { IOStream } from '../io/iostream.js';
import type { ChatMessage, UsageSummary } from '../protocol/events.js';
import type { HistoryMessage } from './agent.js';

/** What `initiateChat` returns (AutoGen's ChatResult, plus the reason the chat ended). */
export interface ChatResult {
  /** The chat's `chatId` in `initiateChats`, when it had one. */
  chatId?: number;
  /** The initiating agent's history with the recipient. */
  chatHistory: HistoryMessage[];
  /** The summary made by the chat's `summaryMethod`. */
  summary: string;
  /** Token usage and cost of both agents' models (totals since the agents were made, as in AutoGen). */
  cost: UsageSummary;
  /** Every answer a human gave during the chat, in order, whichever agent asked. */
  humanInput: string[];
  /** Why the chat ended, in AG2's words (for example "Maximum turns (2) reached"). */
  terminationReason: string;
}

/**
 * AutoGen's "last_msg" summary: the last message's content with every "TERMINATE" removed, and nothing else changed
 * (`"Done.\n\nTERMINATE"` gives `"Done.\n\n"`); `''` when there is no message or it has no text.
 */
export function lastMessageSummary(history: readonly ChatMessage[]): string {
  const content = history.at(-1)?.content;
  return typeof content === 'string' ? content.replaceAll('TERMINATE', '') : '';
}

/** Adds usage summaries model by model. */
export function mergeUsage(...summaries: UsageSummary[]): UsageSummary {
  const merged: UsageSummary = { total_cost: 0, models: {} };
  for (const summary of summaries) {
    merged.total_cost += summary.total_cost;
    for (const [model, usage] of Object.entries(summary.models)) {
      const into = (merged.models[model] ??= { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0 });
      into.prompt_tokens += usage.prompt_tokens;
      into.completion_tokens += usage.completion_tokens;
      into.total_tokens += usage.total_tokens;
      into.cost += usage.cost;
    }
  }
  return merged;
}

/** Emits the end of a chat: `chat_end`, and `usage_summary` when a model was used. */
export function emitChatEnd(sender: string, recipient: string, result: ChatResult): void {
  const { summary, cost, terminationReason } = result;
  // A message's context is the program's, not the client's: it stays out of the event.
  const history = result.chatHistory.map(({ context: _context, ...message }) => message);
  const io = IOStream.getDefault();
  io.send({
    type: 'chat_end',
    content: { sender, recipient, termination_reason: terminationReason, summary, cost, history },
  });
  if (Object.keys(cost.models).length > 0) io.send({ type: 'usage_summary', content: cost });
}
