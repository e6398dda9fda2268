import { IOStream } from '../io/iostream.js';
import type { LlmMessage } from '../llm/llm-client.js';
import type { ChatMessage } from '../protocol/events.js';
import type { Agent } from './agent.js';
import type { ConversableAgent } from './conversable-agent.js';
import type { GroupChat } from './group-chat.js';
import { agentList, formatTemplate } from './group-chat-prompts.js';
import { toLlmMessages } from './oai-messages.js';

/** The names AutoGen's speaker selection chat gives its two agents; the model sees them in the messages' `name`. */
export const CHECKING_AGENT = 'checking_agent';
export const SPEAKER_SELECTION_AGENT = 'speaker_selection_agent';

/** A message of the checking side of the selection chat: the model's answers, then the verdict. */
export interface SelectionMessage {
  role: string;
  content: string | null;
  name?: string;
}

/**
 * Judges the model's last answer in `messages` (AutoGen's `_validate_speaker_name`). Exactly one agent named: appends
 * `[AGENT SELECTED]name` and returns `null`. Several or none, with attempts left: returns the message that asks again
 * (AutoGen's multiple or none template). No attempts left: appends `[AGENT SELECTION FAILED]…` and returns `null`.
 */
export function validateSpeakerName(
  groupChat: GroupChat,
  messages: SelectionMessage[],
  attemptsLeft: number,
  attempt: number,
  agents: readonly ConversableAgent[],
): LlmMessage | null {
  const answer = (messages.at(-1)?.content ?? '').trim();
  const named = Object.keys(groupChat.mentionedAgents(answer, agents));
  if (named.length === 1) {
    messages.push({ role: 'user', content: `[AGENT SELECTED]${named[0]!}` });
    return null;
  }
  const several = named.length > 1;
  if (attemptsLeft > 0) {
    const template = several ? groupChat.selectSpeakerAutoMultipleTemplate : groupChat.selectSpeakerAutoNoneTemplate;
    return {
      role: groupChat.roleForSelectSpeakerMessages,
      content: formatTemplate(template, { agentlist: agentList(agents) }),
      name: CHECKING_AGENT,
    };
  }
  const why = several ? 'returned multiple names' : 'did not include any agent names';
  messages.push({
    role: 'user',
    content: `[AGENT SELECTION FAILED]Select speaker attempt #${attempt} of ${attempt + attemptsLeft} failed as it ${why}.`,
  });
  return null;
}

/**
 * The speaker the selection chat ended on (AutoGen's `_process_speaker_selection_result`): the agent of
 * `[AGENT SELECTED]name`, else (a failed selection) the agent after `lastSpeaker` among `agents`; `undefined` for an
 * empty chat.
 */
export function processSpeakerSelectionResult(
  groupChat: GroupChat,
  chatHistory: readonly SelectionMessage[],
  lastSpeaker: Agent,
  agents: readonly ConversableAgent[] | undefined,
): ConversableAgent | undefined {
  const last = chatHistory.at(-1);
  if (last === undefined) return undefined;
  const final = last.content ?? '';
  if (final.includes('[AGENT SELECTED]')) return groupChat.agentByName(final.replaceAll('[AGENT SELECTED]', ''));
  return groupChat.nextAgent(lastSpeaker, agents);
}

/** The group's messages as AutoGen's selection chat starts from them: a copy, the last one's tool calls removed. */
function selectionHistory(messages: readonly ChatMessage[]): ChatMessage[] {
  const copy = [...messages];
  const last = copy.at(-1);
  if (last?.tool_calls !== undefined) {
    // The API rejects tool calls that no result follows.
    const { tool_calls: _calls, ...rest } = last;
    copy[copy.length - 1] = rest;
  }
  return copy;
}

/**
 * 'auto' speaker selection (AutoGen 0.2's `_auto_select_speaker`). AutoGen runs it as a chat between two inner agents;
 * this sends the model the same requests: the selection system message, the group's messages, the selection prompt
 * (from `checking_agent`, in `roleForSelectSpeakerMessages`), and on each retry the model's answer and the multiple
 * or none template, until exactly one agent is named or the retries run out (then: the next agent in order). Without
 * a model (no `selectSpeakerAutoLlmConfig`, a manager without `llmConfig`) every attempt fails, as in AutoGen.
 */
export async function autoSelectSpeaker(
  groupChat: GroupChat,
  lastSpeaker: Agent,
  selector: ConversableAgent,
  agents: readonly ConversableAgent[] = groupChat.agents,
): Promise<ConversableAgent> {
  const maxAttempts = 1 + groupChat.maxRetriesForSelectingSpeaker;
  const llmConfig = groupChat.selectSpeakerAutoLlmConfig ?? selector.llmConfig;
  const history = selectionHistory(groupChat.messages);
  const prompt = groupChat.selectSpeakerPrompt(agents);
  const last = history.at(-1);
  // Without a prompt template AutoGen sends the last message again, as the selection agent receives it.
  const start: LlmMessage[] =
    prompt !== null
      ? [{ role: groupChat.roleForSelectSpeakerMessages, content: prompt, name: CHECKING_AGENT }]
      : last === undefined
        ? []
        : toLlmMessages([{ ...last, role: last.role === 'tool' ? 'tool' : 'user' }]);
  const conversation: LlmMessage[] = [...toLlmMessages(history), ...start];
  const checked: SelectionMessage[] = [];
  const signal = IOStream.getDefault().signal;
  for (let attempt = 1; ; attempt++) {
    let answer = '';
    if (llmConfig !== false) {
      const result = await groupChat.selectionClient(llmConfig).create({
        messages: [{ role: 'system', content: groupChat.selectSpeakerMsg(agents) }, ...conversation],
        ...(signal ? { signal } : {}),
        agent: SPEAKER_SELECTION_AGENT,
      });
      answer = result.content ?? '';
    }
    conversation.push({ role: 'assistant', content: answer, name: SPEAKER_SELECTION_AGENT });
    checked.push({ role: 'user', content: answer, name: SPEAKER_SELECTION_AGENT });
    const again = validateSpeakerName(groupChat, checked, maxAttempts - attempt, attempt, agents);
    if (again === null) break;
    conversation.push(again);
  }
  return (
    processSpeakerSelectionResult(groupChat, checked, lastSpeaker, agents) ?? groupChat.nextAgent(lastSpeaker, agents)
  );
}
