import { LlmError } from '../errors.js';
import type { ToolCall } from '../protocol/events.js';
import type { ChatModelSink } from './chat-model.js';
import { ToolCallAssembler, type ToolCallDelta } from './tool-call-assembler.js';

/**
 * The default limit on one server-sent event, in characters: far above any real chunk (a token, a tool-argument
 * piece), low enough that a model sending one endless line cannot fill the server's memory.
 */
export const DEFAULT_MAX_EVENT_SIZE = 4 * 1024 * 1024;

/** The fields of a `chat.completion.chunk` this reader uses. */
interface WireChunk {
  model?: string;
  choices?: Array<{
    delta?: {
      content?: string | null;
      /** DeepSeek, llama.cpp, older vLLM. */
      reasoning_content?: string | null;
      /** vLLM, OpenRouter, Ollama's compatible API. */
      reasoning?: string | null;
      tool_calls?: ToolCallDelta[] | null;
    } | null;
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  error?: { message?: string } | string;
}

/**
 * Parses a chat completions server-sent-event body as it arrives and relays each content delta to the sink (which
 * sends it as a `stream` event) and each reasoning delta apart. Written for the hot path (100k+ tokens/s): one pass
 * over each network chunk, no generator or promise per token, nothing allocated besides the parsed JSON and the
 * event. Each character is searched for a line end once, however long its line, and an event longer than
 * `maxEventSize` characters is refused. Takes what real servers send: `\r\n` line ends, comment lines (keep-alives),
 * chunks without choices (Azure's content-filter results, the usage chunk), characters split across reads.
 */
export class ChatStreamReader {
  content = '';
  /** Content deltas relayed so far (the role chunk's `''` included). */
  deltas = 0;
  finishReason: string | null = null;
  model = '';
  usage: WireChunk['usage'] = null;
  /** `data: [DONE]` was seen. */
  done = false;
  /** Characters searched for line ends so far: each once, so this grows with the body, never with its square. */
  scanned = 0;
  readonly #sink: ChatModelSink;
  readonly #maxEventSize: number;
  readonly #tools = new ToolCallAssembler();
  readonly #decoder = new TextDecoder();
  /** The unfinished last line, in the pieces it arrived in: joined once, when its line end arrives. */
  #pending: string[] = [];
  #pendingSize = 0;
  #data = '';
  #hasData = false;
  #event = '';

  constructor(sink: ChatModelSink, maxEventSize = DEFAULT_MAX_EVENT_SIZE) {
    this.#sink = sink;
    this.#maxEventSize = maxEventSize;
  }

  get toolCalls(): ToolCall[] | undefined {
    return this.#tools.result();
  }

  /**
   * Feeds the next bytes of the body. Throws `LlmError` when the server sends an error event, bad JSON, or an event
   * larger than the limit.
   */
  push(bytes: Uint8Array): void {
    const text = this.#decoder.decode(bytes, { stream: true });
    this.scanned += text.length;
    let nl = text.indexOf('\n');
    let start = 0;
    if (nl !== -1 && this.#pendingSize > 0) {
      const line = this.#pending.join('') + text.slice(0, nl);
      this.#pending = [];
      this.#pendingSize = 0;
      this.#line(line, 0, line.length);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    for (; nl !== -1; nl = text.indexOf('\n', start)) {
      this.#line(text, start, nl);
      start = nl + 1;
    }
    if (start < text.length) this.#hold(start === 0 ? text : text.slice(start));
  }

  /** The body ended. An event without its closing blank line is incomplete and dropped, as the SSE spec says. */
  end(): void {
    this.#decoder.decode();
    this.#pending = [];
    this.#pendingSize = 0;
  }

  /** Keeps the start of a line whose end has not arrived, within the event size limit. */
  #hold(piece: string): void {
    this.#pending.push(piece);
    this.#pendingSize += piece.length;
    this.#checkSize(this.#pendingSize);
  }

  #checkSize(lineSize: number): void {
    if (this.#data.length + lineSize > this.#maxEventSize) {
      throw new LlmError(
        'LLM_REQUEST_FAILED',
        `the server sent a stream event larger than ${this.#maxEventSize} characters (llmConfig.maxEventSize); ` +
          'raise maxEventSize only if this model really sends events that large',
      );
    }
  }

  /** One line of `text`, from `start` to the `\n` at `nl` (a `\r` before it is tolerated). */
  #line(text: string, start: number, nl: number): void {
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (end === start) {
      if (this.#hasData) this.#dispatch(this.#data);
      this.#data = '';
      this.#hasData = false;
      this.#event = '';
    } else if (text.startsWith('data:', start)) {
      const from = text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5;
      this.#checkSize(this.#hasData ? end - from + 1 : end - from);
      const data = text.slice(from, end);
      this.#data = this.#hasData ? `${this.#data}\n${data}` : data;
      this.#hasData = true;
    } else if (text.startsWith('event:', start)) {
      this.#event = text.slice(start + 6, end).trim();
    }
  }

  #dispatch(data: string): void {
    if (this.done) return;
    if (data.startsWith('[DONE]')) {
      this.done = true;
      return;
    }
    let chunk: WireChunk;
    try {
      chunk = JSON.parse(data) as WireChunk;
    } catch (error) {
      throw new LlmError(
        'LLM_REQUEST_FAILED',
        `the server sent a stream event that is not JSON (${data.slice(0, 80)})`,
        {
          cause: error,
        },
      );
    }
    if (chunk.error !== undefined || this.#event === 'error') {
      const detail = typeof chunk.error === 'string' ? chunk.error : (chunk.error?.message ?? data.slice(0, 200));
      throw new LlmError('LLM_REQUEST_FAILED', `the server sent an error mid-stream: ${detail}`);
    }
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (choice === undefined) return;
    if (this.model === '' && chunk.model) this.model = chunk.model;
    const delta = choice.delta;
    if (delta) {
      // Servers that send both names send the same text twice: one is relayed.
      const thought = delta.reasoning_content || delta.reasoning;
      if (typeof thought === 'string' && thought !== '') this.#sink.reasoning(thought);
      const text = delta.content;
      if (typeof text === 'string') {
        this.content += text;
        this.deltas++;
        this.#sink.content(text);
      }
      if (delta.tool_calls) this.#tools.add(delta.tool_calls);
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }
}
