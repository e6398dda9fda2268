import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { IOStream } from '../../src/io/iostream.js';
import { IOStream as IOStreamRegistry } from '../../src/io/iostream.js';
import type { LlmMessage } from '../../src/llm/llm-client.js';
import { LlmClient } from '../../src/llm/llm-client.js';
import type { WireFrame } from '../../src/protocol/events.js';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import type { SessionOutcome } from '../../src/server/session.js';
import type { FakeOpenAI, FakeReply } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import type { CapturedLogger } from './capture-logger.js';
import { captureLogger } from './capture-logger.js';
import { TestClient } from './ws-client.js';

/** Secrets of the harness: neither may appear in a log line or a frame. */
export const API_KEY = `sk-agentws-test-${randomBytes(12).toString('hex')}`;
export const TOKEN = `tok_${randomBytes(16).toString('hex')}`;
export const AUTH = { Authorization: `Bearer ${TOKEN}` };

/** The well-behaved session's model reply. */
export const GOOD_TOKENS = Array.from({ length: 120 }, (_, i) => ` good${i}`);
export const GOOD_TEXT = GOOD_TOKENS.join('');
/** One large streamed token, and enough of them to fill every buffer between the server and a client many times. */
export const BIG_TOKEN = 'x'.repeat(1024);
export const HUGE_TOKENS = 40_000;

/**
 * What the fake model answers, by the user's last message: the bad-input suites pick a failure by what they send.
 */
function script(message: string): FakeReply {
  switch (message) {
    case 'good':
      return { content: GOOD_TOKENS };
    case 'http-401':
      return {
        error: {
          status: 401,
          message: `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com.`,
          code: 'invalid_api_key',
        },
      };
    case 'http-429':
      return { error: { status: 429, message: 'Rate limit reached for requests.', code: 'rate_limit_exceeded' } };
    case 'http-500':
      return { error: { status: 500, message: 'The server had an error while processing your request.' } };
    case 'hang':
    case 'timeout':
      return { hang: true };
    case 'cut':
      return { content: GOOD_TOKENS, cutAfter: 5 };
    case 'long':
      return { content: Array.from({ length: 5_000 }, (_, i) => ` t${i}`), tokenDelayMs: 2 };
    case 'huge':
      return { content: Array.from({ length: HUGE_TOKENS }, () => BIG_TOKEN) };
    case 'huge-line': // one 20 MiB SSE line that never ends, in 64 KiB writes
      return { rawBody: ['data: {"choices":[{"delta":{"content":"', ...Array<string>(320).fill('x'.repeat(65_536))] };
    case 'huge-error-500':
      return { error: { status: 500, message: 'E'.repeat(5 * 1024 * 1024) } };
    case 'huge-error-event':
      return { rawBody: `data: {"error":{"message":"${'E'.repeat(3 * 1024 * 1024)}"}}\n\n` };
    default:
      return { content: `echo: ${message}` };
  }
}

export interface ModelHarness {
  fake: FakeOpenAI;
  server: AgentwsServer;
  logs: CapturedLogger;
  /** Every session's outcome, in the order they ended. */
  outcomes: Array<{ id: string; outcome: SessionOutcome }>;
  /** Per session id: the largest send buffer seen right after a send. */
  maxBuffered: Map<string, number>;
  /** Index of the model request whose last message was `message`. */
  requestIndex(message: string): number;
  /** Resolves with that index once the fake model received the request. */
  requested(message: string): Promise<number>;
  /** Resolves once a session ended with this outcome; returns its id. */
  outcome(outcome: SessionOutcome): Promise<string>;
  /** Resolves once no session is running. */
  idle(): Promise<void>;
  /** A JSON-mode client with the token. */
  client(): Promise<TestClient>;
  /** Checks that no log line holds a secret, then stops everything. */
  close(): Promise<void>;
}

/**
 * A server whose onConnect is a small chat loop over the real LlmClient and the fake OpenAI server: each input is
 * sent to the model (streamed), `exit` ends the run. The token is required.
 */
