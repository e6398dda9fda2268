import { describe, expect, it } from 'vitest';
import {
  decideHumanReply,
  humanQuestion,
  humanQuestionPrompt,
  terminationReasonText,
  type HumanQuestion,
  type HumanReplyDecision,
  type HumanReplySituation,
} from '../../src/agents/human-reply.js';
import type { HumanInputMode } from '../../src/protocol/events.js';

/** mode, auto-replies so far, limit, termination message?, the human's answer (undefined: not asked) */
type Row = [HumanInputMode, number, number, boolean, string | undefined, HumanQuestion | null, HumanReplyDecision];

const end = (reason: Extract<HumanReplyDecision, { action: 'end' }>['reason']): HumanReplyDecision => ({
  action: 'end',
  reason,
});
const reply = (content: string): HumanReplyDecision => ({ action: 'reply', content });
const auto: HumanReplyDecision = { action: 'auto' };

// AutoGen 0.2's check_termination_and_human_reply, case by case.
const TABLE: Row[] = [
  // ALWAYS: asked on every message, whatever the counter.
  ['ALWAYS', 0, 100, false, 'hello', 'always', reply('hello')],
  ['ALWAYS', 0, 100, false, '', 'always', auto],
  ['ALWAYS', 0, 100, false, 'exit', 'always', end('user_exit')],
  ['ALWAYS', 0, 100, true, '', 'always', end('termination')],
  ['ALWAYS', 0, 100, true, 'go on', 'always', reply('go on')],
  ['ALWAYS', 5, 5, false, '', 'always', auto],
  ['ALWAYS', 0, 0, false, '', 'always', reply('')],
  // TERMINATE below the limit: asked only at a termination message.
  ['TERMINATE', 0, 100, false, undefined, null, auto],
  ['TERMINATE', 0, 100, true, '', 'stop', end('termination_no_input')],
  ['TERMINATE', 0, 100, true, 'exit', 'stop', end('termination_no_input')],
  ['TERMINATE', 0, 100, true, 'keep going', 'stop', reply('keep going')],
  // TERMINATE at the limit: asked; enter auto-replies unless the message ends the chat.
  ['TERMINATE', 2, 2, false, '', 'limit', auto],
  ['TERMINATE', 2, 2, false, 'exit', 'limit', end('user_exit')],
  ['TERMINATE', 2, 2, false, 'more', 'limit', reply('more')],
  ['TERMINATE', 2, 2, true, '', 'stop', end('termination_no_input')],
  ['TERMINATE', 2, 2, true, 'exit', 'stop', end('user_exit')],
  ['TERMINATE', 0, 0, false, '', 'limit', reply('')],
  // NEVER: never asked; stops at the limit and at a termination message.
  ['NEVER', 0, 100, false, undefined, null, auto],
  ['NEVER', 0, 100, true, undefined, null, end('termination')],
  ['NEVER', 3, 3, false, undefined, null, end('max_auto_replies')],
  ['NEVER', 3, 3, true, undefined, null, end('max_auto_replies')],
  ['NEVER', 0, 0, false, undefined, null, end('max_auto_replies')],
];

describe('the human-reply decision table', () => {
  it.each(TABLE)(
    '%s, %i of %i auto-replies, termination %s, answer %j: asks %s',
    (humanInputMode, autoReplies, maxAutoReplies, isTermination, answer, question, decision) => {
      const situation: HumanReplySituation = { humanInputMode, autoReplies, maxAutoReplies, isTermination };
      expect(humanQuestion(situation)).toBe(question);
      expect(decideHumanReply(situation, answer)).toEqual(decision);
    },
  );

  it('words its prompts and termination reasons as AutoGen and AG2 do', () => {
    expect(humanQuestionPrompt('always', 'user', 'bot')).toBe(
      "Replying as user. Provide feedback to bot. Press enter to skip and use auto-reply, or type 'exit' to end the conversation: ",
    );
    expect(humanQuestionPrompt('limit', 'user', 'bot')).toBe(
      "Please give feedback to bot. Press enter to skip and use auto-reply, or type 'exit' to stop the conversation: ",
    );
    expect(humanQuestionPrompt('stop', 'user', 'the sender')).toBe(
      "Please give feedback to the sender. Press enter or type 'exit' to stop the conversation: ",
    );
    expect(terminationReasonText('user_exit', 'user')).toBe('User requested to end the conversation');
    expect(terminationReasonText('termination', 'user')).toBe("Termination message condition on agent 'user' met");
    expect(terminationReasonText('termination_no_input', 'user')).toBe(
      "Termination message condition on agent 'user' met and no human input provided",
    );
    expect(terminationReasonText('max_auto_replies', 'user')).toBe(
      'Maximum number of consecutive auto-replies reached',
    );
  });
});
