import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConversableAgent, UserProxyAgent } from '../../src/agents/index.js';
import type { WireFrame } from '../../src/protocol/events.js';
import { isTerminalEvent } from '../../src/protocol/events.js';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import type { OnConnect, SessionOutcome } from '../../src/server/session.js';
import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { CutProxy } from '../helpers/cut-proxy.js';
import { startHangingModel } from '../helpers/hanging-model.js';
import { Gate, pacedBody } from '../helpers/paced-model.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import { TestClient } from '../helpers/ws-client.js';
import { credentials, Resumer, sessionEvents, streamed } from '../helpers/resumer.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import type { RedisSessionStoreOptions } from '../../src/store/redis-store.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';

let server: AgentwsServer | undefined;
let fake: FakeOpenAI | undefined;
let proxy: CutProxy | undefined;
let outcomes: SessionOutcome[] = [];
/** The whole set runs against each store: in memory, and Redis (a redis-server of this file's own). */
let storeKind: 'memory' | 'redis' = 'memory';
let redis: RedisProcess;
let store: RedisSessionStore | undefined;
let stores = 0;

beforeAll(async () => {
  // Small stream nodes, so that MAXLEN ~ trims after a few entries rather than after 100.
  redis = await startRedis(['--stream-node-max-entries', '4']);
});

afterAll(async () => {
  await redis.stop();
});

afterEach(async () => {
  await proxy?.close();
  await server?.close({ graceMs: 0 });
  await store?.close();
  await fake?.close();
  server = fake = proxy = store = undefined;
});

const TOKENS = Array.from({ length: 300 }, (_, i) => ` w${i}`);

async function start(
  onConnect: OnConnect,
  options: Partial<ServerOptions> = {},
  redisOptions: RedisSessionStoreOptions = {},
): Promise<{ server: AgentwsServer; proxy: CutProxy }> {
  if (storeKind === 'redis') {
    stores += 1;
    store = await RedisSessionStore.connect(redis.url, { keyPrefix: `resume${stores}:`, ...redisOptions });
    options = { store, ...options };
  }
  ({ server, outcomes } = await startRecordedServer({ onConnect, ...options }));
  proxy = await CutProxy.start(server.uri);
  return { server, proxy };
}

/** One streamed reply of the fake model to the client's message, then the run ends. */
function chatAgent(model: FakeOpenAI): OnConnect {
  return async (io) => {
    const message = await io.input();
    const assistant = new ConversableAgent({
      name: 'assistant',
      llmConfig: { configList: [{ model: 'fake', base_url: model.baseURL, api_key: 'sk-test' }], stream: true },
      humanInputMode: 'NEVER',
    });
    const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER' });
    await user.initiateChat(assistant, { message, maxTurns: 1 });
  };
}

