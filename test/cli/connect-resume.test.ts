import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import { createSeedOnConnect } from '../../src/seed/seed-on-connect.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { startFakeOpenAI } from '../../src/testing/index.js';
import { CutProxy } from '../helpers/cut-proxy.js';
import { CliProcess, killAll, runCli } from './helpers/spawn-cli.js';
import type { RedisProcess } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { RedisSessionStore } from '../../src/store/redis-store.js';

// `agentws connect` (the real CLI, spawned) resumes its session through a TCP proxy that cuts the connection: a real
// server in this process with the seed agents and the fake OpenAI model, real sockets both ways. Cuts are timed by
// what the client printed, never by the clock. dist/ must be built.

const MESSAGE = 'Tell me a long story.';
/** A reply of 300 streamed tokens: long enough that the cuts land mid-stream. */
const STORY = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ') + '\nTERMINATE';
const SEPARATOR = '-'.repeat(80) + '\n';
const CUTS = 20;

let fake: FakeOpenAI;
let closers: Array<() => Promise<void>> = [];
/** The set runs against each store: in memory, and Redis (a redis-server of this file's own). */
let storeKind: 'memory' | 'redis' = 'memory';
let redis: RedisProcess;
let prefix = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis.stop();
});

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await killAll();
  for (const close of closers.reverse()) await close();
  closers = [];
  await fake.close();
});

async function seedServer(options: { port?: number; resumeWindowMs?: number } = {}): Promise<AgentwsServer> {
  const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }];
  // Instances of one test share its Redis keys (a restarted server finds its sessions there).
  const store =
    storeKind === 'redis'
      ? await RedisSessionStore.connect(redis.url, { keyPrefix: `connect-resume${prefix}:` })
      : undefined;
  if (store) closers.push(() => store.close());
  const server = await runServer({
    ...(store ? { store } : {}),
    onConnect: createSeedOnConnect({ configList }),
    port: 0,
    logger: silentLogger,
    ...options,
  });
  closers.push(() => server.close({ graceMs: 0 }));
  return server;
}

async function proxyTo(server: AgentwsServer): Promise<CutProxy> {
  const proxy = await CutProxy.start(server.uri);
  closers.push(() => proxy.close());
  return proxy;
}

/** Resolves when `check` holds, checked again on each output of the client; rejects if the client exits first. */
async function until(client: CliProcess, check: () => boolean): Promise<void> {
  while (!check()) await nextOutput(client);
}

function nextOutput(client: CliProcess): Promise<void> {
  const { stdout, stderr } = client.child;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stdout!.off('data', done);
      stderr!.off('data', done);
      resolve();
    };
    stdout!.on('data', done);
    stderr!.on('data', done);
    void client.exited.then((code) => {
      stdout!.off('data', done);
      stderr!.off('data', done);
      reject(new Error(`connect exited (${code}):\n${client.stdout}\n${client.stderr}`));
    });
  });
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

