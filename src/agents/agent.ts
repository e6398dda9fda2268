import type { ChatMessage } from '../protocol/events.js';

/**
 * What an agent sends: a string (becomes `{ content }`) or a message in OpenAI's shape, `role` optional.
 * AutoGen stores it as a {@link ChatMessage}: the sender's copy with role "assistant", the receiver's with role "user"
 * (tool results keep role "tool", and tool-call messages always get "assistant").
 */
export type AgentMessage = string | (Partial<ChatMessage> & { content?: string | null });

/** Options of {@link Agent.generateReply}. */
export interface GenerateReplyOptions {
  /** The agent to reply to (AutoGen's `sender`): its counters and history are used. */
  sender: Agent;
  /** The conversation to reply to. Default: this agent's history with `sender`. */
  messages?: readonly ChatMessage[];
}

/** An agent that takes part in a two-agent chat (AutoGen's `Agent` protocol). */
export interface Agent {
  readonly name: string;
  /** What this agent does, for other agents to read. */
  readonly description: string;
  /** Records `message` as sent to `recipient` and delivers it. Resolves when the exchange it started ends. */
  send(message: AgentMessage, recipient: Agent, requestReply?: boolean, silent?: boolean): Promise<void>;
  /** Records and shows `message`, then replies to `sender` when a reply is requested. */
  receive(message: AgentMessage, sender: Agent, requestReply?: boolean, silent?: boolean): Promise<void>;
  /** The reply to the last message, or `null` to end the conversation. */
  generateReply(options: GenerateReplyOptions): Promise<AgentMessage | null>;
}