describe.each(['memory', 'redis'] as const)(
  'resume: a session outlives its connection (JSON mode, %s store)',
  (kind) => {
    beforeEach(() => {
      storeKind = kind;
    });

    it('the session event carries a resume token distinct from the id, and the window', async () => {
      fake = await startFakeOpenAI({ replies: [{ content: 'hi' }] });
      const { proxy } = await start(chatAgent(fake));
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      const session = await client.waitForEvent('session');
      const content = session.content as { id: string; resume_token: string; resume_window_ms: number };
      expect(content.resume_token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
      expect(content.resume_token).not.toContain(content.id);
      expect(content.resume_window_ms).toBe(120_000);
    });

    it('20 cuts during one paced run: the transcript equals an uninterrupted run, seqs without gap or repeat', async () => {
      const gates = [new Gate(), new Gate()];
      gates[0]!.release(); // the reference run is not held back
      fake = await startFakeOpenAI({
        respond: () => ({ rawBody: pacedBody(TOKENS, gates[fake!.requests.length - 1]!) }),
      });
      const { server, proxy } = await start(chatAgent(fake));

      // The reference: one uninterrupted run.
      const reference = await TestClient.open(server.uri, 'agentws.v1');
      const request = await reference.waitForEvent('input_request');
      reference.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Go.' });
      expect(await reference.closed).toBe(1000);

      // The same run through the proxy. Each round the model may send 8 more tokens; once the client has seen 4 of
      // them the connection is cut (the others are sent while it is away, or lost in flight), and it resumes.
      const gate = gates[1]!;
      const done: WireFrame[][] = [];
      let client = await TestClient.open(proxy.uri, 'agentws.v1');
      let current = (): WireFrame[] => client.events;
      const seen = (): WireFrame[] => sessionEvents([...done, current()]);
      const first = await client.waitForEvent('input_request');
      const { session, token } = credentials(client);
      client.send({ type: 'input_response', id: (first.content as { id: string }).id, value: 'Go.' });
      for (let cut = 0; cut < 20; cut++) {
        const target = seen().filter((e) => e.type === 'stream').length + 4;
        gate.release(8);
        await client.waitFor(() => seen().filter((e) => e.type === 'stream').length >= target);
        done.push(current());
        proxy.cut();
        await client.closed;
        const resumer = await Resumer.open(proxy.uri, session, token, sessionEvents(done).at(-1)!.seq);
        client = resumer.client;
        current = () => resumer.events;
        await resumer.waitForEvent('resumed');
      }
      gate.release();
      expect(await client.closed).toBe(1000);
      done.push(current());

      const all = sessionEvents(done);
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(all.filter((e) => isTerminalEvent(e as never))).toHaveLength(1);
      expect(all.at(-1)?.type).toBe('run_completion');
      expect(streamed(all)).toBe(TOKENS.join(''));
      expect(streamed(all)).toBe(streamed(reference.events));
      // The same events in the same order as the uninterrupted run.
      expect(all.map((e) => e.type)).toEqual(reference.events.map((e) => e.type));
      expect(proxy.connections).toBe(21);
      expect(outcomes.filter((o) => o === 'completed')).toHaveLength(2);
    });

    it('a pending input request survives a cut and is answered by its id after the resume', async () => {
      const { proxy } = await start(async (io) => {
        const first = await io.input('first?');
        const second = await io.input('second?');
        io.print(`got ${first} and ${second}`);
      });
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      const first = await client.waitForEvent('input_request');
      const { session, token } = credentials(client);
      client.send({ type: 'input_response', id: (first.content as { id: string }).id, value: 'one' });
      await client.waitFor(() => client.events.filter((e) => e.type === 'input_request').length === 2);
      const seen = client.events.at(-1)!.seq;
      proxy.cut();
      await client.closed;

      // Resume from before the second request: it is replayed; the first, already answered, is not asked again.
      const resumer = await Resumer.open(proxy.uri, session, token, seen - 1);
      const replayed = await resumer.waitForEvent('input_request');
      expect(replayed.content).toMatchObject({ prompt: 'second?' });
      // `resumed` names the requests still waiting, so a client can resend an answer lost in the drop.
      const resumed = resumer.events[0]!;
      expect(resumed).toMatchObject({ type: 'resumed', seq: 0, content: { after: seen - 1, last_seq: seen } });
      expect(resumed.content).toMatchObject({ pending_inputs: [(replayed.content as { id: string }).id] });
      expect(resumer.events.filter((e) => e.type === 'input_request')).toHaveLength(1);
      resumer.client.send({ type: 'input_response', id: (replayed.content as { id: string }).id, value: 'two' });
      expect(await resumer.client.closed).toBe(1000);
      expect(resumer.events.find((e) => e.type === 'print')?.content).toMatchObject({ objects: ['got one and two'] });
      expect(resumer.events.at(-1)?.type).toBe('run_completion');
    });

    it('a wrong token is refused with resume_failed bad_token and 1008, and nothing is replayed', async () => {
      const { proxy } = await start(async (io) => void (await io.input('name?')));
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      await client.waitForEvent('input_request');
      const { session } = credentials(client);
      proxy.cut();
      const resumer = await Resumer.open(proxy.uri, session, 'not-the-token', 0);
      expect(await resumer.client.closed).toBe(1008);
      expect(resumer.events).toEqual([expect.objectContaining({ seq: 0, type: 'resume_failed' })]);
      expect(resumer.events[0]!.content).toMatchObject({ reason: 'bad_token' });
    });

    it('an unknown session is refused with resume_failed unknown_session and 1000', async () => {
      const { proxy } = await start(async (io) => void (await io.input()));
      const resumer = await Resumer.open(proxy.uri, 'no-such-session', 'whatever', 0);
      expect(await resumer.client.closed).toBe(1000);
      expect(resumer.events.map((e) => [e.type, (e.content as { reason: string }).reason])).toEqual([
        ['resume_failed', 'unknown_session'],
      ]);
    });

    it('nobody resuming within the window aborts the run: the model request is closed, then resume says expired', async () => {
      const model = await startHangingModel();
      fake = model.fake;
      const { server, proxy } = await start(chatAgent(fake), { resumeWindowMs: 300 });
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      const request = await client.waitForEvent('input_request');
      const { session, token } = credentials(client);
      client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Go.' });
      await model.asked;
      const ended = once(server.endpoint, 'session-end');
      proxy.cut();
      expect((await ended)[0].outcome).toBe('abandoned');
      await fake.waitForRequestClosed(0);
      const late = await Resumer.open(proxy.uri, session, token, 0);
      expect(await late.client.closed).toBe(1000);
      expect(late.events[0]?.content).toMatchObject({ reason: 'expired' });
    });

    it('a resume not announced at the handshake works too: the fresh session the server opened is discarded', async () => {
      const { server } = await start(async (io) => io.print(`answer: ${await io.input('name?')}`));
      const first = await TestClient.open(server.uri, 'agentws.v1');
      const request = await first.waitForEvent('input_request');
      const { session, token } = credentials(first);
      const second = await Resumer.open(server.uri, session, token, 0, { announce: false });
      expect(await first.closed).toBe(4001);
      await second.waitForEvent('input_request');
      // Before `resumed`: the fresh session's first events, which a resuming client ignores. (With Redis they may
      // never come: they go out only once stored, and the resume may discard the fresh session first.)
      const before = second.client.events.slice(
        0,
        second.client.events.findIndex((e) => e.type === 'resumed'),
      );
      expect(before.every((e) => e.session !== session)).toBe(true);
      if (kind === 'memory') expect(before[0]).toMatchObject({ type: 'session' });
      second.client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Ada' });
      expect(await second.client.closed).toBe(1000);
      expect(second.events.map((e) => e.type)).toEqual([
        'resumed',
        'session',
        'input_request',
        'print',
        'run_completion',
      ]);
      expect(outcomes.sort()).toEqual(['completed', 'superseded']);
    });

    it('a connection that announced a resume must send the resume frame first', async () => {
      const { server } = await start(async (io) => void (await io.input()));
      const client = await TestClient.open(server.uri, ['agentws.v1', 'agentws.resume']);
      client.send({ type: 'ping' });
      expect(await client.closed).toBe(1008);
      expect(client.events).toEqual([expect.objectContaining({ seq: 0, type: 'error' })]);
      expect(server.sessionCount).toBe(0);
    });

    it('a resume of a session another connection holds takes it over: the old connection is closed with 4001', async () => {
      const { server } = await start(async (io) => io.print(`answer: ${await io.input('name?')}`));
      const first = await TestClient.open(server.uri, 'agentws.v1');
      const request = await first.waitForEvent('input_request');
      const { session, token } = credentials(first);
      const second = await Resumer.open(server.uri, session, token, 0);
      expect(await first.closed).toBe(4001);
      await second.waitForEvent('input_request');
      second.client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Ada' });
      expect(await second.client.closed).toBe(1000);
      expect(second.events.map((e) => e.type)).toEqual([
        'resumed',
        'session',
        'input_request',
        'print',
        'run_completion',
      ]);
    });

    it('a run that ended while the client was away is replayed to its end, then the connection closes', async () => {
      let finish!: (value: string) => void;
      const release = new Promise<string>((resolve) => (finish = resolve));
      const { server, proxy } = await start(async (io) => io.print(await release));
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      await client.waitForEvent('session');
      const { session, token } = credentials(client);
      const after = client.events.at(-1)!.seq;
      proxy.cut();
      const ended = once(server.endpoint, 'session-end');
      finish('the end');
      expect((await ended)[0].outcome).toBe('completed');
      const resumer = await Resumer.open(proxy.uri, session, token, after);
      expect(await resumer.client.closed).toBe(1000);
      expect(resumer.events.map((e) => e.type)).toEqual(['resumed', 'print', 'run_completion']);
    });

    it('a client that read the end and closed cleanly frees the log at once: a late resume says expired', async () => {
      const { server } = await start(async (io) => io.print('done'));
      const client = await TestClient.open(server.uri, 'agentws.v1');
      const { session, token } = credentials(await client.waitForEvent('session').then(() => client));
      expect(await client.closed).toBe(1000);
      while (server.sessionCount > 0) await once(server.endpoint, 'session-end');
      // The close handshake completed on the server's side too before the log is dropped.
      const late = await Resumer.open(server.uri, session, token, 0);
      expect(await late.client.closed).toBe(1000);
      expect(late.events[0]?.content).toMatchObject({ reason: 'expired' });
    });

    it('events that no longer fit the bounded log: resume_failed evicted', async () => {
      let go!: () => void;
      const produce = new Promise<void>((resolve) => (go = resolve));
      const { server, proxy } = await start(
        async (io) => {
          await produce;
          for (let i = 0; i < 100; i++) io.print('x'.repeat(100));
          await io.input('more?');
        },
        { maxLogBytes: 2048 },
        { maxLogEvents: 8 },
      );
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      await client.waitForEvent('session');
      const { session, token } = credentials(client);
      proxy.cut();
      await client.closed;
      while (server.sessionCount === 0) await once(server.endpoint, 'session-start');
      go();
      const resumer = await Resumer.open(proxy.uri, session, token, 1);
      expect(await resumer.client.closed).toBe(1000);
      expect(resumer.events[0]?.content).toMatchObject({ reason: 'evicted' });
    });

    it('cancel still stops at once after a resume', async () => {
      const { proxy } = await start(async (io) => void (await io.input('name?')));
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      await client.waitForEvent('input_request');
      const { session, token } = credentials(client);
      proxy.cut();
      const resumer = await Resumer.open(proxy.uri, session, token, 1);
      await resumer.waitForEvent('input_request');
      resumer.client.send({ type: 'cancel' });
      expect(await resumer.client.closed).toBe(1000);
      expect(resumer.events.at(-1)).toMatchObject({ type: 'termination', content: { reason: 'cancelled' } });
      expect(outcomes).toContain('cancelled');
    });

    it('with resumeWindowMs 0 the session event has no token and a drop aborts the run', async () => {
      const { server, proxy } = await start(async (io) => void (await io.input()), { resumeWindowMs: 0 });
      const client = await TestClient.open(proxy.uri, 'agentws.v1');
      const event = await client.waitForEvent('session');
      expect(event.content).toMatchObject({ resume_token: null, resume_window_ms: 0 });
      const ended = once(server.endpoint, 'session-end');
      proxy.cut();
      expect((await ended)[0].outcome).toBe('disconnected');
    });
  },
);
