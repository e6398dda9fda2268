import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WireFrame } from '../../src/protocol/events.js';
import { decodeServerFrame } from '../../src/protocol/json-codec.js';
import type { FakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { startFakeOpenAI } from '../../src/testing/fake-openai-server.js';
import { SEED_MESSAGE } from '../fixtures/seed-agents.js';
import { Gate, pacedBody } from '../helpers/paced-model.js';
import { kept } from '../helpers/resumer.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import type { CliProcess } from './helpers/spawn-cli.js';
import { killAll, startServe } from './helpers/spawn-cli.js';

// A rolling restart under load, with real processes: three `agentws serve --store redis://…` instances on one
// redis-server of this file's own, 100 live sessions whose model replies the test paces, and each instance in turn
// stopped with SIGTERM (it hands its sessions over) and started again. Every session must complete, once, whole.

let redis: RedisProcess;
let fake: FakeOpenAI | undefined;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis.stop();
});

afterEach(async () => {
  await killAll();
  await fake?.close();
  fake = undefined;
});

const SESSIONS = 100;
const POEM = Array.from({ length: 30 }, (_, i) => ` stanza${i}`).concat(['\nTERMINATE']);

interface Instance {
  serve: CliProcess;
  uri: string;
  stopping: boolean;
}

/**
 * One client of one session, as a real one behaves: it answers the first input request, keeps every event, and when
 * its connection closes before the run's end (1012 from an instance that restarts, 1006) resumes through another
 * instance after its last seq.
 */
class DurableClient {
  readonly events: WireFrame[] = [];
  session = '';
  token = '';
  closes: number[] = [];
  readonly done: Promise<void>;
  #finish!: () => void;
  #fail!: (error: Error) => void;

  constructor(private readonly pick: () => string) {
    this.done = new Promise((resolve, reject) => {
      this.#finish = resolve;
      this.#fail = reject;
    });
  }

  get ended(): boolean {
    return this.events.some((e) => e.type === 'run_completion' || e.type === 'termination');
  }

  connect(uri: string, resume: boolean): void {
    const ws = new WebSocket(uri, resume ? ['agentws.v1', 'agentws.resume'] : 'agentws.v1');
    ws.on('error', () => {});
    ws.on('open', () => {
      const after = this.events.at(-1)?.seq ?? 0;
      if (resume) ws.send(JSON.stringify({ type: 'resume', session: this.session, token: this.token, after }));
    });
    ws.on('message', (data) => {
      const event = decodeServerFrame(data.toString());
      if (event.seq === 0) {
        if (event.type === 'resume_failed') this.#fail(new Error(`resume failed: ${JSON.stringify(event.content)}`));
        return;
      }
      if (event.seq <= (this.events.at(-1)?.seq ?? 0)) return;
      this.events.push(event);
      if (event.type === 'session') {
        const content = event.content as { id: string; resume_token: string };
        this.session = content.id;
        this.token = content.resume_token;
      }
      if (event.type === 'input_request' && this.events.filter((e) => e.type === 'input_request').length === 1) {
        ws.send(
          JSON.stringify({ type: 'input_response', id: (event.content as { id: string }).id, value: SEED_MESSAGE }),
        );
      }
    });
    ws.on('close', (code) => {
      this.closes.push(code);
      if (code === 1000 && this.ended) this.#finish();
      else if (this.session === '') this.#fail(new Error(`closed with ${code} before the session event`));
      else if (code === 1012 || code === 1006 || code === 1013) setTimeout(() => this.connect(this.pick(), true), 20);
      else this.#fail(new Error(`closed with ${code}`));
    });
  }
}

describe('a rolling restart of every instance under 100 live paced sessions', () => {
  it('all 100 complete, none lost: each whole, once, with one terminal event', { timeout: 240_000 }, async () => {
    const gate = new Gate();
    fake = await startFakeOpenAI({
      respond: (request) =>
        request.body.messages.some((m) => m.role === 'tool')
          ? { rawBody: pacedBody(POEM, gate) }
          : { toolCalls: [{ name: 'weather_forecast', arguments: '{"city":"Paris"}' }] },
    });
    const store = `${redis.url}?prefix=rolling:`;
    const env = {
      OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]),
    };
    const args = ['--store', store, '--on-connect', 'test/fixtures/durable-agent.ts', '--max-sessions', '500'];
    const start = async (): Promise<Instance> => ({ ...(await startServe(args, { env })), stopping: false });
    const instances = [await start(), await start(), await start()];
    let next = 0;
    const pick = (): string => {
      const alive = instances.filter((i) => !i.stopping);
      next += 1;
      return alive[next % alive.length]!.uri;
    };

    const clients = Array.from({ length: SESSIONS }, () => new DurableClient(pick));
    clients.forEach((client, i) => client.connect(instances[i % 3]!.uri, false));
    // Every session streaming its reply before the first restart.
    gate.release(3);
    const streaming = (): boolean => clients.every((c) => c.events.some((e) => e.type === 'stream'));
    while (!streaming()) await new Promise((resolve) => setTimeout(resolve, 50));

    for (let i = 0; i < instances.length; i++) {
      const old = instances[i]!;
      old.stopping = true;
      old.serve.kill('SIGTERM');
      expect(await old.serve.exited).toBe(0);
      instances[i] = await start();
      gate.release(5);
    }
    gate.release();
    await Promise.all(clients.map((client) => client.done));

    for (const client of clients) {
      const seqs = client.events.map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const view = kept(client.events);
      expect(view.filter((e) => e.type === 'run_completion' || e.type === 'termination')).toHaveLength(1);
      expect(view.at(-1)?.type).toBe('run_completion');
      const streamed = view
        .filter((e) => e.type === 'stream')
        .map((e) => (e.content as { content: string }).content)
        .join('');
      expect(streamed).toBe(POEM.join(''));
    }
    // Sessions really moved: most clients were closed with 1012 at least once and came back.
    const moved = clients.filter((c) => c.closes.includes(1012)).length;
    expect(moved).toBeGreaterThan(SESSIONS / 2);
    console.log(`rolling restart: ${SESSIONS} sessions completed, ${moved} handed over at least once`);
  });
});
