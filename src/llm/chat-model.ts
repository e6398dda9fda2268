import type { ToolCall } from '../protocol/events.js';

/** A chat message as the API takes it. */
export interface LlmMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** A function the model may call, OpenAI's shape. */
export interface ToolSchema {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** One completion: what the model said, and what it cost. */
export interface CompletionResult {
  /** `''` when a stream only called tools (AutoGen); may be `null` without streaming. */
  content: string | null;
  tool_calls?: ToolCall[];
  /** The model name the server reported (else the entry's). */
  model: string;
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/**
 * Where a streaming model puts what arrives, as it arrives. Each call is synchronous and becomes one event of the
 * session (`stream_start`, `stream`, `reasoning`), so a model must call it from its read loop, not batch it.
 */
export interface ChatModelSink {
  /** The response began (the server accepted the request). Optional: the first delta starts it too. */
  start(): void;
  /** A piece of the reply. */
  content(text: string): void;
  /** A piece of the model's reasoning (`reasoning_content` / `reasoning`): shown apart, never part of the reply. */
  reasoning(text: string): void;
}

/** One request to one model endpoint. */
export interface ChatModelRequest {
  /** The model name (the config entry's `model`). */
  model: string;
  messages: LlmMessage[];
  tools?: ToolSchema[];
  /** Other request parameters (`temperature`, `seed`, ...): llmConfig's, overridden by the entry's. */
  params: Record<string, unknown>;
  /** Stream the reply to `sink` as it comes. */
  stream: boolean;
  /** Aborted on cancel, disconnect, or `llmConfig.deadlineMs`: stop at once and reject. */
  signal: AbortSignal;
  sink: ChatModelSink;
}

/** Why one attempt failed, in words, with what to check when there is a hint. */
export interface Failure {
  why: string;
  hint?: string;
}

/**
 * A model behind one config entry, the seam between agentws and a vendor's API (like openai-agents-js's `Model`).
 * agentws ships the OpenAI-compatible one (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp, ...); give your own as an
 * entry's `model_client` (AutoGen's `model_client_cls`) to run a model in-process or speak another API. `LlmClient`
 * does the rest: failover along the config list, the deadline, events, usage, caching.
 * @example
 * const echo: ChatModel = {
 *   async complete({ messages, stream, sink }) {
 *     const text = `echo: ${messages.at(-1)?.content ?? ''}`;
 *     if (stream) sink.content(text);
 *     return { content: text, model: 'echo', finish_reason: 'stop', usage: { prompt_tokens: 0, completion_tokens: 1, total_tokens: 1 } };
 *   },
 * };
 * const llmConfig = { configList: [{ model: 'echo', model_client: echo }], stream: true };
 */
export interface ChatModel {
  /** One completion. Rejects when the request failed: `LlmClient` then tries the next entry. */
  complete(request: ChatModelRequest): Promise<CompletionResult>;
  /** Says why `complete` failed, for the failover event and the final error. Default: the error's message. */
  describeFailure?(error: unknown): Failure;
}
