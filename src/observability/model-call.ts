import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { ChatModelRequest, CompletionResult, LlmMessage } from '../llm/chat-model.js';
import { DEFAULT_BASE_URL, type LlmConfigEntry } from '../llm/config-list.js';
import type { RunInfo } from './run-observer.js';
import { captureContent, endFailed, errorType, tracer } from './tracing.js';

/** Who answers a config entry's requests, for its spans and metrics: worked out once per entry. */
export interface ModelTarget {
  readonly model: string;
  readonly spanName: string;
  /** The attributes every request to this entry starts its span with. */
  readonly attributes: Readonly<Attributes>;
}

/** Request parameters the conventions name, by the API's parameter name. */
const REQUEST_ATTRIBUTES: ReadonlyArray<[param: string, attribute: string]> = [
  ['temperature', 'gen_ai.request.temperature'],
  ['top_p', 'gen_ai.request.top_p'],
  ['max_tokens', 'gen_ai.request.max_tokens'],
  ['max_completion_tokens', 'gen_ai.request.max_tokens'],
  ['frequency_penalty', 'gen_ai.request.frequency_penalty'],
  ['presence_penalty', 'gen_ai.request.presence_penalty'],
  ['seed', 'gen_ai.request.seed'],
];

/**
 * The entry's `gen_ai.provider.name`, which tells the API flavour a span describes: `azure.ai.openai` for Azure
 * OpenAI entries, `openai` for every other HTTP entry (OpenAI or a server speaking its API: Ollama, vLLM, ...;
 * `server.address` tells them apart), and `agentws.model_client` for an entry answered by a `ChatModel` of the
 * application's.
 */
export function providerName(entry: LlmConfigEntry): string {
  if (entry.model_client) return 'agentws.model_client';
  return entry.api_type?.startsWith('azure') === true ? 'azure.ai.openai' : 'openai';
}

/** The span name and creation attributes of the entry's requests (`server.*` from its URL). */
export function modelTarget(entry: LlmConfigEntry): ModelTarget {
  const azure = entry.api_type?.startsWith('azure') === true;
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': providerName(entry),
    'gen_ai.request.model': entry.model,
  };
  if (!entry.model_client) {
    const url = (azure && typeof entry.azure_endpoint === 'string' ? entry.azure_endpoint : entry.base_url) ?? '';
    const server = serverOf(url || DEFAULT_BASE_URL);
    if (server) {
      attributes['server.address'] = server.address;
      attributes['server.port'] = server.port;
    }
  }
  return { model: entry.model, spanName: `chat ${entry.model}`, attributes };
}

