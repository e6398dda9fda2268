import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServerError } from '../errors.js';
import type { ToolCall } from '../protocol/events.js';
import { sendError, sendJson, writeReply } from './reply-writer.js';

export { splitTokens } from './reply-writer.js';

/** A tool call the fake model makes. */
export interface FakeToolCall {
  /** Default: a random `call_...` id. */
  id?: string;
  name: string;
  /** Objects are JSON-encoded. */
  arguments: string | object;
  /** Stream the arguments in this many pieces. Default: split like OpenAI, e.g. `{"` `city` `":"` `Paris` `"}`. */
  chunks?: number;
}

/** One scripted answer of the fake server. */
export interface FakeReply {
  /** A string is split into tokens AutoGen-style (see {@link splitTokens}); a list is sent token by token as given. */
  content?: string | string[];
  toolCalls?: FakeToolCall[];
  /** Answer with this HTTP status and an OpenAI-style JSON error body instead. */
  error?: { status: number; message?: string; type?: string; code?: string | null };
  /** Destroy the socket after this many delta chunks (content tokens or tool-argument pieces). */
  cutAfter?: number;
  /** Pause before each delta chunk (each write of a `rawBody`). Default: the server's `tokenDelayMs`, else none. */
  tokenDelayMs?: number;
  /** Pause before the response headers. */
  delayMs?: number;
  /** Never answer (the request stays open until the client gives up or the server closes). */
  hang?: boolean;
  /** Reported usage. Default: prompt ≈ characters / 4 of the messages, completion = delta chunks sent. */
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  /**
   * Answer with this body byte for byte instead of `content`, `toolCalls` or `error` (status 200, `text/event-stream`,
   * whether the request streams or not): for malformed, huge or never-ending streams. Each piece is one write that
   * waits for the socket to drain, after `tokenDelayMs` when set; an iterable is read lazily, so a generator can be
   * endless, and an async one can pace the stream by the test's own events. The response ends after the last piece.
   * @example
   * { rawBody: ['data: {"choices":[{"delta":{"content":"', ...Array(320).fill('x'.repeat(65536))] } // a 20 MiB line
   */
  rawBody?: string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
  /**
   * Cut each piece of `rawBody` into writes of at most this many bytes. `rawChunkBytes: 1` with `tokenDelayMs`
   * makes a model that drips one byte at a time. Default: each piece in one write.
   */
  rawChunkBytes?: number;
}

/** A message as a client sent it. */
export interface FakeChatMessage {
  role: string;
  content?: string | null | Array<{ type: string; text?: string }>;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** The parsed body of a chat completions request. */
export interface FakeChatRequest {
  model: string;
  messages: FakeChatMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  [key: string]: unknown;
}

/** One chat completions request the server received. */
export interface RecordedRequest {
  /** Position in `requests`. */
  index: number;
  method: string;
  /** Without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  body: FakeChatRequest;
  /** Azure OpenAI's URL scheme (`/openai/deployments/{deployment}/chat/completions?api-version=...`): what it named. */
  azure?: { deployment: string; apiVersion: string };
}

export type FakeResponder = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Replies to give, in order. Default: none. */
  replies?: FakeReply[];
  /** Answers requests once the queue is empty. Default: none (such requests get a 500). */
  respond?: FakeResponder;
  /** Pause before each delta chunk of every reply. Default: 0 (as fast as the socket takes them). */
  tokenDelayMs?: number;
  /** Default: 0 (a free port). */
  port?: number;
  /** Default: `'127.0.0.1'`. */
  host?: string;
}

