import type OpenAI from 'openai';
import { AbortedError, ConfigError, LlmError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import type { ModelUsage, ToolCall, UsageSummary } from '../protocol/events.js';
import { describeConfig, validateConfigList, type LlmConfigEntry } from './config-list.js';
import { ChatStreamReader, DEFAULT_MAX_EVENT_SIZE } from './chat-stream.js';
import { clipDetail, describeFailure, isStaleConnection } from './describe-failure.js';
import { clientFor, loadSdk, type Sdk } from './openai-sdk.js';

/** AutoGen's `llm_config`. Keys other than the ones below are passed to the API as request parameters. */
export interface LlmConfig {
  /** Ordered fallback list: a request tries entry 0, and on any API error, timeout or broken stream moves on. */
  configList: LlmConfigEntry[];
  /** Stream tokens to the current IOStream. Default: `false`. */
  stream?: boolean;
  temperature?: number;
  /**
   * The idle timeout of one request: the longest wait for the response headers, then the longest silence allowed in
   * a stream. Default: 600 000 (10 min).
   */
  timeoutMs?: number;
  /**
   * The most one request may take from sending it to the last byte of its response, however steadily data arrives:
   * a model that drips a byte at a time is cut off here and the next entry is tried. Default: 600 000 (10 min), or
   * `timeoutMs` when that is longer.
   */
  deadlineMs?: number;
  /**
   * The largest server-sent event a stream may carry, in characters (bytes, for the ASCII JSON of a chunk). Real
   * events are a token or a tool-argument piece each, so a long reply is many small events; an event past this ends
   * the attempt (the next entry is tried) instead of growing in memory. Default: 4 194 304 (4 MiB).
   */
  maxEventSize?: number;
  /**
   * Other request parameters, passed through (entry keys override them). When streaming, agentws asks for a usage
   * chunk with `stream_options: { include_usage: true }`; set `stream_options: null` for servers that reject it.
   */
  [extra: string]: unknown;
}

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

export interface CompletionRequest {
  messages: LlmMessage[];
  tools?: ToolSchema[];
  /** Aborting closes the HTTP request at once and rejects with `AbortedError` (no failover). */
  signal?: AbortSignal;
  /** The calling agent's name, for `stream_start` / `stream_end`. */
  agent?: string;
}

export interface CompletionResult {
  /** `''` when a stream only called tools (AutoGen); may be `null` without streaming. */
  content: string | null;
  tool_calls?: ToolCall[];
  model: string;
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

const DEFAULT_TIMEOUT_MS = 600_000;
/** Node's timers fire at once past this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const OWN_CONFIG_KEYS = new Set(['configList', 'stream', 'temperature', 'timeoutMs', 'deadlineMs', 'maxEventSize']);
/** Entry keys (and AutoGen-only llm_config keys) that are not request parameters. */
const NON_REQUEST_KEYS = new Set([
  'model',
  'api_key',
  'base_url',
  'api_type',
  'api_version',
  'tags',
  'price',
  'cache_seed',
  'filter_dict',
  'api_rate_limit',
]);

/**
 * Calls an OpenAI-compatible chat completions API along a config list, AutoGen's `OpenAIWrapper`: streams tokens to
 * the current IOStream, assembles tool calls, fails over to the next entry on errors and adds up usage per model.
 * @example
 * const llm = new LlmClient({ configList: configListFromJson(), stream: true });
 * const reply = await llm.create({ messages: [{ role: 'user', content: 'Hi' }], agent: 'assistant' });
 */
export class LlmClient {
  readonly #entries: LlmConfigEntry[];
  readonly #stream: boolean;
  readonly #timeoutMs: number;
  readonly #deadlineMs: number;
  readonly #maxEventSize: number;
  readonly #params: Record<string, unknown>;
  readonly #models: Record<string, ModelUsage> = {};
  #totalCost = 0;

  constructor(config: LlmConfig) {
    const { configList, stream = false, temperature, timeoutMs = DEFAULT_TIMEOUT_MS } = config;
    const { deadlineMs = Math.max(DEFAULT_TIMEOUT_MS, timeoutMs), maxEventSize = DEFAULT_MAX_EVENT_SIZE } = config;
    if (Array.isArray(configList) && configList.length === 0) {
      throw new ConfigError(
        'CONFIG_EMPTY',
        'llmConfig.configList is empty: give at least one entry such as { model: "gpt-4o-mini", api_key: "..." }, ' +
          'for example with configListFromJson() or configFromEnv().',
      );
    }
    this.#entries = validateConfigList(configList, 'llmConfig.configList');
    this.#entries.forEach((entry, i) => {
      const price = entry.price;
      if (price !== undefined && !(Array.isArray(price) && price.length === 2 && price.every(Number.isFinite))) {
        throw new ConfigError(
          'CONFIG_INVALID',
          `Entry ${i} (${entry.model}) of llmConfig.configList: "price" must be [promptPer1k, completionPer1k].`,
        );
      }
    });
    for (const [name, value, unit, max] of [
      ['timeoutMs', timeoutMs, 'ms', MAX_TIMER_MS],
      ['deadlineMs', deadlineMs, 'ms', MAX_TIMER_MS],
      ['maxEventSize', maxEventSize, 'characters', Number.MAX_SAFE_INTEGER],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0 || value > max) {
        const range = max === MAX_TIMER_MS ? ` up to ${max}` : '';
        const message = `llmConfig.${name} must be a positive integer (${unit})${range}, got ${value}.`;
        throw new ConfigError('CONFIG_INVALID', message);
      }
    }
    this.#stream = stream;
    this.#timeoutMs = timeoutMs;
    this.#deadlineMs = deadlineMs;
    this.#maxEventSize = maxEventSize;
    this.#params = {};
    for (const [key, value] of Object.entries(config)) {
      if (!OWN_CONFIG_KEYS.has(key) && !NON_REQUEST_KEYS.has(key)) this.#params[key] = value;
    }
    if (temperature !== undefined) this.#params.temperature = temperature;
  }

  /** Token usage and cost so far, keyed by the model name the API reported. */
  get usage(): UsageSummary {
    const models: Record<string, ModelUsage> = {};
    for (const [model, usage] of Object.entries(this.#models)) models[model] = { ...usage };
    return { total_cost: this.#totalCost, models };
  }

  /** One completion, trying the config list in order. Rejects with `AbortedError` or `LlmError`. */
  async create(req: CompletionRequest): Promise<CompletionResult> {
    const { signal } = req;
    if (signal?.aborted) throw new AbortedError('The model request was aborted before it started.');
    const openai = await loadSdk();
    const failures: string[] = [];
    const hints = new Set<string>();
    let lastError: unknown;
    for (let i = 0; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      const attempt = { streamed: 0 };
      try {
        const result = await this.#attempt(openai, entry, req, attempt);
        this.#record(entry, result);
        return result;
      } catch (error) {
        if (signal?.aborted || error instanceof AbortedError) {
          throw error instanceof AbortedError
            ? error
            : new AbortedError('The model request was aborted.', { cause: error });
        }
        lastError = error;
        const failure = describeFailure(openai, error, entry, this.#timeoutMs);
        // Redacted before it is clipped: a key cut in two would no longer be found.
        const why = clipDetail(this.#redact(failure.why));
        failures.push(`#${i} ${describeConfig(entry)}: ${why}`);
        if (failure.hint) hints.add(`#${i}: ${failure.hint}`);
        const next = this.#entries[i + 1];
        if (attempt.streamed > 0 && next !== undefined) {
          IOStream.getDefault().send({
            type: 'error',
            content: {
              error: this.#redact(`${entry.model} failed (${why}); partial output discarded, trying ${next.model}`),
              code: 'LLM_FAILOVER',
              fatal: false,
            },
          });
        }
      }
    }
    const count = this.#entries.length;
    const message =
      `${count === 1 ? 'The only entry' : `All ${count} entries`} of the config list failed:\n` +
      failures.map((line) => `  ${line}`).join('\n') +
      (hints.size > 0 ? `\nHints:\n${[...hints].map((hint) => `  ${hint}`).join('\n')}` : '');
    throw new LlmError('LLM_REQUEST_FAILED', this.#redact(message), { cause: lastError });
  }

  /**
   * One entry, retried once when a pooled keep-alive connection turns out to be closed by the server before any
   * response byte (a race every HTTP client has under load; the request never reached the model).
   */
  async #attempt(
    openai: Sdk,
    entry: LlmConfigEntry,
    req: CompletionRequest,
    attempt: { streamed: number },
  ): Promise<CompletionResult> {
    for (let tries = 0; ; tries++) {
      // A controller per request: the SDK adds an abort listener to the signal it gets, and the session's signal
      // lives as long as the session, so listeners would pile up over a long chat.
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(req.signal?.reason);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      // The idle timeouts never fire while bytes keep coming, however slowly: this bounds the whole request. Aborting
      // the signal closes the connection whether the SDK is still waiting for headers or the body is being read.
      let expired = false;
      const deadline = setTimeout(() => {
        expired = true;
        controller.abort();
      }, this.#deadlineMs);
      try {
        return this.#stream
          ? await this.#streamed(openai, entry, req, controller.signal, attempt)
          : await this.#complete(openai, entry, req, controller.signal);
      } catch (error) {
        if (expired && !req.signal?.aborted) {
          throw new LlmError(
            'LLM_REQUEST_FAILED',
            `timed out: the response was not complete after ${this.#deadlineMs} ms (llmConfig.deadlineMs)`,
            { cause: error },
          );
        }
        if (tries > 0 || attempt.streamed > 0 || req.signal?.aborted || !isStaleConnection(openai, error)) throw error;
      } finally {
        clearTimeout(deadline);
        req.signal?.removeEventListener('abort', onAbort);
      }
    }
  }

  #body(entry: LlmConfigEntry, req: CompletionRequest): Record<string, unknown> {
    const body: Record<string, unknown> = { ...this.#params };
    for (const [key, value] of Object.entries(entry)) if (!NON_REQUEST_KEYS.has(key)) body[key] = value;
    body.model = entry.model;
    body.messages = req.messages;
    if (req.tools !== undefined && req.tools.length > 0) body.tools = req.tools;
    return body;
  }

  async #complete(
    openai: Sdk,
    entry: LlmConfigEntry,
    req: CompletionRequest,
    signal: AbortSignal,
  ): Promise<CompletionResult> {
    const body = this.#body(entry, req);
    body.stream = false;
    const completion = (await clientFor(openai, entry, this.#timeoutMs).chat.completions.create(
      body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
      { signal },
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
      model: completion.model || entry.model,
      finish_reason: choice.finish_reason,
      usage: {
        prompt_tokens: usage?.prompt_tokens ?? 0,
        completion_tokens: usage?.completion_tokens ?? 0,
        total_tokens: usage?.total_tokens ?? 0,
      },
    };
  }

  /**
   * `attempt.streamed` receives the number of content deltas sent, so a failed attempt knows whether output must be
   * retracted. The SDK makes the request (auth, status errors, header timeout, abort); the body is parsed by
   * {@link ChatStreamReader}, several times faster than the SDK's per-event async generators.
   */
  async #streamed(
    openai: Sdk,
    entry: LlmConfigEntry,
    req: CompletionRequest,
    signal: AbortSignal,
    attempt: { streamed: number },
  ): Promise<CompletionResult> {
    const body = this.#body(entry, req);
    body.stream = true;
    if (!('stream_options' in body)) body.stream_options = { include_usage: true };
    else if (body.stream_options === null || body.stream_options === undefined) delete body.stream_options;
    const response = await clientFor(openai, entry, this.#timeoutMs)
      .chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal })
      .asResponse();
    if (response.body === null) throw new Error('the response has no body');
    const reader = response.body.getReader();

    const io = IOStream.getDefault();
    const agent = req.agent ?? null;
    const model = entry.model;
    io.send({ type: 'stream_start', content: { agent, model } });

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

    const stream = new ChatStreamReader(io, this.#maxEventSize);
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
      attempt.streamed = stream.deltas;
      io.send({ type: 'stream_end', content: { agent, model } });
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
      model: stream.model || model,
      finish_reason: stream.finishReason,
      usage: usage
        ? {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            total_tokens: usage.total_tokens,
          }
        : { prompt_tokens: 0, completion_tokens: stream.deltas, total_tokens: stream.deltas },
    };
  }

  #record(entry: LlmConfigEntry, result: CompletionResult): void {
    const { prompt_tokens, completion_tokens, total_tokens } = result.usage;
    const price = entry.price as [number, number] | undefined;
    const cost = price ? (prompt_tokens * price[0] + completion_tokens * price[1]) / 1000 : 0;
    const models = this.#models;
    const usage = (models[result.model] ??= { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0 });
    usage.prompt_tokens += prompt_tokens;
    usage.completion_tokens += completion_tokens;
    usage.total_tokens += total_tokens;
    usage.cost += cost;
    this.#totalCost += cost;
  }

  /** Servers may echo a key in their error text (OpenAI does, partly masked): never let one through. */
  #redact(text: string): string {
    let safe = text;
    for (const entry of this.#entries) {
      if (entry.api_key && entry.api_key.length >= 4) safe = safe.split(entry.api_key).join('***');
    }
    return safe;
  }
}
