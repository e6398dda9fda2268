import { DefinitionError } from '../errors.js';
import type { Agent, AgentMessage, HistoryMessage } from './agent.js';
import { toStoredMessage } from './oai-messages.js';

/** What one `initiateChat` shares between its two agents. */
export interface ChatState {
  terminationReason: string | null;
  humanInput: string[];
}

/**
 * An agent's conversations (AutoGen's `_oai_messages`, `_consecutive_auto_reply_counter`, `reply_at_receive`,
 * `_max_consecutive_auto_reply_dict`), by partner, and the chat under way. A partner of `undefined` stands for
 * replies made without a sender.
 */
export class Conversations {
  readonly history = new Map<Agent, HistoryMessage[]>();
  readonly autoReplies = new Map<Agent | undefined, number>();
  readonly replyAtReceive = new Map<Agent, boolean>();
  readonly #maxAutoReplyBySender = new Map<Agent | undefined, number>();
  /** The limit of auto-replies in a row for partners without one of their own. */
  maxAutoReply: number;
  /** The chat this agent takes part in now, if any. */
  chat: ChatState | undefined;

  constructor(maxAutoReply: number, initial: ReadonlyMap<Agent, readonly HistoryMessage[]>) {
    this.maxAutoReply = maxAutoReply;
    for (const [partner, messages] of initial) this.history.set(partner, [...messages]);
  }

  maxAutoReplyFor(sender: Agent | undefined): number {
    return this.#maxAutoReplyBySender.get(sender) ?? this.maxAutoReply;
  }

  /** Sets the limit for `sender`, or for everyone (partners' own limits included). */
  updateMaxAutoReply(value: number, sender: Agent | undefined): void {
    if (!Number.isInteger(value) || value < 0) {
      throw new DefinitionError(
        'AGENT_INVALID',
        `maxConsecutiveAutoReply must be an integer >= 0 (got ${String(value)}).`,
      );
    }
    if (sender !== undefined) return void this.#maxAutoReplyBySender.set(sender, value);
    this.maxAutoReply = value;
    for (const partner of this.#maxAutoReplyBySender.keys()) this.#maxAutoReplyBySender.set(partner, value);
  }

  /** Appends `message` to the history with `partner` (AutoGen's `_append_oai_message`) and returns the entry. */
  record(message: AgentMessage, partner: Agent, role: 'user' | 'assistant', senderName: string): HistoryMessage {
    const stored = toStoredMessage(message, role, senderName);
    if (stored === null) {
      throw new DefinitionError(
        'MESSAGE_INVALID',
        "Message can't be converted into a valid ChatCompletion message. Either content or tool_calls must be provided.",
      );
    }
    let history = this.history.get(partner);
    if (history === undefined) this.history.set(partner, (history = []));
    history.push(stored);
    return stored;
  }

  /** The last message with `partner`; without one, of the only conversation (an error when there are more). */
  lastMessage(agentName: string, partner: Agent | undefined): HistoryMessage | undefined {
    if (partner !== undefined) return this.history.get(partner)?.at(-1);
    if (this.history.size > 1) {
      const partners = [...this.history.keys()].map((a) => a.name).join(', ');
      throw new DefinitionError(
        'OPTION_INVALID',
        `Agent '${agentName}' talks with ${partners}: name one, lastMessage(agent).`,
      );
    }
    return [...this.history.values()][0]?.at(-1);
  }

  /** Makes `chat` the chat under way for this agent and its partner's, until the returned function puts theirs back. */
  share(partner: Conversations, chat: ChatState): () => void {
    const outer = [this.chat, partner.chat] as const;
    this.chat = partner.chat = chat;
    return () => void ([this.chat, partner.chat] = outer);
  }

  /** Records why the chat under way ended, when the reply function that ended it said why. */
  chatEnded(terminationReason: string | undefined): void {
    if (terminationReason !== undefined && this.chat !== undefined) this.chat.terminationReason = terminationReason;
  }

  /** AutoGen's `_prepare_chat` for one side: counter reset, reply on receipt or not, history kept or cleared. */
  prepare(partner: Agent, clearHistory: boolean, replyAtReceive: boolean): void {
    this.autoReplies.delete(partner);
    this.replyAtReceive.set(partner, replyAtReceive);
    if (clearHistory) this.history.delete(partner);
  }
}

/** Forgets what a map holds for `agent`, or everything. */
export function forget(map: Map<Agent | undefined, unknown>, agent: Agent | undefined): void {
  if (agent === undefined) map.clear();
  else map.delete(agent);
}