/** `--json` output with what differs in every run (the session id, input request ids) replaced. */
function normalizeJson(stdout: string): string {
  const first = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { session: string };
  return stdout
    .split(first.session)
    .join('<session>')
    .replace(/("type":"input_request","content":\{"id":)"[^"]+"/g, '$1"<id>"');
}

/** The index just after the line of `stdout` that holds the first (or last) occurrence of `needle`. */
function afterLineOf(stdout: string, needle: string, which: 'first' | 'last'): number {
  const at = which === 'first' ? stdout.indexOf(needle) : stdout.lastIndexOf(needle);
  if (at < 0) throw new Error(`${needle} not in the output`);
  return stdout.indexOf('\n', at) + 1;
}

describe.each(['memory', 'redis'] as const)('%s store', (kind) => {
  beforeEach(() => {
    storeKind = kind;
    prefix += 1;
  });

  describe('agentws connect resumes a dropped session', () => {
    it.each([
      ['the transcript', [] as string[]],
      ['--json', ['--json']],
    ])('%s: 20 cuts during one paced run, every event printed once, exit 0', async (_name, flags) => {
      const server = await seedServer();
      fake.enqueue({ content: STORY });
      const reference = await runCli(['connect', ...flags, server.uri, MESSAGE]);
      expect(reference.code).toBe(0);
      const json = flags.includes('--json');
      // Where the server has the message (its first event about it is printed): from there on, cuts lose nothing the
      // client sent. (A cut while an answer is on its way would lose the answer: see the report.)
      const consumed = json
        ? afterLineOf(reference.stdout, '"type":"text"', 'first')
        : reference.stdout.indexOf(SEPARATOR);
      // Where the client waits for the next message: everything before the end of input is printed.
      const waiting = json
        ? afterLineOf(reference.stdout, '"type":"input_request"', 'last')
        : reference.stdout.lastIndexOf(SEPARATOR) + SEPARATOR.length;

      const proxy = await proxyTo(server);
      fake.enqueue({ content: STORY, tokenDelayMs: 2 });
      const client = new CliProcess(['connect', ...flags, proxy.uri, MESSAGE]); // stdin open until the cuts are done
      let from = consumed;
      for (let cut = 1; cut <= CUTS; cut++) {
        const step = 1 + (cut % 4) * 30; // 1 to 91 more characters: mid-stream, right after a replay, at the end
        await until(client, () => client.stdout.length >= Math.min(from + step, waiting));
        proxy.cut();
        await until(client, () => count(client.stderr, /^agentws: resumed session \w{8} after event \d+$/gm) === cut);
        from = client.stdout.length;
      }
      client.child.stdin!.end();

      expect(await client.exited).toBe(0);
      expect(count(client.stderr, /^agentws: connection lost; reconnecting…$/gm)).toBe(CUTS);
      expect(proxy.connections).toBeGreaterThanOrEqual(CUTS + 1);
      if (json) {
        expect(normalizeJson(client.stdout)).toBe(normalizeJson(reference.stdout));
        expect(client.stdout).not.toContain('resume_token');
      } else {
        expect(client.stdout).toBe(reference.stdout);
      }
    });
  });

  describe('agentws connect answers across a drop', () => {
    it('a follow-up given while the connection is down is sent once the session is resumed', async () => {
      const server = await seedServer();
      const proxy = await proxyTo(server);
      fake.enqueue({ content: 'Sunny.\nTERMINATE' }, { content: 'Rainy.\nTERMINATE' });
      const client = new CliProcess(['connect', '--json', proxy.uri, MESSAGE]);
      // The chat ended and the server asks for the next message; standard input has none yet.
      await client.waitFor(/"type":"chat_end"[^]*"type":"input_request"/);

      proxy.refuse(true);
      proxy.cut();
      await client.waitFor(/connection lost; reconnecting/, 'stderr');
      client.child.stdin!.end('And in Rome?\n'); // answered while away; the end of input then ends the run
      proxy.refuse(false);

      expect(await client.exited).toBe(0);
      expect(count(client.stderr, /^agentws: resumed session/gm)).toBe(1);
      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'And in Rome?' });
      expect(client.stdout).not.toContain('"type":"error"');
    });
  });

  describe('agentws connect answers lost in flight', () => {
    it('an answer sent just before the drop that never arrived is sent again after the resume (pending_inputs)', async () => {
      const server = await seedServer();
      const proxy = await proxyTo(server);
      fake.enqueue({ content: 'Sunny.\nTERMINATE' }, { content: 'Rainy.\nTERMINATE' });
      const client = new CliProcess(['connect', '--json', proxy.uri, MESSAGE]);
      await client.waitFor(/"type":"chat_end"[^]*"type":"input_request"/);

      // The follow-up leaves the client but never reaches the server; then the connection drops.
      proxy.swallowClientData(true);
      const sent = proxy.nextClientData();
      client.child.stdin!.end('And in Rome?\n');
      await sent;
      proxy.cut();
      proxy.swallowClientData(false);

      expect(await client.exited).toBe(0);
      expect(count(client.stderr, /^agentws: resumed session/gm)).toBe(1);
      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'And in Rome?' });
      expect(client.stdout).not.toContain('"type":"error"');
    });
  });

  describe('agentws connect when the session cannot be resumed', () => {
    /** A client whose message reached the agents and which now waits for the model (which never answers). */
    async function waitingClient(proxy: CutProxy, flags: string[] = []): Promise<CliProcess> {
      fake.enqueue({ hang: true });
      const client = new CliProcess(['connect', ...flags, proxy.uri, MESSAGE]);
      await client.waitFor(/USING AUTO REPLY/);
      return client;
    }

    it('10 once the resume window has passed with the server unreachable', async () => {
      const server = await seedServer({ resumeWindowMs: 1000 });
      const proxy = await proxyTo(server);
      const client = await waitingClient(proxy);

      proxy.refuse(true);
      const cutAt = performance.now();
      proxy.cut();

      expect(await client.exited).toBe(10);
      expect(performance.now() - cutAt).toBeGreaterThanOrEqual(1000);
      expect(client.stderr).toContain('agentws: connection lost; reconnecting…\n');
      expect(client.stderr).toMatch(
        /agentws: error: The connection to ws:\/\/127\.0\.0\.1:\d+\/ dropped and could not be resumed within the server's resume window \(1 s\); gave up\./,
      );
      expect(client.stderr).not.toContain('resumed session');
    });

    // In memory the session dies with its server; in Redis it outlives it.
    if (kind === 'memory')
      it('14 when the server no longer knows the session (it restarted)', async () => {
        const first = await seedServer();
        const proxy = await proxyTo(first);
        const client = await waitingClient(proxy);

        proxy.refuse(true);
        proxy.cut();
        await client.waitFor(/connection lost; reconnecting/, 'stderr');
        await first.close({ graceMs: 0 });
        await seedServer({ port: first.port });
        proxy.refuse(false);

        expect(await client.exited).toBe(14);
        expect(client.stderr).toMatch(
          /agentws: error: The connection dropped and session \w{8} could not be resumed: .+ \(unknown_session\)\./,
        );
      });
    else
      it('a restart of the server loses nothing: the session is in Redis, the run taken over', async () => {
        const first = await seedServer();
        const proxy = await proxyTo(first);
        const client = await waitingClient(proxy);

        proxy.refuse(true);
        proxy.cut();
        await client.waitFor(/connection lost; reconnecting/, 'stderr');
        // The model request in flight is asked again by the server that takes the run over: this time it answers.
        fake.enqueue({ content: STORY });
        await first.close({ graceMs: 0 });
        await seedServer({ port: first.port });
        proxy.refuse(false);
        client.child.stdin!.end();

        expect(await client.exited).toBe(0);
        expect(client.stderr).toMatch(/agentws: resumed session \w{8} after event \d+/);
        expect(client.stdout).toContain('word299');
      });

    it('--no-reconnect: a cut ends the run as a server error (12), as before resume existed', async () => {
      const server = await seedServer();
      const proxy = await proxyTo(server);
      const client = await waitingClient(proxy, ['--no-reconnect']);

      proxy.cut();

      expect(await client.exited).toBe(12);
      expect(client.stderr).toContain('The server closed the connection abnormally (1006');
      expect(client.stderr).not.toContain('reconnecting');
      expect(proxy.connections).toBe(1);
    });
  });
});
