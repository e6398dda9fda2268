/**
 * The agentws wire protocol, defined once.
 *
 * Agents emit these events to the current IOStream; the text renderer turns them into AutoGen 0.2 text frames,
 * the JSON codec wraps them in the `agentws.v1` envelope, and clients parse them back. Type names and content fields
 * follow AG2's structured events where AG2 has one; agentws's own additions are marked as such.
 *
 * This module holds types and tiny constants only, so every layer may import it.
 */

import type { WireErrorCode } from '../errors.js';

/** One tool call suggested by the model, OpenAI's shape. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One tool's result, AutoGen's shape. */
export interface ToolResponse {
  tool_call_id: string;
  role: 'tool';
  content: string;
}

/** A chat message as agents keep it in their history (OpenAI's shape plus AutoGen's `tool_responses`). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  /** The sending agent's name, as AutoGen records it. */
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  tool_responses?: ToolResponse[];
}

/** Token usage and cost of one model. */
export interface ModelUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
}

/** Usage totals, keyed by model name. */
export interface UsageSummary {
  total_cost: number;
  models: Record<string, ModelUsage>;
}

export type HumanInputMode = 'ALWAYS' | 'TERMINATE' | 'NEVER';

/** Why a run ended without completing (agentws's terminal `termination` event). */
export type TerminationReason = 'cancelled' | 'shutdown' | 'input_timeout';

/** agentws: first event of every JSON session. */
export interface SessionEvent {
  readonly type: 'session';
  content: {
    id: string;
    protocol: 'agentws.v1';
    server: { name: 'agentws'; version: string };
    limits: { max_message_size: number; input_timeout_ms: number | null };
    /**
     * The secret that resumes this session from a new connection (256 random bits, distinct from the id); null
     * when the server does not keep sessions for resume (`resumeWindowMs: 0`).
     */
    resume_token: string | null;
    /** How long after a drop (or after the run's end) the session can be resumed, in ms; 0: not at all. */
    resume_window_ms: number;
  };
}

/** Why a resume was refused. */
export type ResumeFailure = 'unknown_session' | 'bad_token' | 'expired' | 'evicted';

/** agentws, connection frame (seq 0): the resume was accepted; the replay of `seq > after` follows, then live. */
export interface ResumedEvent {
  readonly type: 'resumed';
  content: {
    /** The `after` the client sent. */
    after: number;
    /** The session's last seq now: the replay ends there (live events follow). */
    last_seq: number;
    /**
     * Ids of the input requests still waiting for an answer. An answer the client sent just before the drop may
     * not have arrived: if its id is here, send it again.
     */
    pending_inputs: string[];
  };
}

/**
 * agentws: the session's run was taken over by another process (the one running it died, or was restarted) and the
 * step that was in flight when it stopped runs again. Discard the events with `discard_after < seq <=
 * discard_through`: they were that step's first try; its second try follows this event.
 */
export interface StepRetriedEvent {
  readonly type: 'step_retried';
  content: { discard_after: number; discard_through: number };
}

/** agentws, connection frame (seq 0): the resume was refused; the server closes the connection next. */
export interface ResumeFailedEvent {
  readonly type: 'resume_failed';
  content: { reason: ResumeFailure; message: string };
}

/** A message an agent received that carries text only. Text mode: header, content, separator. */
export interface TextEvent {
  readonly type: 'text';
  content: { content: string | null; sender: string; recipient: string };
}

/** agentws: a model starts streaming a reply (text mode: AutoGen's colour-on escape frame). */
export interface StreamStartEvent {
  readonly type: 'stream_start';
  content: { agent: string | null; model: string };
}

/** One streamed token (one content delta of the model's stream). */
export interface StreamEvent {
  readonly type: 'stream';
  content: { content: string };
}

/**
 * agentws: a piece of the model's reasoning, streamed apart from its reply (`reasoning_content` / `reasoning` deltas
 * of DeepSeek, vLLM, llama.cpp, ...). Never part of the message; text mode leaves it out, as AutoGen does.
 */
export interface ReasoningEvent {
  readonly type: 'reasoning';
  content: { content: string };
}

/** agentws: the model's stream ended (text mode: AutoGen's colour-off frame). */
export interface StreamEndEvent {
  readonly type: 'stream_end';
  content: { agent: string | null; model: string };
}

/** `iostream.print(...)`: objects already turned into strings. */
export interface PrintEvent {
  readonly type: 'print';
  content: { objects: string[]; sep: string; end: string };
}

