import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConversableAgent, UserProxyAgent } from '../../src/agents/index.js';
import type { WireFrame } from '../../src/protocol/events.js';
import { isTerminalEvent } from '../../src/protocol/events.js';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import type { OnConnect, SessionOutcome } from '../../src/server/session.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';
import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { Gate, pacedBody } from '../helpers/paced-model.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { credentials, Resumer, sessionEvents, streamed } from '../helpers/resumer.js';
import { TestClient } from '../helpers/ws-client.js';

// Two servers (instances A and B) in this process, each with its own connections to one redis-server of this file's
// own: a session runs on the instance its client connected to, and any instance resumes it.

let redis: RedisProcess;
let closers: (() => Promise<unknown>)[] = [];
let fake: FakeOpenAI | undefined;
let run = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis.stop();
});

afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
  await fake?.close();
  fake = undefined;
});

interface Instance {
  server: AgentwsServer;
  outcomes: SessionOutcome[];
}

/** Instances on one Redis (one key prefix per test), running `onConnect`. */
async function instances(onConnect: OnConnect, count = 2): Promise<Instance[]> {
  run += 1;
  const started: Instance[] = [];
  for (let i = 0; i < count; i++) {
    const store = await RedisSessionStore.connect(redis.url, { keyPrefix: `shared${run}:` });
    const { server, outcomes } = await startRecordedServer({ onConnect, store });
    closers.push(
      () => store.close(),
      () => server.close({ graceMs: 0 }),
    );
    started.push({ server, outcomes });
  }
  return started;
}

const TOKENS = Array.from({ length: 120 }, (_, i) => ` t${i}`);

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