export async function startModelHarness(options: Partial<ServerOptions> = {}): Promise<ModelHarness> {
  const arrived = new EventEmitter();
  const fake = await startFakeOpenAI({
    respond: (req) => {
      const text = lastUserText(req.body.messages);
      arrived.emit('request', text);
      return script(text);
    },
  });
  const logs = captureLogger();
  const maxBuffered = new Map<string, number>();
  const outcomes: ModelHarness['outcomes'] = [];
  const server = await runServer({
    port: 0,
    logger: logs,
    token: TOKEN,
    secrets: [API_KEY],
    maxMessageSize: 64 * 1024,
    maxBufferedBytes: 256 * 1024,
    pingIntervalMs: 0,
    // These tests are about one session on one connection: a drop aborts the run. Resume has its own tests.
    resumeWindowMs: 0,
    ...options,
    onConnect: async (io) => {
      // Records the send buffer after every event, to show it stays bounded.
      const probe: IOStream = {
        print: (...objects) => io.print(...objects),
        input: (prompt, opts) => io.input(prompt, opts),
        send: (event) => {
          io.send(event);
          maxBuffered.set(io.id, Math.max(maxBuffered.get(io.id) ?? 0, io.bufferedAmount));
        },
        signal: io.signal,
      };
      await IOStreamRegistry.withDefault(probe, async () => {
        const messages: LlmMessage[] = [];
        for (;;) {
          const text = await io.input(messages.length === 0 ? '' : 'continue?');
          if (text === 'exit') return;
          messages.push({ role: 'user', content: text });
          const llm = new LlmClient({
            configList: [{ model: 'fake-model', base_url: fake.baseURL, api_key: API_KEY }],
            stream: true,
            timeoutMs: text === 'timeout' ? 300 : 60_000,
          });
          const reply = await llm.create({ messages, signal: io.signal, agent: 'assistant' });
          messages.push({ role: 'assistant', content: reply.content });
        }
      });
    },
  });
  server.endpoint.on('session-end', ({ id, outcome }) => outcomes.push({ id, outcome }));

  return {
    fake,
    server,
    logs,
    outcomes,
    maxBuffered,
    requestIndex(message) {
      const index = fake.requests.findIndex((r) => lastUserText(r.body.messages) === message);
      if (index === -1) throw new Error(`no model request for ${JSON.stringify(message)}`);
      return index;
    },
    async requested(message) {
      for (;;) {
        const index = fake.requests.findIndex((r) => lastUserText(r.body.messages) === message);
        if (index !== -1) return index;
        await once(arrived, 'request');
      }
    },
    async outcome(outcome) {
      for (;;) {
        const found = outcomes.find((o) => o.outcome === outcome);
        if (found) return found.id;
        await once(server.endpoint, 'session-end');
      }
    },
    async idle() {
      while (server.sessionCount > 0) await once(server.endpoint, 'session-end');
    },
    async client() {
      return TestClient.open(server.uri, 'agentws.v1', { headers: AUTH });
    },
    async close() {
      await server.close({ graceMs: 0 });
      await fake.close();
      for (const line of logs.lines) {
        expect(line).not.toContain(API_KEY);
        expect(line).not.toContain(TOKEN);
      }
    },
  };
}

function lastUserText(messages: Array<{ role: string; content?: unknown }>): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** The JSON events of a client, of one type. */
export function eventsOf(client: TestClient, type: string): WireFrame[] {
  return client.events.filter((e) => e.type === type);
}

/** Waits for the n-th (1-based) input request and answers it. */
export async function answer(client: TestClient, n: number, value: string): Promise<void> {
  await client.waitFor(
    (frames) => frames.filter((f) => f.includes('"type":"input_request"')).length >= n,
    `input request ${n}`,
  );
  const request = eventsOf(client, 'input_request')[n - 1]!;
  client.send({ type: 'input_response', id: (request.content as { id: string }).id, value });
}

/**
 * A well-behaved session that runs across a bad-input scenario: one model reply before it, one during it, and
 * `finish()` checks it received every event, in order, with nothing lost.
 */
export class GoodSession {
  private constructor(readonly client: TestClient) {}

  /** Connects, gets the first reply streamed, and stops at the second input request. */
  static async start(harness: ModelHarness): Promise<GoodSession> {
    const client = await harness.client();
    await answer(client, 1, 'good');
    await client.waitFor(
      (frames) => frames.filter((f) => f.includes('"type":"input_request"')).length >= 2,
      'the second input request',
    );
    return new GoodSession(client);
  }

  /** Asks for the second reply (streams while the bad scenario runs). */
  continue(): void {
    void answer(this.client, 2, 'good');
  }

  /** Ends the run and checks every event arrived. */
  async finish(): Promise<void> {
    await answer(this.client, 3, 'exit');
    expect(await this.client.closed).toBe(1000);
    const events = this.client.events;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const reply = ['stream_start', ...GOOD_TOKENS.map(() => 'stream'), 'stream_end'];
    // The role chunk streams as an empty token, as upstream prints it: left out of the comparison.
    const emptyToken = (e: WireFrame): boolean =>
      e.type === 'stream' && (e.content as { content: string }).content === '';
    expect(events.filter((e) => !emptyToken(e)).map((e) => e.type)).toEqual([
      'session',
      'input_request',
      ...reply,
      'input_request',
      ...reply,
      'input_request',
      'run_completion',
    ]);
    const streamed = eventsOf(this.client, 'stream').map((e) => (e.content as { content: string }).content);
    expect(streamed.join('')).toBe(GOOD_TEXT + GOOD_TEXT);
    for (const frame of this.client.frames) expect(frame).not.toContain(API_KEY);
  }
}

/** The last `error` event a client got. */
export function lastError(client: TestClient): { error: string; code: string; fatal: boolean } | undefined {
  return eventsOf(client, 'error').at(-1)?.content as { error: string; code: string; fatal: boolean } | undefined;
}

/**
 * The checks every bad-input test file ends with: no unhandled rejection anywhere in the file, and after each test
 * the harness goes idle with no live session left, then closes.
 */
export function checkEveryTestEndsClean(harness: () => ModelHarness): void {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  beforeAll(() => void process.on('unhandledRejection', onRejection));
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    expect(rejections).toEqual([]);
  });
  afterEach(async () => {
    const h = harness();
    await h.idle();
    expect(h.server.sessionCount).toBe(0);
    await h.close();
  });
}
