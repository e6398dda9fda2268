import { DefinitionError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import { lastMessageSummary } from './chat-result.js';
import type { ConversableAgent } from './conversable-agent.js';
import type { SummaryArgs, SummaryMethod } from './initiate-chat-options.js';
import { allowsFormatTemplates } from './message-context.js';
import { toLlmMessages } from './oai-messages.js';

/** AutoGen's instruction for "reflection_with_llm". */
export const DEFAULT_SUMMARY_PROMPT =
  'Summarize the takeaway from the conversation. Do not add any introductory phrases.';

/**
 * AutoGen's `_reflection_with_llm_as_summary`: the recipient's model (else the sender's) reads the recipient's messages
 * for the summary, then the summary prompt; no system message.
 */
async function reflectionWithLlm(
  sender: ConversableAgent,
  recipient: ConversableAgent,
  args: SummaryArgs,
): Promise<string> {
  const agent = recipient.client !== undefined ? recipient : sender;
  const client = agent.client;
  if (client === undefined) {
    throw new DefinitionError(
      'OPTION_INVALID',
      "summaryMethod 'reflection_with_llm' needs an llmConfig on the recipient or the sender.",
    );
  }
  const signal = IOStream.getDefault().signal;
  const result = await client.create({
    messages: [
      ...toLlmMessages(recipient.chatMessagesForSummary(sender), allowsFormatTemplates(agent.llmConfig)),
      { role: args.summaryRole ?? 'system', content: args.summaryPrompt ?? DEFAULT_SUMMARY_PROMPT },
    ],
    ...(signal ? { signal } : {}),
    agent: agent.name,
  });
  return result.content ?? '';
}

/** AutoGen's `_summarize_chat`: the summary of the chat `sender` started with `recipient`. */
export async function summarizeChat(
  method: SummaryMethod,
  args: SummaryArgs,
  sender: ConversableAgent,
  recipient: ConversableAgent,
): Promise<string> {
  if (method === null) return '';
  if (typeof method === 'function') return method(sender, recipient, args);
  if (method === 'last_msg') return lastMessageSummary(recipient.chatMessages(sender));
  return reflectionWithLlm(sender, recipient, args);
}
