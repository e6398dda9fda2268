/**
 * How the fake OpenAI server answers: replies serialised byte for byte as the real API does, streamed fast (batched,
 * back-pressured) or paced with timers. See `fake-openai-server.ts` for the server and the reply types.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeChatRequest, FakeReply } from './fake-openai-server.js';

const FINGERPRINT = 'fp_agentws_fake';
/** Bytes gathered before one socket write when no pacing is asked for: far fewer syscalls than one per token. */
const BATCH_BYTES = 64 * 1024;

/**
 * Splits text into tokens the way streamed model output looks: a token starts before each whitespace run, so
 * `"Paris wakes beneath"` gives `["Paris", " wakes", " beneath"]` and a newline stays with the word after it.
 */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/**
 * What Azure OpenAI says about the prompt before the reply: the first chunk of its streams (with no choices) and a
 * field of its responses.
 */
const AZURE_PROMPT_FILTER_RESULTS = [
  {
    prompt_index: 0,
    content_filter_results: {
      hate: { filtered: false, severity: 'safe' },
      jailbreak: { filtered: false, detected: false },
      self_harm: { filtered: false, severity: 'safe' },
      sexual: { filtered: false, severity: 'safe' },
      violence: { filtered: false, severity: 'safe' },
    },
  },
];

/** Answers one chat completions request with `reply`, exactly as the OpenAI API (or Azure OpenAI's) would. */
export async function writeReply(
  res: ServerResponse,
  body: FakeChatRequest,
  reply: FakeReply,
  tokenDelayMs: number,
  signal: AbortSignal,
  flavor: 'openai' | 'azure' = 'openai',
): Promise<void> {
  if (reply.hang) return;
  if (reply.delayMs) await sleep(reply.delayMs, undefined, { signal });
  if (reply.rawBody !== undefined) {
    await writeRaw(res, reply.rawBody, reply.rawChunkBytes, tokenDelayMs, signal);
    return;
  }
  if (reply.error) {
    const { status, message = `fake-openai: scripted error ${status}`, type, code = null } = reply.error;
    sendError(res, status, message, type ?? errorType(status), code);
    return;
  }
  const tokens = typeof reply.content === 'string' ? splitTokens(reply.content) : (reply.content ?? []);
  const tools = (reply.toolCalls ?? []).map((call) => {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    return {
      id: call.id ?? `call_${randomBytes(12).toString('hex')}`,
      name: call.name,
      arguments: args,
      pieces: splitArguments(args, call.chunks),
    };
  });
  const meta = {
    id: `chatcmpl-${randomBytes(15).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
  };
  const deltaCount = tokens.length + tools.reduce((sum, tool) => sum + tool.pieces.length, 0);
  const promptTokens = reply.usage?.prompt_tokens ?? Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
  const completionTokens = reply.usage?.completion_tokens ?? deltaCount;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: reply.usage?.total_tokens ?? promptTokens + completionTokens,
  };
  const finishReason = tools.length > 0 ? 'tool_calls' : 'stop';

  if (body.stream !== true) {
    if (reply.cutAfter !== undefined) {
      res.destroy();
      return;
    }
    const toolCalls = tools.map((t) => ({
      id: t.id,
      type: 'function',
      function: { name: t.name, arguments: t.arguments },
    }));
    const content = tools.length > 0 && tokens.length === 0 ? null : tokens.join('');
    sendJson(res, 200, {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            refusal: null,
            annotations: [],
          },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
      system_fingerprint: FINGERPRINT,
      ...(flavor === 'azure' ? { prompt_filter_results: AZURE_PROMPT_FILTER_RESULTS } : {}),
    });
    return;
  }

  const includeUsage = body.stream_options?.include_usage === true;
  // Everything around a content token is the same for the whole reply: serialise it once.
  const head =
    `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},` +
    `"model":${JSON.stringify(meta.model)},"system_fingerprint":"${FINGERPRINT}","choices":`;
  const tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const chunk = (delta: object, finish: string | null = null) =>
    `${head}${JSON.stringify([{ index: 0, delta, logprobs: null, finish_reason: finish }])}${tail}`;
  const tokenHead = `${head}[{"index":0,"delta":{"content":`;
  const tokenTail = `},"logprobs":null,"finish_reason":null}]${tail}`;

  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
  const out = new ChunkWriter(res, tokenDelayMs, signal, reply.cutAfter);
  if (flavor === 'azure') {
    const filter = {
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: AZURE_PROMPT_FILTER_RESULTS,
    };
    out.write(`data: ${JSON.stringify(filter)}\n\n`);
  }
  const intro = (i: number) => {
    const tool = tools[i]!;
    return [{ index: i, id: tool.id, type: 'function', function: { name: tool.name, arguments: '' } }];
  };
  if (tokens.length > 0 || tools.length === 0) {
    out.write(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const token of tokens) {
      const wait = out.delta(tokenHead + JSON.stringify(token) + tokenTail);
      if (wait) await wait;
      if (out.done) return;
    }
  }
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i]!;
    if (i === 0 && tokens.length === 0) {
      out.write(chunk({ role: 'assistant', content: null, tool_calls: intro(0), refusal: null }));
    } else {
      out.write(chunk({ tool_calls: intro(i) }));
    }
    for (const piece of tool.pieces) {
      const wait = out.delta(chunk({ tool_calls: [{ index: i, function: { arguments: piece } }] }));
      if (wait) await wait;
      if (out.done) return;
    }
  }
  out.write(chunk({}, finishReason));
  if (includeUsage) {
    out.write(`${head}[],"usage":${JSON.stringify(usage)}}\n\n`);
  }
  out.write('data: [DONE]\n\n');
  await out.end();
}

/**
 * Writes SSE chunks: batched and back-pressured when unpaced, one write per chunk after a timer when paced, and
 * cut (socket destroyed) after `cutAfter` deltas.
 */
class ChunkWriter {
  readonly #res: ServerResponse;
  readonly #delayMs: number;
  readonly #signal: AbortSignal;
  readonly #cutAfter: number;
  #buffer = '';
  #deltas = 0;
  /** Set once the socket was cut or the client left: stop producing. */
  done = false;

  constructor(res: ServerResponse, delayMs: number, signal: AbortSignal, cutAfter = Infinity) {
    this.#res = res;
    this.#delayMs = delayMs;
    this.#signal = signal;
    this.#cutAfter = cutAfter;
  }

  /** A chunk that is not a delta (role, tool intro, finish, usage, [DONE]). */
  write(data: string): void {
    this.#buffer += data;
  }

  /** A delta chunk. Returns a promise only when the caller must wait (pacing, backpressure, cut). */
  delta(data: string): Promise<void> | undefined {
    if (this.#deltas >= this.#cutAfter) return this.#cut();
    this.#deltas++;
    if (this.#delayMs > 0) return this.#paced(data);
    this.#buffer += data;
    if (this.#buffer.length >= BATCH_BYTES) return this.#flush();
    return undefined;
  }

  async end(): Promise<void> {
    if (this.#deltas >= this.#cutAfter) return this.#cut();
    if (this.#signal.aborted) return;
    this.#res.end(this.#buffer);
    this.#buffer = '';
  }

  async #paced(data: string): Promise<void> {
    await this.#flush();
    await sleep(this.#delayMs, undefined, { signal: this.#signal });
    this.#buffer = data;
    await this.#flush();
  }

  #flush(): Promise<void> | undefined {
    if (this.#signal.aborted) {
      this.done = true;
      return undefined;
    }
    if (this.#buffer === '') return undefined;
    const ok = this.#res.write(this.#buffer);
    this.#buffer = '';
    return ok ? undefined : settled(this.#res, 'drain', this.#signal);
  }

  async #cut(): Promise<void> {
    this.done = true;
    if (this.#signal.aborted) return;
    const data = this.#buffer;
    this.#buffer = '';
    // Let the chunks already produced reach the client, then break the connection mid-body.
    if (data !== '' && !this.#res.write(data)) await settled(this.#res, 'drain', this.#signal);
    await new Promise((resolve) => setImmediate(resolve));
    const socket = this.#res.socket;
    if (socket && socket.writableLength > 0) await settled(socket, 'drain', this.#signal);
    this.#res.destroy();
  }
}

/** Writes a scripted body as is, piece by piece (see `FakeReply.rawBody`), until it ends or the client leaves. */
async function writeRaw(
  res: ServerResponse,
  body: NonNullable<FakeReply['rawBody']>,
  pieceBytes: number | undefined,
  delayMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (pieceBytes !== undefined && !(Number.isInteger(pieceBytes) && pieceBytes > 0)) {
    throw new Error(`rawChunkBytes must be a positive integer, got ${pieceBytes}`);
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
  const pieces = typeof body === 'string' || body instanceof Uint8Array ? [body] : body;
  // `for await` reads sync iterables too; an async one lets a test pace the model by its own events.
  for await (const piece of pieces) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
    const size = pieceBytes ?? Math.max(1, bytes.length);
    for (let at = 0; at < bytes.length; at += size) {
      if (delayMs > 0) await sleep(delayMs, undefined, { signal });
      if (signal.aborted) return;
      if (!res.write(bytes.subarray(at, at + size))) await settled(res, 'drain', signal);
    }
  }
  if (!signal.aborted) res.end();
}

/** Resolves on `event` or when the request is over, whichever comes first. */
function settled(emitter: Writable | ServerResponse, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      emitter.off(event, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    emitter.on(event, done);
    signal.addEventListener('abort', done);
  });
}

/** Pieces of a tool's arguments: `count` near-equal ones, else split at JSON punctuation as OpenAI streams them. */
function splitArguments(args: string, count?: number): string[] {
  if (args === '') return [];
  if (count === undefined) return args.match(/[{}[\]":,\s]+|[^{}[\]":,\s]+/g) ?? [args];
  const n = Math.min(Math.max(1, Math.floor(count)), args.length);
  const size = Math.ceil(args.length / n);
  const pieces: string[] = [];
  for (let start = 0; start < args.length; start += size) pieces.push(args.slice(start, start + size));
  return pieces;
}

function errorType(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** An OpenAI-style JSON error response. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
): void {
  sendJson(res, status, { error: { message, type, param: null, code } });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