function serverOf(url: string): { address: string; port: number } | undefined {
  try {
    const parsed = new URL(url);
    const port = parsed.port === '' ? (parsed.protocol === 'http:' ? 80 : 443) : Number(parsed.port);
    return { address: parsed.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

/** A message as the conventions' `gen_ai.input.messages` schema has it: a role and typed parts. */
function conventionMessage(message: LlmMessage): object {
  const parts: object[] = [];
  if (message.role === 'tool') {
    parts.push({ type: 'tool_call_response', id: message.tool_call_id ?? null, response: message.content });
  } else if (message.content !== null && message.content !== '') {
    parts.push({ type: 'text', content: message.content });
  }
  for (const call of message.tool_calls ?? []) {
    parts.push({ type: 'tool_call', id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return { role: message.role, parts, ...(message.name !== undefined ? { name: message.name } : {}) };
}

function outputMessages(result: CompletionResult): string {
  const message = conventionMessage({ role: 'assistant', content: result.content, tool_calls: result.tool_calls });
  return JSON.stringify([{ ...message, finish_reason: result.finish_reason ?? 'error' }]);
}

/**
 * One request to one config entry, seen from outside: its `chat {model}` CLIENT span (the active span while the
 * request runs, so HTTP instrumentation nests under it) and its record for the run's metrics. Created per attempt:
 * each entry a failover tries gets a span of its own.
 */
export class ModelCall {
  readonly #target: ModelTarget;
  readonly #run: RunInfo | undefined;
  readonly #span: Span;
  readonly #startedAt: number;
  #firstTokenAt: number | undefined;

  constructor(target: ModelTarget, request: ChatModelRequest, run: RunInfo | undefined) {
    this.#target = target;
    this.#run = run;
    const attributes: Attributes = { ...target.attributes };
    if (run) attributes['gen_ai.conversation.id'] = run.conversationId;
    if (request.stream) attributes['gen_ai.request.stream'] = true;
    for (const [param, attribute] of REQUEST_ATTRIBUTES) {
      const value = request.params[param];
      if (typeof value === 'number') attributes[attribute] = value;
    }
    this.#span = tracer.startSpan(target.spanName, { kind: SpanKind.CLIENT, attributes });
    this.#startedAt = performance.now();
    if (this.#span.isRecording() && captureContent()) {
      this.#span.setAttribute('gen_ai.input.messages', JSON.stringify(request.messages.map(conventionMessage)));
    }
  }

  /** Runs `attempt` with this call's span active. */
  run<T>(attempt: () => Promise<T>): Promise<T> {
    return context.with(trace.setSpan(context.active(), this.#span), attempt);
  }

  /** The first delta of the reply or reasoning arrived. */
  firstToken(): void {
    this.#firstTokenAt ??= performance.now();
  }

  /** The model answered; `streamed` deltas were relayed. */
  succeeded(result: CompletionResult, streamed: number): void {
    const span = this.#span;
    const firstTokenSeconds = this.#firstTokenSeconds();
    if (span.isRecording()) {
      span.setAttributes({
        'gen_ai.response.model': result.model,
        'gen_ai.response.finish_reasons': [result.finish_reason ?? 'error'],
        'gen_ai.usage.input_tokens': result.usage.prompt_tokens,
        'gen_ai.usage.output_tokens': result.usage.completion_tokens,
      });
      if (firstTokenSeconds !== undefined) span.setAttribute('gen_ai.response.time_to_first_chunk', firstTokenSeconds);
      if (captureContent()) span.setAttribute('gen_ai.output.messages', outputMessages(result));
    }
    span.end();
    this.#run?.observer?.modelCall({
      model: this.#target.model,
      outcome: 'ok',
      seconds: this.#elapsedSeconds(),
      firstTokenSeconds,
      streamed,
      usage: { input: result.usage.prompt_tokens, output: result.usage.completion_tokens },
    });
  }

  /**
   * The request failed (`aborted`: cancel, disconnect, shutdown). `why` says how, free of secrets (the span's status
   * message leaves the process).
   */
  failed(error: unknown, aborted: boolean, why: string, streamed: number): void {
    this.#span.setAttribute('gen_ai.response.finish_reasons', ['error']);
    // An abort surfaces as whatever the HTTP client threw; it is one kind of end, whatever the class.
    endFailed(this.#span, aborted ? 'ABORTED' : errorType(error), why);
    this.#run?.observer?.modelCall({
      model: this.#target.model,
      outcome: aborted ? 'aborted' : 'error',
      seconds: this.#elapsedSeconds(),
      firstTokenSeconds: this.#firstTokenSeconds(),
      streamed,
      usage: undefined,
    });
  }

  /** A reply answered from the cache: no request and no span, but the run's metrics count it. */
  static cached(target: ModelTarget, result: CompletionResult, run: RunInfo | undefined, streamed: number): void {
    run?.observer?.modelCall({
      model: target.model,
      outcome: 'cached',
      seconds: 0,
      firstTokenSeconds: undefined,
      streamed,
      usage: { input: result.usage.prompt_tokens, output: result.usage.completion_tokens },
    });
  }

  #elapsedSeconds(): number {
    return (performance.now() - this.#startedAt) / 1000;
  }

  #firstTokenSeconds(): number | undefined {
    return this.#firstTokenAt === undefined ? undefined : (this.#firstTokenAt - this.#startedAt) / 1000;
  }
}
