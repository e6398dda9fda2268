import { IOStream } from '../io/iostream.js';
import type { HumanInputMode } from '../protocol/events.js';
import type { Agent, HistoryMessage } from './agent.js';
import type { ConversableAgent } from './conversable-agent.js';
import type { Conversations } from './conversations.js';
import type { ReplyResult } from './reply-functions.js';

/** What AutoGen 0.2's `check_termination_and_human_reply` looks at when a message arrives. */
export interface HumanReplySituation {
  humanInputMode: HumanInputMode;
  /** Auto-replies in a row so far to this sender. */
  autoReplies: number;
  /** The limit of auto-replies in a row to this sender. */
  maxAutoReplies: number;
  /** Whether the last message is a termination message (the agent's `isTerminationMsg`). */
  isTermination: boolean;
}

/**
 * The question put to the human: `always` on every message (ALWAYS), `limit` at the auto-reply limit, `stop` at a
 * termination message (also when it comes at the limit).
 */
export type HumanQuestion = 'always' | 'limit' | 'stop';

/** Why a conversation ends, in AG2's words (see {@link terminationReasonText}). */
export type HumanReplyEnd = 'user_exit' | 'termination' | 'termination_no_input' | 'max_auto_replies';

/** What the agent does: end the conversation, send the human's reply, or go on to its automatic replies. */
export type HumanReplyDecision =
  { action: 'end'; reason: HumanReplyEnd } | { action: 'reply'; content: string } | { action: 'auto' };

/** Whom the agent asks before replying, or `null` when it asks nobody. */
export function humanQuestion(situation: HumanReplySituation): HumanQuestion | null {
  const { humanInputMode: mode, autoReplies, maxAutoReplies, isTermination } = situation;
  if (mode === 'ALWAYS') return 'always';
  if (mode === 'NEVER') return null;
  if (autoReplies >= maxAutoReplies) return isTermination ? 'stop' : 'limit';
  return isTermination ? 'stop' : null;
}

/**
 * AutoGen 0.2's decision table: given the situation and the human's answer (`undefined` when nobody was asked), end,
 * reply or auto-reply. "exit" always ends; an empty answer ends at a termination message, and is sent as an empty
 * reply when `maxAutoReplies` is 0 (no auto-reply is allowed).
 */
export function decideHumanReply(situation: HumanReplySituation, answer: string | undefined): HumanReplyDecision {
  const { humanInputMode: mode, autoReplies, maxAutoReplies, isTermination } = situation;
  const atLimit = autoReplies >= maxAutoReplies;
  if (answer === undefined) {
    // Nobody was asked: NEVER stops at the limit and at a termination message; otherwise replies on its own.
    if (mode === 'NEVER' && atLimit) return { action: 'end', reason: 'max_auto_replies' };
    if (mode === 'NEVER' && isTermination) return { action: 'end', reason: 'termination' };
    return { action: 'auto' };
  }
  if (mode === 'ALWAYS') {
    if (answer === 'exit') return { action: 'end', reason: 'user_exit' };
    if (answer === '' && isTermination) return { action: 'end', reason: 'termination' };
  } else if (atLimit) {
    if (answer === 'exit') return { action: 'end', reason: 'user_exit' };
    if (answer === '' && isTermination) return { action: 'end', reason: 'termination_no_input' };
  } else if (answer === '' || answer === 'exit') {
    // Asked because of a termination message (AG2 names a typed "exit" here as "no human input" too).
    return { action: 'end', reason: 'termination_no_input' };
  }
  if (answer !== '' || maxAutoReplies === 0) return { action: 'reply', content: answer };
  return { action: 'auto' };
}

/** The prompt of each question, AutoGen's words; `them` is the sender's name ("the sender" when there is none). */
export function humanQuestionPrompt(question: HumanQuestion, me: string, them: string): string {
  switch (question) {
    case 'always':
      return `Replying as ${me}. Provide feedback to ${them}. Press enter to skip and use auto-reply, or type 'exit' to end the conversation: `;
    case 'limit':
      return `Please give feedback to ${them}. Press enter to skip and use auto-reply, or type 'exit' to stop the conversation: `;
    case 'stop':
      return `Please give feedback to ${them}. Press enter or type 'exit' to stop the conversation: `;
  }
}

/** A chat's `terminationReason` for an end decision, in AG2's words. */
export function terminationReasonText(reason: HumanReplyEnd, me: string): string {
  switch (reason) {
    case 'user_exit':
      return 'User requested to end the conversation';
    case 'termination':
      return `Termination message condition on agent '${me}' met`;
    case 'termination_no_input':
      return `Termination message condition on agent '${me}' met and no human input provided`;
    case 'max_auto_replies':
      return 'Maximum number of consecutive auto-replies reached';
  }
}

/**
 * AutoGen 0.2's `check_termination_and_human_reply` for `agent`: asks the human when the table says so, updates the
 * auto-reply counter, says why the chat ends when it does, and emits `no_human_input` / `using_auto_reply` as AutoGen prints.
 */
export async function checkTerminationAndHumanReply(
  agent: ConversableAgent,
  state: Conversations,
  messages: readonly HistoryMessage[],
  sender: Agent | undefined,
): Promise<ReplyResult> {
  const message = messages.at(-1);
  if (message === undefined) return { final: false };
  const [me, them] = [agent.name, sender?.name ?? 'the sender'];
  const situation: HumanReplySituation = {
    humanInputMode: agent.humanInputMode,
    autoReplies: state.autoReplies.get(sender) ?? 0,
    maxAutoReplies: state.maxAutoReplyFor(sender),
    isTermination: agent.isTerminationMsg(message),
  };
  const question = humanQuestion(situation);
  const answer = question === null ? undefined : await agent.getHumanInput(humanQuestionPrompt(question, me, them));
  const io = IOStream.getDefault();
  if (answer === '') io.send({ type: 'no_human_input', content: { sender: me, recipient: them } });
  const decision = decideHumanReply(situation, answer);
  if (decision.action === 'auto') {
    state.autoReplies.set(sender, situation.autoReplies + 1);
    if (agent.humanInputMode !== 'NEVER') {
      io.send({
        type: 'using_auto_reply',
        content: { human_input_mode: agent.humanInputMode, sender: them, recipient: me },
      });
    }
    return { final: false };
  }
  state.autoReplies.set(sender, 0);
  if (decision.action === 'end') {
    return { final: true, reply: null, terminationReason: terminationReasonText(decision.reason, me) };
  }
  const reply: HistoryMessage = { role: 'user', content: decision.content };
  // Tool calls the human cut short still need answers, or the model API rejects the next request.
  if (message.tool_calls && message.tool_calls.length > 0) {
    const interrupted = { role: 'tool' as const, content: 'USER INTERRUPTED' };
    reply.tool_responses = message.tool_calls.map((call) => ({ tool_call_id: call.id, ...interrupted }));
  }
  return { final: true, reply };
}
