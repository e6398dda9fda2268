import type { ChatMessage } from '../protocol/events.js';

/** Values a message's content template is filled from (AutoGen's message `context`). */
export type MessageContext = Record<string, unknown>;

/** Content computed from the message's `context` when the message is recorded (AutoGen's callable content). */
export type ContentTemplate = (context: MessageContext) => string;

/**
 * What an agent sends: a string (becomes `{ content }`) or a message in OpenAI's shape, `role` optional.
 * AutoGen stores it as a {@link HistoryMessage}: the sender's copy with role "assistant", the receiver's with role
 * "user" (tool results keep role "tool", and tool-call messages always get "assistant").
 *
 * `context` is kept with the message (AutoGen's): a function `content` is called with it, and a string `content` is a
 * template (`"hello {name}"`) filled from it when shown and when sent to a model whose llmConfig has
 * `allowFormatStrTemplate: true`.
 */
export type AgentMessage =
  | string
  | (Partial<Omit<ChatMessage, 'content'>> & { content?: string | ContentTemplate | null; context?: MessageContext });

/** A message as an agent keeps it in its history: a {@link ChatMessage}, with the `context` it was sent with. */
export interface HistoryMessage extends ChatMessage {
  context?: MessageContext;
}

/** Options of {@link Agent.generateReply}. Give `sender`, `messages`, or both. */
export interface GenerateReplyOptions {
  /** The agent to reply to (AutoGen's `sender`): its counters and history are used. */
  sender?: Agent;
  /** The conversation to reply to. Default: this agent's history with `sender`. */
  messages?: readonly HistoryMessage[];
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
