import type OpenAI from 'openai';
import { LlmError } from '../errors.js';
import type { ToolCall } from '../protocol/events.js';
import { azureDeployment, azureEndpoint, resolveApiType, type ApiType } from './api-type.js';
import type { ChatModel, ChatModelRequest, CompletionResult, Failure } from './chat-model.js';
import { ChatStreamReader, DEFAULT_MAX_EVENT_SIZE } from './chat-stream.js';
import { DEFAULT_BASE_URL, safeUrl, type LlmConfigEntry } from './config-list.js';
import { describeError, describeSdkFailure, isStaleConnection, type FailureContext } from './describe-failure.js';
import { clientFor, loadSdk, type Sdk } from './openai-sdk.js';
import { estimatedUsage } from './usage.js';

/** Options of {@link OpenAIChatModel}. */
export interface OpenAIChatModelOptions {
  /**
   * The idle timeout: the longest wait for the response headers, then the longest silence allowed in a stream.
   * Default: 600 000 (10 min).
   */
  timeoutMs?: number;
  /** The largest server-sent event a stream may carry, in characters. Default: 4 194 304 (4 MiB). */
  maxEventSize?: number;
}

const DEFAULTS = { timeoutMs: 600_000, maxEventSize: DEFAULT_MAX_EVENT_SIZE };
/** Azure OpenAI takes `stream_options` from this API version on; older ones refuse the request with it. */
const AZURE_STREAM_OPTIONS_SINCE = '2024-09-01';

/**
 * The chat completions API of OpenAI, Azure OpenAI (`api_type: "azure"`) or any OpenAI-compatible server (`base_url`:
 * Ollama, vLLM, llama.cpp, LM Studio, ...), through the `openai` SDK, for one config entry. The SDK makes the
 * request (auth, status errors, header timeout, abort); a stream's body is parsed by {@link ChatStreamReader},
 * several times faster than the SDK's per-event async generators.
 * @example
 * const model = new OpenAIChatModel({ model: 'gpt-4o-mini', api_key: process.env.OPENAI_API_KEY });
 */
export class OpenAIChatModel implements ChatModel {
  readonly #entry: LlmConfigEntry;
  readonly #apiType: ApiType;
  readonly #timeoutMs: number;
  readonly #maxEventSize: number;
  #sdk: Sdk | undefined;

  /** Throws `ConfigError` for an `api_type` agentws does not speak, or an Azure entry that lacks what Azure needs. */
  constructor(entry: LlmConfigEntry, options: OpenAIChatModelOptions = {}) {
    const { timeoutMs, maxEventSize } = { ...DEFAULTS, ...options };
    this.#entry = entry;
    this.#apiType = resolveApiType(entry, 0, 'the config list');
    this.#timeoutMs = timeoutMs;
    this.#maxEventSize = maxEventSize;
  }

