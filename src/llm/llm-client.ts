import { AbortedError, LlmError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import { ModelCall, modelTarget, type ModelTarget } from '../observability/model-call.js';
import { runInfoOf } from '../observability/run-observer.js';
import type { UsageSummary } from '../protocol/events.js';
import {
  completionKey,
  readCachedCompletion,
  recordingSink,
  replay,
  type CachedCompletion,
  type CachedDelta,
} from './cache/cached-completion.js';
import type { LlmCache } from './cache/llm-cache.js';
import type {
  ChatModel,
  ChatModelRequest,
  ChatModelSink,
  CompletionResult,
  LlmMessage,
  ToolSchema,
} from './chat-model.js';
import { describeConfig, type LlmConfigEntry } from './config-list.js';
import { clipDetail, describeError } from './describe-failure.js';
import { NON_REQUEST_KEYS, resolveLlmConfig, type LlmConfig, type ResolvedLlmConfig } from './llm-config.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { UsageTracker } from './usage.js';

export type { LlmConfig } from './llm-config.js';
export type { CompletionResult, LlmMessage, ToolSchema } from './chat-model.js';

export interface CompletionRequest {
  messages: LlmMessage[];
  tools?: ToolSchema[];
  /** Aborting closes the HTTP request at once and rejects with `AbortedError` (no failover). */
  signal?: AbortSignal;
  /** The calling agent's name, for `stream_start` / `stream_end`. */
  agent?: string;
}

/**
 * Calls the models of a config list, AutoGen's `OpenAIWrapper`: tries the entries in order (each through its
 * {@link ChatModel}: the OpenAI-compatible one, or the entry's own `model_client`), streams to the current IOStream,
 * fails over on errors, bounds each request by `deadlineMs`, answers repeated requests from the cache when there is
 * one, and adds up usage per model.
 * @example
 * const llm = new LlmClient({ configList: configListFromJson(), stream: true });
 * const reply = await llm.create({ messages: [{ role: 'user', content: 'Hi' }], agent: 'assistant' });
 */
export class LlmClient {
  readonly #config: ResolvedLlmConfig;
  readonly #models: ChatModel[];
  readonly #targets: ModelTarget[];
  readonly #usage = new UsageTracker();

  /** Throws `ConfigError` (`UnsupportedApiTypeError` for an `api_type` agentws does not speak) at once. */
  constructor(config: LlmConfig) {
    this.#config = resolveLlmConfig(config);
    const { timeoutMs, maxEventSize } = this.#config;
    this.#models = this.#config.entries.map(
      (entry) => entry.model_client ?? new OpenAIChatModel(entry, { timeoutMs, maxEventSize }),
    );
    this.#targets = this.#config.entries.map(modelTarget);
  }

  /** Token usage and cost so far, keyed by the model name the API reported (cached replies included, as AutoGen's total). */
  get usage(): UsageSummary {
    return this.#usage.summary();
  }

  /**
   * One completion, trying the config list in order. Rejects with `AbortedError` or `LlmError`. In a durable run (a
   * shared session store) the completion is journaled: a run taken over by another process gets it replayed.
   */
  async create(req: CompletionRequest): Promise<CompletionResult> {
    const journal = IOStream.getDefault().journal;
    const { result, entry } = journal ? await journal.step('model', () => this.#create(req)) : await this.#create(req);
    this.#usage.record(result, this.#config.prices[entry]);
    return result;
  }

  /** {@link create}'s work, without the usage; `entry` is the index of the config entry that answered. */
  async #create(req: CompletionRequest): Promise<{ result: CompletionResult; entry: number }> {
    const { signal } = req;
    if (signal?.aborted) throw new AbortedError('The model request was aborted before it started.');
    const { entries, cacheSeed } = this.#config;
    // A server with a shared store keeps `cacheSeed`'s cache there, for every instance (AutoGen's Redis cache).
    const shared = cacheSeed === undefined ? undefined : IOStream.getDefault().llmCache?.(cacheSeed);
    const cache = shared ?? this.#config.cache;
    const failures: string[] = [];
    const hints = new Set<string>();
    let lastError: unknown;
    const run = runInfoOf(IOStream.getDefault());
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const model = this.#models[i]!;
      const events = new StreamEvents(req.agent ?? null, entry.model);
      const request: ChatModelRequest = {
        model: entry.model,
        messages: req.messages,
        ...(req.tools !== undefined && req.tools.length > 0 ? { tools: req.tools } : {}),
        params: this.#params(entry),
        stream: this.#config.stream,
        signal: signal ?? new AbortController().signal,
        sink: events,
      };
      const key = cache && completionKey(request);
      const cached = key === undefined ? undefined : await this.#cached(cache!, key);
      if (cached !== undefined) {
        if (request.stream) replay(cached, events);
        events.end();
        ModelCall.cached(this.#targets[i]!, cached.result, run, events.relayed);
        return { result: cached.result, entry: i };
      }
      const deltas: CachedDelta[] = [];
      if (key !== undefined && request.stream) request.sink = recordingSink(events, deltas);
      let result: CompletionResult;
      const call = new ModelCall(this.#targets[i]!, request, run);
      events.call = call;
      try {
        result = await call.run(() => this.#attempt(model, request));
      } catch (error) {
        events.end();
        if (signal?.aborted || error instanceof AbortedError) {
          call.failed(error, true, 'aborted: the run was cancelled, disconnected or shut down', events.relayed);
          throw error instanceof AbortedError
            ? error
            : new AbortedError('The model request was aborted.', { cause: error });
        }
        lastError = error;
        const failure = model.describeFailure?.(error) ?? describeError(error);
        // Redacted before it is clipped: a key cut in two would no longer be found.
        const why = clipDetail(this.#redact(failure.why));
        call.failed(error, false, why, events.relayed);
        failures.push(`#${i} ${describeConfig(entry)}: ${why}`);
        if (failure.hint) hints.add(`#${i}: ${failure.hint}`);
        const next = entries[i + 1];
        if (events.relayed > 0 && next !== undefined) {
          IOStream.getDefault().send({
            type: 'error',
            content: {
              error: this.#redact(`${entry.model} failed (${why}); partial output discarded, trying ${next.model}`),
              code: 'LLM_FAILOVER',
              fatal: false,
            },
          });
        }
        continue;
      }
      events.end();
      call.succeeded(result, events.relayed);
      if (key !== undefined) await this.#store(cache!, key, { v: 1, result, ...(request.stream ? { deltas } : {}) });
      return { result, entry: i };
    }
    const count = entries.length;
    const message =
      `${count === 1 ? 'The only entry' : `All ${count} entries`} of the config list failed:\n` +
      failures.map((line) => `  ${line}`).join('\n') +
      (hints.size > 0 ? `\nHints:\n${[...hints].map((hint) => `  ${hint}`).join('\n')}` : '');
    throw new LlmError('LLM_REQUEST_FAILED', this.#redact(message), { cause: lastError });
  }

  /**
   * One request to one entry's model, bounded by `deadlineMs`: the idle timeouts never fire while bytes keep coming,
   * however slowly. Aborting the signal closes the connection whether the model is still waiting for headers or the
   * body is being read.
   */
  async #attempt(model: ChatModel, request: ChatModelRequest): Promise<CompletionResult> {
    const outer = request.signal;
    // A controller per request: the SDK adds an abort listener to the signal it gets, and the session's signal lives
    // as long as the session, so listeners would pile up over a long chat.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(outer.reason);
    outer.addEventListener('abort', onAbort, { once: true });
    let expired = false;
    const { deadlineMs } = this.#config;
    const deadline = setTimeout(() => {
      expired = true;
      controller.abort();
    }, deadlineMs);
    try {
      return await model.complete({ ...request, signal: controller.signal });
    } catch (error) {
      if (expired && !outer.aborted) {
        throw new LlmError(
          'LLM_REQUEST_FAILED',
          `timed out: the response was not complete after ${deadlineMs} ms (llmConfig.deadlineMs)`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      clearTimeout(deadline);
      outer.removeEventListener('abort', onAbort);
    }
  }

  /** The request parameters for `entry`: the llmConfig's, then the entry's own. */
  #params(entry: LlmConfigEntry): Record<string, unknown> {
    const params: Record<string, unknown> = { ...this.#config.params };
    for (const [key, value] of Object.entries(entry)) if (!NON_REQUEST_KEYS.has(key)) params[key] = value;
    return params;
  }

  /** A failing cache fails the request at once: the other entries share it, and a CI replay must not go live. */
  async #cached(cache: LlmCache, key: string): Promise<CachedCompletion | undefined> {
    try {
      return readCachedCompletion(await cache.get(key));
    } catch (error) {
      throw cacheFailure('read', error);
    }
  }

  async #store(cache: LlmCache, key: string, value: CachedCompletion): Promise<void> {
    try {
      await cache.set(key, value);
    } catch (error) {
      throw cacheFailure('written', error);
    }
  }

  /** Servers may echo a key in their error text (OpenAI does, partly masked): never let one through. */
  #redact(text: string): string {
    let safe = text;
    for (const entry of this.#config.entries) {
      if (entry.api_key && entry.api_key.length >= 4) safe = safe.split(entry.api_key).join('***');
    }
    return safe;
  }
}

/**
 * One attempt's events: `stream_start` when the model starts (or sends its first delta), a `stream` or `reasoning`
 * event per delta, `stream_end` once if it started.
 */
class StreamEvents implements ChatModelSink {
  /** Deltas relayed (reply and reasoning): output that a failover must say it discards. */
  relayed = 0;
  /** The request's span and metrics, told when the first delta arrives (none for a cached reply). */
  call: ModelCall | undefined;
  /** The session's stream, looked up when the first event goes out (a request that streams nothing needs none). */
  #io: IOStream | undefined;
  readonly #agent: string | null;
  readonly #model: string;
  #ended = false;

  constructor(agent: string | null, model: string) {
    this.#agent = agent;
    this.#model = model;
  }

  start(): IOStream {
    if (this.#io !== undefined) return this.#io;
    this.#io = IOStream.getDefault();
    this.#io.send({ type: 'stream_start', content: { agent: this.#agent, model: this.#model } });
    return this.#io;
  }

  content(text: string): void {
    if (this.relayed++ === 0) this.call?.firstToken();
    (this.#io ?? this.start()).send({ type: 'stream', content: { content: text } });
  }

  reasoning(text: string): void {
    if (this.relayed++ === 0) this.call?.firstToken();
    (this.#io ?? this.start()).send({ type: 'reasoning', content: { content: text } });
  }

  end(): void {
    if (this.#io === undefined || this.#ended) return;
    this.#ended = true;
    this.#io.send({ type: 'stream_end', content: { agent: this.#agent, model: this.#model } });
  }
}

function cacheFailure(what: 'read' | 'written', cause: unknown): LlmError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LlmError('LLM_REQUEST_FAILED', `The LLM cache could not be ${what}: ${detail} (llmConfig.cache).`, {
    cause,
  });
}
