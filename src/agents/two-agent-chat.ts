import type { AgentMessage } from './agent.js';
import { emitChatEnd, mergeUsage, type ChatResult } from './chat-result.js';
import { summarizeChat } from './chat-summary.js';
import type { ConversableAgent } from './conversable-agent.js';
import type { ChatState } from './conversations.js';
import type { InitiateChatOptions } from './initiate-chat-options.js';

/**
 * The course of one `initiateChat` (AutoGen's `initiate_chat` after its checks): both agents readied, the first message
 * sent, replies until one side has none (or `maxTurns` exchanges), then the summary, the result and `chat_end`.
 * `chat` is the state both agents share meanwhile; the agent has already put it in place.
 */
export async function runTwoAgentChat(
  sender: ConversableAgent,
  recipient: ConversableAgent,
  options: InitiateChatOptions,
  chat: ChatState,
): Promise<ChatResult> {
  const { message, maxTurns, clearHistory = true, summaryMethod = 'last_msg', summaryArgs = {}, silent } = options;
  const first = async (): Promise<AgentMessage> =>
    typeof message === 'function'
      ? message(sender, recipient, { ...options.context, carryover: options.carryover })
      : sender.generateInitMessage(message, options.carryover);
  sender.prepareChat(recipient, clearHistory, maxTurns === undefined);
  recipient.prepareChat(sender, clearHistory, maxTurns === undefined);
  if (maxTurns !== undefined) {
    let turn = 0;
    for (; turn < maxTurns; turn++) {
      const next = turn === 0 ? await first() : await sender.generateReply({ sender: recipient });
      if (next === null) break;
      await sender.send(next, recipient, true, silent);
    }
    if (turn === maxTurns) chat.terminationReason = `Maximum turns (${maxTurns}) reached`;
  } else {
    await sender.send(await first(), recipient, undefined, silent);
  }
  const result: ChatResult = {
    chatHistory: [...sender.chatMessages(recipient)],
    summary: await summarizeChat(summaryMethod, summaryArgs, sender, recipient),
    cost: mergeUsage(sender.usage, recipient.usage),
    humanInput: [...chat.humanInput],
    terminationReason: chat.terminationReason ?? 'no reply',
  };
  emitChatEnd(sender.name, recipient.name, result);
  return result;
}