  async complete(request: ChatModelRequest): Promise<CompletionResult> {
    this.#sdk ??= await loadSdk();
    const client = clientFor(this.#sdk, this.#entry, this.#apiType, this.#timeoutMs);
    const sent = { deltas: 0 };
    // A pooled keep-alive connection the server had closed fails before any response byte (a race every HTTP client
    // has under load; the request never reached the model): retried once.
    for (let tries = 0; ; tries++) {
      try {
        return request.stream ? await this.#streamed(client, request, sent) : await this.#complete(client, request);
      } catch (error) {
        if (tries > 0 || sent.deltas > 0 || request.signal.aborted || !isStaleConnection(this.#sdk, error)) throw error;
      }
    }
  }

  describeFailure(error: unknown): Failure {
    if (this.#sdk === undefined) return describeError(error);
    const azure = this.#apiType === 'azure';
    const context: FailureContext = {
      baseUrl: safeUrl((azure ? azureEndpoint(this.#entry) : this.#entry.base_url) ?? DEFAULT_BASE_URL),
      hasKey: this.#entry.api_key !== undefined,
      timeoutMs: this.#timeoutMs,
      ...(azure ? { deployment: azureDeployment(this.#entry) } : {}),
    };
    return describeSdkFailure(this.#sdk, error, context);
  }

  #body(request: ChatModelRequest, stream: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = { ...request.params };
    // Azure deployment names cannot hold dots: AutoGen sends the model without them.
    body.model = this.#apiType === 'azure' ? request.model.replace(/\./g, '') : request.model;
    body.messages = request.messages;
    if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools;
    body.stream = stream;
    if (stream) {
      if (!('stream_options' in body)) {
        if (this.#apiType === 'openai' || this.#entry.api_version! >= AZURE_STREAM_OPTIONS_SINCE) {
          body.stream_options = { include_usage: true };
        }
      } else if (body.stream_options === null || body.stream_options === undefined) delete body.stream_options;
    }
    return body;
  }

  async #complete(client: OpenAI, request: ChatModelRequest): Promise<CompletionResult> {
    const completion = (await client.chat.completions.create(
      this.#body(request, false) as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
      { signal: request.signal },
    )) as OpenAI.ChatCompletion;
    const choice = completion.choices[0];
    if (choice === undefined) throw new Error('the response has no choices');
    const toolCalls: ToolCall[] = [];
    for (const call of choice.message.tool_calls ?? []) {
      if (call.type === 'function') {
        toolCalls.push({ id: call.id, type: 'function', function: { ...call.function } });
      }
    }
    const usage = completion.usage;
    return {
      content: choice.message.content,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      model: completion.model || request.model,
      finish_reason: choice.finish_reason,
      usage: {
        prompt_tokens: usage?.prompt_tokens ?? 0,
        completion_tokens: usage?.completion_tokens ?? 0,
        total_tokens: usage?.total_tokens ?? 0,
      },
    };
  }

  /** `sent.deltas` receives the number of content deltas relayed, so a retry knows whether output went out. */
  async #streamed(client: OpenAI, request: ChatModelRequest, sent: { deltas: number }): Promise<CompletionResult> {
    const response = await client.chat.completions
      .create(this.#body(request, true) as unknown as OpenAI.ChatCompletionCreateParamsStreaming, {
        signal: request.signal,
      })
      .asResponse();
    if (response.body === null) throw new Error('the response has no body');
    const reader = response.body.getReader();
    request.sink.start();

    // The SDK's timeout stops at the response headers; this watchdog bounds the silence between network chunks
    // without a timer per chunk (a counter is all the read loop pays). Cancelling the reader closes the connection.
    let reads = 0;
    let seenReads = -1;
    let lastProgressAt = Date.now();
    let timedOut = false;
    const timeoutMs = this.#timeoutMs;
    const watchdog = setInterval(
      () => {
        if (reads !== seenReads) {
          seenReads = reads;
          lastProgressAt = Date.now();
        } else if (Date.now() - lastProgressAt >= timeoutMs) {
          timedOut = true;
          reader.cancel().catch(() => {});
        }
      },
      Math.max(5, Math.min(1000, timeoutMs / 4)),
    );
    watchdog.unref();

    const stream = new ChatStreamReader(request.sink, this.#maxEventSize);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        reads++;
        stream.push(value);
      }
      stream.end();
    } catch (error) {
      reader.cancel().catch(() => {}); // a parse error leaves the connection open otherwise
      throw error;
    } finally {
      clearInterval(watchdog);
      sent.deltas = stream.deltas;
    }
    if (timedOut) throw new LlmError('LLM_STREAM_CUT', `timed out: no data for ${timeoutMs} ms mid-stream`);
    if (stream.finishReason === null) {
      throw new LlmError('LLM_STREAM_CUT', 'the stream ended before the model finished (no finish_reason)');
    }
    const toolCalls = stream.toolCalls;
    const usage = stream.usage;
    return {
      content: stream.content,
      ...(toolCalls ? { tool_calls: toolCalls } : {}),
      model: stream.model || request.model,
      finish_reason: stream.finishReason,
      usage: usage
        ? {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            total_tokens: usage.total_tokens,
          }
        : estimatedUsage(stream.deltas),
    };
  }
}