/** A message an agent received that suggests tool calls. */
export interface ToolCallEvent {
  readonly type: 'tool_call';
  content: { content: string | null; tool_calls: ToolCall[]; sender: string; recipient: string };
}

/** A message an agent received that carries tool results. */
export interface ToolResponseEvent {
  readonly type: 'tool_response';
  content: { role: 'tool'; tool_responses: ToolResponse[]; content: string; sender: string; recipient: string };
}

/** An agent is about to run a function. */
export interface ExecuteFunctionEvent {
  readonly type: 'execute_function';
  content: { func_name: string; call_id: string | null; arguments: unknown; recipient: string };
}

/** An agent ran a function. */
export interface ExecutedFunctionEvent {
  readonly type: 'executed_function';
  content: {
    func_name: string;
    call_id: string | null;
    arguments: unknown;
    content: string;
    is_exec_success: boolean;
    recipient: string;
  };
}

/** An agent is about to run one code block (the older code-execution keys: one event per block, AG2's shape). */
export interface ExecuteCodeBlockEvent {
  readonly type: 'execute_code_block';
  content: { code: string; language: string; code_block_count: number; recipient: string };
}

/** An agent is about to run a message's code blocks with its code executor (AG2's shape). */
export interface GenerateCodeExecutionReplyEvent {
  readonly type: 'generate_code_execution_reply';
  content: { code_block_languages: string[]; sender: string | null; recipient: string };
}

/** An agent replies automatically (only printed when its human input mode is not NEVER). */
export interface UsingAutoReplyEvent {
  readonly type: 'using_auto_reply';
  content: { human_input_mode: HumanInputMode; sender: string; recipient: string };
}

/** agentws: the human pressed enter without typing (AutoGen's "NO HUMAN INPUT RECEIVED."). */
export interface NoHumanInputEvent {
  readonly type: 'no_human_input';
  content: { sender: string; recipient: string };
}

/** A group chat's manager chose who speaks next (AG2's GroupChatRunChatEvent). Text mode: AutoGen's green line. */
export interface GroupChatRunChatEvent {
  readonly type: 'group_chat_run_chat';
  content: { speaker: string };
}

/** A group chat asks the human to choose the next speaker (manual selection): the numbered list comes first. */
export interface SelectSpeakerEvent {
  readonly type: 'select_speaker';
  content: { agents: string[] };
}

/** The human's choice of the next speaker was not a number from the list. */
export interface SelectSpeakerInvalidInputEvent {
  readonly type: 'select_speaker_invalid_input';
  content: { agents: string[] };
}

/** The human gave no valid choice of the next speaker in time: the group chat chooses by itself. */
export interface SelectSpeakerTryCountExceededEvent {
  readonly type: 'select_speaker_try_count_exceeded';
  content: { try_count: number; agents: string[] };
}

/** A group chat was prepared from earlier messages (`GroupChatManager.resume`). */
export interface GroupChatResumeEvent {
  readonly type: 'group_chat_resume';
  content: { last_speaker_name: string; messages: ChatMessage[] };
}

/**
 * `initiateChats`: the next chat of the queue starts (AutoGen 0.2's "Starting a new chat...." banner): its first
 * message as AutoGen prints it and the carryover it takes. Text mode: the banner, with both when `verbose`.
 */
export interface PostCarryoverProcessingEvent {
  readonly type: 'post_carryover_processing';
  content: { message: string; carryover: string; verbose: boolean };
}

/** The server waits for the client's answer; reply with an `input_response` carrying the same id. */
export interface InputRequestEvent {
  readonly type: 'input_request';
  content: { id: string; prompt: string; password: boolean; timeout_ms: number | null };
}

/** agentws: one `initiateChat` ended (not terminal: the run may go on). */
export interface ChatEndEvent {
  readonly type: 'chat_end';
  content: {
    sender: string;
    recipient: string;
    termination_reason: string;
    summary: string;
    cost: UsageSummary;
    history: ChatMessage[];
  };
}

/** Token usage and cost so far in this session. */
export interface UsageSummaryEvent {
  readonly type: 'usage_summary';
  content: UsageSummary;
}

/** agentws, connection frame (seq 0): answer to a client `ping`. */
export interface PongEvent {
  readonly type: 'pong';
  content: Record<string, never>;
}

/** Something went wrong. `fatal: true` makes it the run's terminal event; otherwise the session goes on. */
export interface ErrorEvent {
  readonly type: 'error';
  content: { error: string; code: WireErrorCode; fatal: boolean };
}

/** Terminal: the run was stopped before it completed. */
export interface TerminationEvent {
  readonly type: 'termination';
  content: { reason: TerminationReason; termination_reason: string };
}

