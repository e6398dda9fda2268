import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerError } from '../errors.js';
import type { ChatModel, ChatModelRequest, CompletionResult } from '../llm/chat-model.js';
import type { ToolCall } from '../protocol/events.js';
import { demoScript, type DemoResponderOptions } from './demo-model.js';
import { splitTokens } from './reply-writer.js';

/** Options of {@link DemoChatModel}. */
export interface DemoChatModelOptions extends DemoResponderOptions {
  /** Pause before each streamed token, in ms, so the reply reads like a model typing. Default: 0. */
  tokenDelayMs?: number;
}

/**
 * The scripted demo model ({@link demoResponder}'s script) as an in-process {@link ChatModel}: what
 * `agentws serve --demo` answers with, no HTTP server involved. Give it as a config entry's `model_client`.
 * @example
 * const configList = [{ model: 'agentws-demo', model_client: new DemoChatModel({ tokenDelayMs: 40 }) }];
 */
export class DemoChatModel implements ChatModel {
  readonly #script: ReturnType<typeof demoScript>;
  readonly #tokenDelayMs: number;

  constructor(options: DemoChatModelOptions = {}) {
    const { tokenDelayMs = 0, ...script } = options;
    if (!(Number.isFinite(tokenDelayMs) && tokenDelayMs >= 0)) {
      throw new ServerError('OPTION_INVALID', `DemoChatModel: tokenDelayMs must be 0 or more, got ${tokenDelayMs}.`);
    }
    this.#script = demoScript(script);
    this.#tokenDelayMs = tokenDelayMs;
  }

  async complete(request: ChatModelRequest): Promise<CompletionResult> {
    const { model, messages, tools, stream, sink, signal } = request;
    const reply = this.#script({ model, messages, ...(tools ? { tools } : {}) });
    const tokens = typeof reply.content === 'string' ? splitTokens(reply.content) : (reply.content ?? []);
    const toolCalls: ToolCall[] = (reply.toolCalls ?? []).map((call) => ({
      id: call.id ?? `call_${randomBytes(12).toString('hex')}`,
      type: 'function',
      function: {
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      },
    }));
    signal.throwIfAborted();
    if (stream) {
      sink.start();
      for (const token of tokens) {
        if (this.#tokenDelayMs > 0) await sleep(this.#tokenDelayMs, undefined, { signal });
        sink.content(token);
      }
    }
    const promptTokens = Math.ceil(JSON.stringify(messages).length / 4);
    const completionTokens = tokens.length + toolCalls.length;
    return {
      content: toolCalls.length > 0 && tokens.length === 0 ? (stream ? '' : null) : tokens.join(''),
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      model,
      finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  }
}
