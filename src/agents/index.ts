export type {
  Agent,
  AgentMessage,
  ContentTemplate,
  GenerateReplyOptions,
  HistoryMessage,
  MessageContext,
} from './agent.js';
export type { ConversableAgentOptions } from './agent-options.js';
export {
  AssistantAgent,
  DEFAULT_ASSISTANT_DESCRIPTION,
  DEFAULT_ASSISTANT_SYSTEM_MESSAGE,
  type AssistantAgentOptions,
} from './assistant-agent.js';
export type { Carryover, CarryoverItem } from './carryover.js';
export { lastMessageSummary, type ChatResult } from './chat-result.js';
export { initiateChats, type ChatQueueEntry } from './chats.js';
export * from './coding/index.js';
export { ConversableAgent } from './conversable-agent.js';
export { GroupChat, type AgentByNameOptions } from './group-chat.js';
export {
  DEFAULT_SELECT_SPEAKER_AUTO_MULTIPLE_TEMPLATE,
  DEFAULT_SELECT_SPEAKER_AUTO_NONE_TEMPLATE,
  DEFAULT_SELECT_SPEAKER_MESSAGE_TEMPLATE,
  DEFAULT_SELECT_SPEAKER_PROMPT_TEMPLATE,
  SPEAKER_SELECTION_METHODS,
  type GroupChatOptions,
  type SpeakerSelectionFunction,
  type SpeakerSelectionMethodName,
  type SpeakerTransitions,
} from './group-chat-options.js';
export { GroupChatManager, type GroupChatManagerOptions, type ResumedGroupChat } from './group-chat-manager.js';
export type { GroupChatResumeOptions } from './group-chat-resume.js';
export { HOOKABLE_METHODS, type HookableMethod, type HookFunctions, type MessageBeforeSend } from './hooks.js';
export type {
  ChatContext,
  InitiateChatOptions,
  MessageFunction,
  SummaryArgs,
  SummaryMethod,
} from './initiate-chat-options.js';
export {
  summaryFromNestedChats,
  type NestedChat,
  type NestedChatsReplyFunction,
  type NestedMessageFunction,
  type RegisterNestedChatsOptions,
} from './nested-chats.js';
export { registerFunction, type RegisterFunctionOptions } from './register-function.js';
export type {
  AgentClass,
  ConversableReplyOptions,
  RegisterReplyOptions,
  ReplyFunction,
  ReplyFunctionEntry,
  ReplyResult,
  ReplyTrigger,
} from './reply-functions.js';
export { MANUAL_SELECTION_PROMPT } from './speaker-selection.js';
export {
  createTool,
  type JsonSchemaObject,
  type Tool,
  type ToolContext,
  type ToolFunction,
  type ToolOptions,
  type ToolParameters,
} from './tool.js';
export { DEFAULT_USER_PROXY_DESCRIPTIONS, UserProxyAgent, type UserProxyAgentOptions } from './user-proxy-agent.js';
