import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalEvent } from '../../src/protocol/events.js';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import type { OnConnect, SessionOutcome } from '../../src/server/session.js';
import { Redis } from 'ioredis';
import { RedisSessionStore } from '../../src/store/redis-store.js';
import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { SEED_MESSAGE, seedOnConnect } from '../fixtures/seed-agents.js';
import { Gate, pacedBody } from '../helpers/paced-model.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { credentials, kept, Resumer, sessionEvents, streamed } from '../helpers/resumer.js';
import { TestClient } from '../helpers/ws-client.js';

// Durable runs, in this process: instance A runs a session until its model stalls mid-stream (from the log's side,
// as if A had died), then instance B takes the run over from what A stored. The real thing, with processes killed
// by signals, is in test/cli/durable-runs.test.ts.

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
  store: RedisSessionStore;
}

async function instances(onConnect: OnConnect): Promise<[Instance, Instance]> {
  run += 1;
  const started: Instance[] = [];
  for (let i = 0; i < 2; i++) {
    const store = await RedisSessionStore.connect(redis.url, { keyPrefix: `takeover${run}:`, unavailableMs: 500 });
    const { server, outcomes } = await startRecordedServer({ onConnect, store });
    closers.push(
      () => store.close(),
      () => server.close({ graceMs: 0 }),
    );
    started.push({ server, outcomes, store });
  }
  return started as [Instance, Instance];
}

const POEM = Array.from({ length: 40 }, (_, i) => ` line${i}`).concat(['\nTERMINATE']);

describe('a durable run taken over by another instance', () => {
  it('replays the recorded model reply and tool result, retries only the step in flight, and the client is told', async () => {
    let toolRuns = 0;
    const stalled = new Gate();
    const open = new Gate();
    open.release();
    fake = await startFakeOpenAI({
      respond: () => {
        const n = fake!.requests.length;
        if (n === 1) return { toolCalls: [{ name: 'weather_forecast', arguments: '{"city":"Paris"}' }] };
        return { rawBody: pacedBody(POEM, n === 2 ? stalled : open) };
      },
    });
    const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }];
    const [a, b] = await instances(
      seedOnConnect({
        configList,
        tool: ({ city }) => {
          toolRuns += 1;
          return `Sunny in ${city}.`;
        },
      }),
    );

    const client = await TestClient.open(a.server.uri, 'agentws.v1');
    const asked = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: SEED_MESSAGE });
    stalled.release(5);
    await client.waitFor(() => client.events.filter((e) => e.type === 'stream').length >= 5);
    // A stalls for good in the middle of the second reply: for the log, A is gone. B takes the run over.
    client.ws.close();
    await client.closed;
    const takeover = b.server.endpoint.takeOver(session);

    const resumer = await Resumer.open(b.server.uri, session, token, client.events.at(-1)!.seq);
    expect(await resumer.client.closed).toBe(1000);
    expect(await takeover).toBe('completed');

    const retried = resumer.events.filter((e) => e.type === 'step_retried');
    expect(retried).toHaveLength(1);
    const { discard_after: after, discard_through: through } = retried[0]!.content as {
      discard_after: number;
      discard_through: number;
    };
    // The retried step is the second reply: its first try's stream events are the ones to discard.
    const firstTry = client.events.filter((e) => e.seq > after);
    expect(firstTry[0]?.type).toBe('stream_start');
    expect(firstTry.slice(1).every((e) => e.type === 'stream')).toBe(true);
    expect(firstTry.length).toBeGreaterThanOrEqual(6);
    expect(through).toBeGreaterThanOrEqual(client.events.at(-1)!.seq);
    expect(retried[0]!.seq).toBe(through + 1);

    const all = sessionEvents([client.events, resumer.events]);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1)); // no gap, no seq reused
    const view = kept(all);
    expect(view.filter((e) => isTerminalEvent(e as never))).toHaveLength(1);
    expect(view.at(-1)?.type).toBe('run_completion');
    expect(streamed(view)).toBe(POEM.join(''));
    // The completed model call was not repeated, nor the tool run again; only the reply in flight was asked again.
    expect(toolRuns).toBe(1);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[2]!.body.messages).toEqual(fake.requests[1]!.body.messages);
    expect(b.outcomes).toEqual(['completed']);
  });

  it('an onConnect that does something else when replayed ends with REPLAY_DIVERGED, never a wrong transcript', async () => {
    const [a, b] = await instances(async (io) => {
      await io.input('first?');
      io.print(`a random number: ${Math.random()}`);
      await io.input('second?');
    });
    const client = await TestClient.open(a.server.uri, 'agentws.v1');
    const asked = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: 'x' });
    await client.waitFor(() => client.events.filter((e) => e.type === 'input_request').length === 2);
    client.ws.close();
    await client.closed;

    const takeover = b.server.endpoint.takeOver(session);
    const resumer = await Resumer.open(b.server.uri, session, token, client.events.at(-1)!.seq);
    expect(await resumer.client.closed).toBe(1011);
    expect(await takeover).toBe('error');
    const error = resumer.events.find((e) => e.type === 'error');
    expect(error?.content).toMatchObject({ code: 'REPLAY_DIVERGED', fatal: true });
    expect((error?.content as { error: string }).error).toContain('its event 3 is not the one it sent before');
    // Its seq follows everything stored: no seq the client has seen is reused.
    expect(error!.seq).toBe(client.events.at(-1)!.seq + 1);
    expect(resumer.events.filter((e) => e.type === 'print')).toEqual([]);
  });

  it('fencing: an instance whose run another took over can no longer write; it stops, its client resumes elsewhere', async () => {
    const gate = new Gate();
    const [a, b] = await instances(async (io) => {
      for (let i = 0; i < 6; i++) {
        await gate.pass(i);
        io.print(`line ${i}`);
      }
    });
    const client = await TestClient.open(a.server.uri, 'agentws.v1');
    gate.release(2);
    await client.waitFor(() => client.events.filter((e) => e.type === 'print').length === 2);
    const { session, token } = credentials(client);
    // B takes the run over while A still runs it (as after a stall of A past its lease).
    const takeover = b.server.endpoint.takeOver(session);
    const admin = new Redis(redis.port, '127.0.0.1');
    try {
      await expect.poll(() => admin.hget(b.store.keys(session).meta, 'owner')).toBe(b.store.instanceId);
    } finally {
      admin.disconnect();
    }
    gate.release(); // both runs print on: only B's lines may be stored
    expect(await client.closed).toBe(1012);
    await expect.poll(() => a.outcomes).toEqual(['moved']);

    const resumer = await Resumer.open(b.server.uri, session, token, client.events.at(-1)!.seq);
    expect(await resumer.client.closed).toBe(1000);
    expect(await takeover).toBe('completed');
    const all = kept(sessionEvents([client.events, resumer.events]));
    expect(all.map((e) => e.seq)).toEqual([...new Set(all.map((e) => e.seq))]);
    expect(all.filter((e) => e.type === 'print').map((e) => (e.content as { objects: string[] }).objects[0])).toEqual([
      'line 0',
      'line 1',
      'line 2',
      'line 3',
      'line 4',
      'line 5',
    ]);
    expect(all.at(-1)?.type).toBe('run_completion');
  });
});
