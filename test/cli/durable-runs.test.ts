import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalEvent } from '../../src/protocol/events.js';
import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import { Gate, pacedBody } from '../helpers/paced-model.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { credentials, kept, Resumer, sessionEvents, streamed } from '../helpers/resumer.js';
import { TestClient } from '../helpers/ws-client.js';
import { CliProcess, killAll, runCli, startServe } from './helpers/spawn-cli.js';

// Durable runs with real processes: `agentws serve --store redis://…` instances on one redis-server of this file's own,
// the fake model in this process, a process killed with SIGKILL mid-stream. dist/ must be built.

let redis: RedisProcess;
let fake: FakeOpenAI | undefined;
let counter: Server | undefined;
let toolRuns = 0;
let prefix = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis.stop();
});

afterEach(async () => {
  await killAll();
  await fake?.close();
  await new Promise((resolve) => (counter ? counter.close(resolve) : resolve(undefined)));
  fake = counter = undefined;
});

async function startCounter(): Promise<string> {
  toolRuns = 0;
  counter = createServer((req, res) => {
    toolRuns += 1;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => counter!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(counter.address() as AddressInfo).port}/`;
}

/** `count` serve processes on the test's Redis, running the durable seed agents against the fake model. */
async function instances(count: number, env: Record<string, string>): Promise<{ uri: string; kill: () => void }[]> {
  prefix += 1;
  const started = [];
  for (let i = 0; i < count; i++) {
    const { serve, uri } = await startServe(
      ['--store', `${redis.url}?prefix=durable${prefix}:`, '--on-connect', 'test/fixtures/durable-agent.ts'],
      { env },
    );
    started.push({ uri, kill: () => serve.kill('SIGKILL') });
  }
  return started;
}

const POEM = Array.from({ length: 40 }, (_, i) => ` verse${i}`).concat(['\nTERMINATE']);

describe('durable runs: the process running a session is killed with SIGKILL', () => {
  it('another instance takes the run over; the client resuming through it gets the rest, one terminal event, and nothing completed is redone', async () => {
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
    const counterUrl = await startCounter();
    const configList = JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]);
    const [a, b] = await instances(2, { OAI_CONFIG_LIST: configList, TOOL_COUNTER_URL: counterUrl });

    const client = await TestClient.open(a!.uri, 'agentws.v1');
    const asked = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: SEED_MESSAGE });
    stalled.release(5);
    await client.waitFor(() => client.events.filter((e) => e.type === 'stream').length >= 5);
    a!.kill();
    expect(await client.closed).toBe(1006);
    const killedAt = performance.now();

    const resumer = await Resumer.open(b!.uri, session, token, client.events.at(-1)!.seq);
    await resumer.waitForEvent('step_retried');
    const takeoverMs = performance.now() - killedAt;
    expect(await resumer.client.closed).toBe(1000);

    const all = sessionEvents([client.events, resumer.events]);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const view = kept(all);
    expect(view.filter((e) => isTerminalEvent(e as never))).toHaveLength(1);
    expect(view.at(-1)?.type).toBe('run_completion');
    expect(streamed(view)).toBe(POEM.join(''));
    // The tool ran once; the completed model call was not repeated; only the reply in flight was asked again.
    expect(toolRuns).toBe(1);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[2]!.body.messages).toEqual(fake.requests[1]!.body.messages);
    console.log(`takeover after SIGKILL: ${Math.round(takeoverMs)} ms to the next live event`);
  });

  it('an answer sent while no process runs the session is kept, and the process that takes the run over uses it', async () => {
    const open = new Gate();
    open.release();
    fake = await startFakeOpenAI({
      respond: () =>
        fake!.requests.length === 1
          ? { toolCalls: [{ name: 'weather_forecast', arguments: '{"city":"Paris"}' }] }
          : { rawBody: pacedBody(POEM, open) },
    });
    const counterUrl = await startCounter();
    const configList = JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]);
    const [a, b] = await instances(2, { OAI_CONFIG_LIST: configList, TOOL_COUNTER_URL: counterUrl });

    const client = await TestClient.open(a!.uri, 'agentws.v1');
    const asked = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    a!.kill();
    expect(await client.closed).toBe(1006);
    // Through B at once, before any instance took the run over: B follows it, and keeps the answer in the inbox.
    const resumer = await Resumer.open(b!.uri, session, token, asked.seq);
    expect(resumer.events).toEqual([]);
    await resumer.waitForEvent('resumed');
    resumer.client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: SEED_MESSAGE });
    expect(await resumer.client.closed).toBe(1000);
    const view = kept(sessionEvents([client.events, resumer.events]));
    expect(view.at(-1)?.type).toBe('run_completion');
    expect(view.find((e) => e.type === 'text')?.content).toMatchObject({ content: SEED_MESSAGE });
    expect(streamed(view)).toBe(POEM.join(''));
    expect(toolRuns).toBe(1);
    expect(fake.requests).toHaveLength(2);
  });
});

describe('two serve processes on one Redis', () => {
  it("an input request of a run on A is answered through B, and a cancel through B stops A's run", async () => {
    const stalled = new Gate();
    fake = await startFakeOpenAI({
      respond: () =>
        fake!.requests.length === 1
          ? { toolCalls: [{ name: 'weather_forecast', arguments: '{"city":"Paris"}' }] }
          : { rawBody: pacedBody(POEM, stalled) },
    });
    const counterUrl = await startCounter();
    const configList = JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]);
    const [a, b] = await instances(2, { OAI_CONFIG_LIST: configList, TOOL_COUNTER_URL: counterUrl });

    const client = await TestClient.open(a!.uri, 'agentws.v1');
    const asked = await client.waitForEvent('input_request');
    const { session, token } = credentials(client);
    client.ws.close();
    await client.closed;
    // Through B: the answer reaches the run on A, which calls the tool and streams the reply.
    const resumer = await Resumer.open(b!.uri, session, token, asked.seq);
    await resumer.waitForEvent('resumed');
    resumer.client.send({ type: 'input_response', id: (asked.content as { id: string }).id, value: SEED_MESSAGE });
    stalled.release(3);
    await resumer.client.waitFor(() => resumer.events.filter((e) => e.type === 'stream').length >= 3);
    expect(toolRuns).toBe(1);
    // A cancel through B stops A's run (the model request too): one terminal event, then 1000.
    resumer.client.send({ type: 'cancel' });
    expect(await resumer.client.closed).toBe(1000);
    expect(resumer.events.at(-1)).toMatchObject({ type: 'termination', content: { reason: 'cancelled' } });
    expect(resumer.events.filter((e) => e.type === 'run_completion' || e.type === 'termination')).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });
});

describe('agentws worker behind serve --front-only', () => {
  it('the front hands the session to the worker through Redis and relays it: agentws connect gets the whole chat', async () => {
    const open = new Gate();
    open.release();
    fake = await startFakeOpenAI({
      respond: () =>
        fake!.requests.length === 1
          ? { toolCalls: [{ name: 'weather_forecast', arguments: '{"city":"Paris"}' }] }
          : { rawBody: pacedBody(POEM, open) },
    });
    const counterUrl = await startCounter();
    prefix += 1;
    const store = `${redis.url}?prefix=worker${prefix}:`;
    const env = {
      OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]),
      TOOL_COUNTER_URL: counterUrl,
    };
    const worker = new CliProcess(['worker', '--store', store, '--on-connect', 'test/fixtures/durable-agent.ts'], {
      env,
    });
    await worker.waitFor(/Press Ctrl-C to stop/);
    const { serve, uri } = await startServe(['--store', store, '--front-only'], { env });

    const result = await runCli(['connect', uri, SEED_MESSAGE]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(POEM.join('').trim().split('\n')[0]!.trim());
    expect(result.stdout).toContain('>>>>>>>> EXECUTING FUNCTION weather_forecast...');
    expect(toolRuns).toBe(1);
    // The worker ran it; the front ran nothing.
    await worker.waitFor(/session \w{8} ended: completed/);
    expect(serve.stdout).not.toMatch(/session \w{8} started/);
    expect(serve.stdout).toMatch(/handed to the instances that run sessions/);
  });

  it('Redis unreachable at start: exit 6, the address said, never the password', async () => {
    const gone = await startRedis();
    await gone.stop();
    const url = `redis://user:pa55-w0rd@127.0.0.1:${gone.port}/0`;
    for (const args of [
      ['serve', '--demo', '--port', '0', '--store', url],
      ['worker', '--demo', '--store', url],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(6);
      expect(result.stderr).toContain(`Cannot reach Redis at redis://127.0.0.1:${gone.port}/0`);
      expect(result.stderr + result.stdout).not.toContain('pa55-w0rd');
    }
  });

  it('without a store, agentws worker and serve --front-only refuse to start (exit 2)', async () => {
    const worker = await runCli(['worker', '--demo']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('agentws worker needs a shared store: give --store redis://');
    const front = await runCli(['serve', '--demo', '--front-only', '--port', '0']);
    expect(front.code).toBe(2);
    expect(front.stderr).toContain('serve --front-only needs a shared store');
  });
});