describe('sessions on a shared Redis store: any instance resumes any session', () => {
  it('a run on A, cut mid-stream, resumed through B, cut, through A again, through B: the whole transcript once', async () => {
    const gate = new Gate();
    fake = await startFakeOpenAI({ respond: () => ({ rawBody: pacedBody(TOKENS, gate) }) });
    const [a, b] = await instances(chatAgent(fake));
    const first = await TestClient.open(a!.server.uri, 'agentws.v1');
    const request = await first.waitForEvent('input_request');
    const { session, token } = credentials(first);
    first.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Go.' });
    gate.release(10);
    await first.waitFor(() => first.events.filter((e) => e.type === 'stream').length >= 10);
    first.ws.close();
    await first.closed;

    const done: WireFrame[][] = [first.events];
    const through = [b!, a!, b!];
    let resumer: Resumer | undefined;
    for (const [i, instance] of through.entries()) {
      resumer = await Resumer.open(instance.server.uri, session, token, sessionEvents(done).at(-1)!.seq);
      await resumer.waitForEvent('resumed');
      const target = 10 * (i + 2);
      gate.release(10);
      const current = resumer;
      await current.client.waitFor(
        () => sessionEvents([...done, current.events]).filter((e) => e.type === 'stream').length >= target,
      );
      if (i < through.length - 1) {
        current.client.ws.close();
        await current.client.closed;
        done.push(current.events);
      }
    }
    gate.release();
    expect(await resumer!.client.closed).toBe(1000);
    done.push(resumer!.events);

    const all = sessionEvents(done);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((e) => isTerminalEvent(e as never))).toHaveLength(1);
    expect(all.at(-1)?.type).toBe('run_completion');
    expect(streamed(all)).toBe(TOKENS.join(''));
    // The run stayed on A, where it started; B only followed it.
    expect(a!.outcomes).toEqual(['completed']);
    expect(b!.outcomes).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('an input request of a run on A is answered through B', async () => {
    const [a, b] = await instances(async (io) => {
      const name = await io.input('name?');
      const color = await io.input('color?');
      io.print(`${name} likes ${color}`);
    });
    const client = await TestClient.open(a!.server.uri, 'agentws.v1');
    const asked = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: 'Ada' });
    await client.waitFor(() => client.events.filter((e) => e.type === 'input_request').length === 2);
    const seen = client.events.at(-1)!.seq;
    client.ws.close();
    await client.closed;

    const resumer = await Resumer.open(b!.server.uri, session, token, seen - 1);
    const replayed = await resumer.waitForEvent('input_request');
    const id = (replayed.content as { id: string }).id;
    // `resumed` names the request still waiting, as the run on A stored it.
    expect(resumer.events[0]!.content).toMatchObject({ pending_inputs: [id], last_seq: seen });
    resumer.client.send({ type: 'input_response', id, value: 'green' });
    expect(await resumer.client.closed).toBe(1000);
    expect(resumer.events.find((e) => e.type === 'print')?.content).toMatchObject({ objects: ['Ada likes green'] });
    expect(resumer.events.at(-1)?.type).toBe('run_completion');
    expect(a!.outcomes).toEqual(['completed']);
  });

  it('a cancel through B stops the run on A and its model request', async () => {
    const gate = new Gate();
    fake = await startFakeOpenAI({ respond: () => ({ rawBody: pacedBody(TOKENS, gate) }) });
    const [a, b] = await instances(chatAgent(fake));
    const client = await TestClient.open(a!.server.uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'Go.' });
    gate.release(3);
    await client.waitFor(() => client.events.filter((e) => e.type === 'stream').length >= 3);
    client.ws.close();
    await client.closed;

    const resumer = await Resumer.open(b!.server.uri, session, token, client.events.at(-1)!.seq);
    await resumer.waitForEvent('resumed');
    resumer.client.send({ type: 'cancel' });
    expect(await resumer.client.closed).toBe(1000);
    expect(resumer.events.at(-1)).toMatchObject({ type: 'termination', content: { reason: 'cancelled' } });
    expect(a!.outcomes).toEqual(['cancelled']);
  });

  it('a resume through B takes the session over from its connection on A (4001), and back', async () => {
    const [a, b] = await instances(async (io) => void (await io.input('name?')));
    const client = await TestClient.open(a!.server.uri, 'agentws.v1');
    await client.waitForEvent('input_request');
    const { session, token } = credentials(client);

    const onB = await Resumer.open(b!.server.uri, session, token, 0);
    await onB.waitForEvent('resumed');
    expect(await client.closed).toBe(4001);

    const onA = await Resumer.open(a!.server.uri, session, token, 0);
    await onA.waitForEvent('resumed');
    expect(await onB.client.closed).toBe(4001);
    const asked = await onA.waitForEvent('input_request');
    onA.client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: 'x' });
    expect(await onA.client.closed).toBe(1000);
  });

  it('a run that ended on A while its client was away is replayed to its end through B, which closes as A did', async () => {
    const [a, b] = await instances(async (io) => {
      await io.input('go?');
      io.print('finished');
    });
    const client = await TestClient.open(a!.server.uri, 'agentws.v1');
    const asked = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    client.ws.close();
    await client.closed;
    // Answered through B while nobody is attached anywhere: the run on A ends.
    const answer = await Resumer.open(b!.server.uri, session, token, asked.seq);
    await answer.waitForEvent('resumed');
    answer.client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: 'y' });
    expect(await answer.client.closed).toBe(1000);

    const late = await Resumer.open(b!.server.uri, session, token, asked.seq);
    expect(await late.client.closed).toBe(1000);
    expect(late.events.map((e) => e.type)).toEqual(['resumed', 'print', 'run_completion']);
    expect(a!.outcomes).toEqual(['completed']);
  });

  it('the store keeps the session event without the resume token; the client got it with the token', async () => {
    const [a] = await instances(async (io) => void (await io.input('x?')));
    const client = await TestClient.open(a!.server.uri, 'agentws.v1');
    await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const resumer = await Resumer.open(a!.server.uri, session, token, 0);
    const replayed = await resumer.waitForEvent('session');
    expect(replayed.content).toMatchObject({ id: session, resume_token: null });
  });
});