/**
 * Terminal: the run's `onConnect` returned. Fields come from the last chat of the run, if any. The history itself is
 * in that chat's `chat_end` (sending it twice made a large run's last burst twice as large).
 */
export interface RunCompletionEvent {
  readonly type: 'run_completion';
  content: {
    summary: string | null;
    /** Messages in the last chat's history (0 when the run had no chat). */
    history_length: number;
    cost: UsageSummary | null;
    last_speaker: string | null;
    termination_reason: string | null;
  };
}

/** Every event a server can send. */
export type AgentEvent =
  | SessionEvent
  | TextEvent
  | StreamStartEvent
  | StreamEvent
  | ReasoningEvent
  | StreamEndEvent
  | PrintEvent
  | ToolCallEvent
  | ToolResponseEvent
  | ExecuteFunctionEvent
  | ExecutedFunctionEvent
  | ExecuteCodeBlockEvent
  | GenerateCodeExecutionReplyEvent
  | UsingAutoReplyEvent
  | NoHumanInputEvent
  | GroupChatRunChatEvent
  | SelectSpeakerEvent
  | SelectSpeakerInvalidInputEvent
  | SelectSpeakerTryCountExceededEvent
  | GroupChatResumeEvent
  | PostCarryoverProcessingEvent
  | InputRequestEvent
  | ChatEndEvent
  | UsageSummaryEvent
  | PongEvent
  | ResumedEvent
  | ResumeFailedEvent
  | StepRetriedEvent
  | ErrorEvent
  | TerminationEvent
  | RunCompletionEvent;

export type AgentEventType = AgentEvent['type'];

/** The event of a given type. */
export type EventOf<T extends AgentEventType> = Extract<AgentEvent, { type: T }>;

/** Every event type, in documentation order (a test checks docs/protocol.md covers each). */
export const EVENT_TYPES = [
  'session',
  'text',
  'stream_start',
  'stream',
  'reasoning',
  'stream_end',
  'print',
  'tool_call',
  'tool_response',
  'execute_function',
  'executed_function',
  'execute_code_block',
  'generate_code_execution_reply',
  'using_auto_reply',
  'no_human_input',
  'group_chat_run_chat',
  'select_speaker',
  'select_speaker_invalid_input',
  'select_speaker_try_count_exceeded',
  'group_chat_resume',
  'post_carryover_processing',
  'input_request',
  'chat_end',
  'usage_summary',
  'pong',
  'resumed',
  'resume_failed',
  'step_retried',
  'error',
  'termination',
  'run_completion',
] as const satisfies readonly AgentEventType[];

/** Events after which a run sends nothing more. */
export function isTerminalEvent(event: AgentEvent): boolean {
  return (
    event.type === 'run_completion' || event.type === 'termination' || (event.type === 'error' && event.content.fatal)
  );
}

/** The JSON-mode frame around every event. */
export interface WireFrame<E extends AgentEvent = AgentEvent> {
  v: 1;
  seq: number;
  session: string;
  type: E['type'];
  content: E['content'];
}

/** Events sent with seq 0: about the connection, not the session; never logged, never replayed. */
export const CONNECTION_EVENT_TYPES = ['pong', 'resumed', 'resume_failed'] as const satisfies readonly AgentEventType[];

/** A server frame in JSON mode, discriminated on `type` (what {@link decodeServerFrame} returns). */
export type ServerFrame = { [T in AgentEventType]: WireFrame<EventOf<T>> }[AgentEventType];

/** The resume frame: the first frame of a new connection that takes up an existing session. */
export interface ResumeFrame {
  type: 'resume';
  session: string;
  token: string;
  /** The last seq the client received; 0 for none. */
  after: number;
}

/** Frames a JSON-mode client may send. */
export type ClientFrame =
  { type: 'input_response'; id: string; value: string } | { type: 'cancel' } | { type: 'ping' } | ResumeFrame;

/** The websocket subprotocol that selects JSON mode. */
export const JSON_SUBPROTOCOL = 'agentws.v1';

/**
 * Subprotocol a JSON client offers beside `agentws.v1` to say its first frame will be a resume: the server then
 * starts no fresh session for the connection and waits for that frame.
 */
export const RESUME_SUBPROTOCOL = 'agentws.resume';

// Compile-time check that EVENT_TYPES lists every member of the union.
type MissingEventTypes = Exclude<AgentEventType, (typeof EVENT_TYPES)[number]>;
const everyEventTypeListed: MissingEventTypes extends never ? true : false = true;
void everyEventTypeListed;