/** A running fake server. */
export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT`: also the endpoint of an Azure OpenAI entry (`base_url` with `api_type: "azure"`). */
  readonly url: string;
  /** `url + '/v1'`: what `base_url` / the SDK's `baseURL` should be. */
  readonly baseURL: string;
  /** Every chat completions request so far. */
  readonly requests: RecordedRequest[];
  enqueue(...replies: FakeReply[]): void;
  /** Resolves when that request (default: the latest) is closed by the client before its response finished. */
  waitForRequestClosed(index?: number): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts an OpenAI-compatible HTTP server on 127.0.0.1 that answers `POST /v1/chat/completions` (streaming or not)
 * from a script, byte for byte in OpenAI's format, and records what it was sent. It speaks Azure OpenAI's scheme too:
 * `POST /openai/deployments/{deployment}/chat/completions?api-version=...` with the key in an `api-key` header (404
 * `Resource not found` without an api-version, 401 without a key, as Azure answers), streams opening with Azure's
 * prompt content-filter chunk.
 * @example
 * await using fake = await startFakeOpenAI({ replies: [{ content: 'Hello there' }] });
 * const llm = new LlmClient({ configList: [{ model: 'gpt-4o', base_url: fake.baseURL }], stream: true });
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const { replies = [], respond, tokenDelayMs = 0, port = 0, host = '127.0.0.1' } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServerError('OPTION_INVALID', `startFakeOpenAI: port must be an integer from 0 to 65535, got ${port}.`);
  }
  if (!(tokenDelayMs >= 0)) {
    throw new ServerError('OPTION_INVALID', `startFakeOpenAI: tokenDelayMs must be 0 or more, got ${tokenDelayMs}.`);
  }
  const queue = [...replies];
  const requests: RecordedRequest[] = [];
  const closedWaiters = new Map<number, { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void }>();

  const waiter = (index: number) => {
    let entry = closedWaiters.get(index);
    if (entry === undefined) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {}); // nobody has to wait
      entry = { promise, resolve, reject };
      closedWaiters.set(index, entry);
    }
    return entry;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `fake-openai: ${errorMessage(error)}`, 'server_error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-request-id', `req_${randomBytes(16).toString('hex')}`);
    const [path = '/', query = ''] = (req.url ?? '/').split('?');
    const azureMatch = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(path);
    if (req.method === 'GET' && path === '/v1/models') {
      const models = new Set(['fake-model', ...requests.map((r) => r.body.model)]);
      const data = [...models].map((id) => ({ id, object: 'model', created: 0, owned_by: 'agentws' }));
      sendJson(res, 200, { object: 'list', data });
      return;
    }
    let azure: RecordedRequest['azure'];
    if (req.method === 'POST' && azureMatch !== null) {
      const apiVersion = new URLSearchParams(query).get('api-version');
      if (!apiVersion) {
        sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
        return;
      }
      if (!req.headers['api-key']) {
        const message =
          'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key ' +
          'for an active subscription and use a correct regional API endpoint for your resource.';
        sendJson(res, 401, { error: { code: '401', message } });
        return;
      }
      azure = { deployment: decodeURIComponent(azureMatch[1]!), apiVersion };
    } else if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendError(res, 404, `Unknown request URL: ${req.method} ${path}.`, 'invalid_request_error', 'unknown_url');
      return;
    }
    const body = parseBody(await readBody(req));
    if (typeof body === 'string') {
      sendError(res, 400, body, 'invalid_request_error');
      return;
    }
    const index = requests.length;
    const recorded: RecordedRequest = {
      index,
      method: req.method,
      path,
      headers: req.headers,
      body,
      ...(azure ? { azure } : {}),
    };
    requests.push(recorded);

    const closed = new AbortController();
    res.on('close', () => {
      closed.abort();
      if (res.writableFinished) waiter(index).reject(new Error(`fake-openai: request ${index} finished normally`));
      else waiter(index).resolve();
    });

    let reply = queue.shift();
    if (reply === undefined && respond !== undefined) {
      try {
        reply = await respond(recorded);
      } catch (error) {
        sendError(
          res,
          500,
          `fake-openai: respond() failed for request ${index}: ${errorMessage(error)}`,
          'server_error',
        );
        return;
      }
    }
    if (reply === undefined) {
      sendError(res, 500, `fake-openai: no scripted reply for request ${index}`, 'server_error');
      return;
    }
    try {
      const flavor = azure ? 'azure' : 'openai';
      await writeReply(res, body, reply, reply.tokenDelayMs ?? tokenDelayMs, closed.signal, flavor);
    } catch (error) {
      if (!closed.signal.aborted) throw error; // else the client left: nothing to answer
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ServerError(error.code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'LISTEN_FAILED', error.message, { cause: error }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    enqueue: (...more) => void queue.push(...more),
    waitForRequestClosed: (index = Math.max(0, requests.length - 1)) => waiter(index).promise,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request body, or the 400 message explaining what is wrong with it. */
function parseBody(text: string): FakeChatRequest | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'We could not parse the JSON body of your request. (fake-openai expects a JSON object.)';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'The request body must be a JSON object.';
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string') return "you must provide a model parameter ('model' is missing).";
  if (!Array.isArray(record.messages)) return "Missing required parameter: 'messages'.";
  return record as FakeChatRequest;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
