import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED_POEM, SEED_POEM_TOKENS, seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { CliProcess, ROOT, SEED_MESSAGE, killAll, runCli, startServe, tempDir } from './helpers/spawn-cli.js';

// End-to-end: the real `agentws serve` and `agentws connect` processes (dist/ must be built: `npm test` does it),
// with the fake OpenAI server running in this test process.

const ECHO_AGENT = path.join(ROOT, 'examples', 'echo-agent.mjs');
const SEED_AGENT = path.join(ROOT, 'examples', 'seed-agent.ts');
const SECRET_KEY = 'sk-test-never-printed';

let fake: FakeOpenAI;
let work: { dir: string; remove: () => void };

beforeEach(async () => {
  fake = await startFakeOpenAI();
  const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: SECRET_KEY }];
  work = tempDir({ OAI_CONFIG_LIST: JSON.stringify(configList) });
});

afterEach(async () => {
  await killAll();
  await fake.close();
  work.remove();
});

/** The seed conversation as a person sees it: the tool call, the result, the poem streamed then printed, TERMINATE. */
function expectSeedTranscript(stdout: string): void {
  expect(stdout).toContain(`user_proxy (to chatbot):\n\n${SEED_MESSAGE}\n`);
  expect(stdout).toContain(
    '***** Suggested tool call (call_fake1): weather_forecast *****\nArguments: \n{"city":"Paris"}\n',
  );
  expect(stdout).toContain('>>>>>>>> EXECUTING FUNCTION weather_forecast...');
  expect(stdout).toMatch(/The weather forecast for Paris at .+ is sunny\./);
  // Once streamed token by token, once printed as the chatbot's message (AutoGen prints it twice).
  expect(stdout.split(SEED_POEM).length - 1).toBe(2);
  expect(stdout).toContain('TERMINATE');
  expect(stdout).not.toContain('\x1b['); // no colours when stdout is not a TTY
}

describe('agentws serve (seed agents) + agentws connect', () => {
  it('runs the seed conversation with the message as an argument and exits 0', async () => {
    const { serve, uri } = await startServe([], { cwd: work.dir });
    expect(serve.stdout).toContain(`model:  gpt-4 @ ${fake.baseURL}`);
    fake.enqueue(...seedReplies());

    const client = await runCli(['connect', uri, SEED_MESSAGE]);

    expect(client.code).toBe(0);
    expectSeedTranscript(client.stdout);
    expect(client.stderr).toBe('');
    await serve.waitFor(/session \w+ ended: completed after [\d.]+ s/);
    expect(serve.stdout).toMatch(/session \w+ started \(json mode\)/);
    expect(serve.stdout + serve.stderr).not.toContain(SECRET_KEY);
  });

  it('loads .env first: OPENAI_API_KEY + OPENAI_BASE_URL and --model make the config', async () => {
    const env = tempDir({ '.env': `OPENAI_API_KEY=sk-from-dotenv\nOPENAI_BASE_URL=${fake.baseURL}\n` });
    try {
      const { serve, uri } = await startServe(['--model', 'gpt-4o'], { cwd: env.dir });
      expect(serve.stdout).toContain(`model:  gpt-4o @ ${fake.baseURL}  (from OPENAI_API_KEY)`);
      fake.enqueue(...seedReplies());

      const client = await runCli(['connect', uri, SEED_MESSAGE]);

      expect(client.code).toBe(0);
      expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-from-dotenv');
      expect(fake.requests[0]!.body.model).toBe('gpt-4o');
    } finally {
      env.remove();
    }
  });

  it('takes the message from standard input', async () => {
    const { uri } = await startServe([], { cwd: work.dir });
    fake.enqueue(...seedReplies());

    const client = await runCli(['connect', uri], { input: SEED_MESSAGE + '\n' });

    expect(client.code).toBe(0);
    expectSeedTranscript(client.stdout);
  });

  it('--json prints one JSON frame per line, tokens as stream events', async () => {
    const { uri } = await startServe([], { cwd: work.dir });
    fake.enqueue(...seedReplies());

    const client = await runCli(['connect', '--json', uri, SEED_MESSAGE]);

    expect(client.code).toBe(0);
    const frames = client.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; content: Record<string, unknown> });
    expect(frames[0]!.type).toBe('session');
    expect(frames.at(-1)!.type).toBe('run_completion');
    expect(frames.map((f) => f.type)).toEqual(expect.arrayContaining(['input_request', 'tool_call', 'tool_response']));
    const tokens = frames.filter((f) => f.type === 'stream').map((f) => f.content.content as string);
    expect(tokens.filter((t) => t !== '')).toEqual(SEED_POEM_TOKENS);
  });

  it('serves the page and answers with the token, which it never prints when stdout is not a terminal', async () => {
    const token = 'tok-0123456789abcdef';
    const { serve, uri, url } = await startServe(['--token', token, '--on-connect', ECHO_AGENT], { cwd: work.dir });
    expect(serve.stdout).toContain(`page:   ${url}\n          (append #token=<your token> to the URL;`);
    expect((await fetch(url)).status).toBe(200);

    const refused = await runCli(['connect', uri, 'hi']);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toMatch(/HTTP 401 .*--token/);

    const withFlag = await runCli(['connect', '--token', token, uri, 'hi']);
    expect(withFlag.code).toBe(0);
    expect(withFlag.stdout).toContain('echo (1): hi');
    const withEnv = await runCli(['connect', uri, 'hi'], { env: { AGENTWS_TOKEN: token } });
    expect(withEnv.code).toBe(0);
    await serve.waitFor(/ended: completed[^]*ended: completed/);
    expect(serve.stdout + serve.stderr).not.toContain(token);
  });
});

describe('examples/ through the real CLI', () => {
  it('examples/seed-agent.ts runs the seed conversation (TypeScript, no build step)', async () => {
    const { serve, uri } = await startServe(['--on-connect', SEED_AGENT], { cwd: work.dir });
    expect(serve.stdout).toContain(`agent:  onConnect from ${SEED_AGENT}`);
    fake.enqueue(...seedReplies());

    const client = await runCli(['connect', uri, SEED_MESSAGE]);

    expect(client.code).toBe(0);
    expectSeedTranscript(client.stdout);
    await serve.waitFor(/ended: completed/);
    expect(serve.stdout).toContain(
      ` - on_connect(): Initiating chat with agent chatbot using message '${SEED_MESSAGE}'`,
    );
  });

  it('examples/echo-agent.mjs gets its answers piped on standard input; end of input answers empty', async () => {
    const { uri } = await startServe(['--on-connect', ECHO_AGENT], { cwd: work.dir });

    const client = await runCli(['connect', uri], { input: 'hello\nworld\n' });

    expect(client.code).toBe(0);
    expect(client.stdout).toBe(
      'echo (1): hello\n' +
        'Say something else (empty line or "exit" to stop): world\n' +
        'echo (2): world\n' +
        'Say something else (empty line or "exit" to stop): \n' +
        'Bye! TERMINATE\n',
    );
  });
});

describe('how much serve prints', () => {
  it('--verbose adds debug lines; no colours on a pipe', async () => {
    const { serve, uri } = await startServe(['--verbose'], { cwd: work.dir });
    fake.enqueue(...seedReplies());
    expect((await runCli(['connect', uri, SEED_MESSAGE])).code).toBe(0);
    await serve.waitFor(/ended: completed/);
    expect(serve.stdout).toMatch(/ - on_connect\(\): Connected to client [\w-]+; receiving the initial message\./);
    expect(serve.stdout).not.toContain('\x1b[');
  });

  it('--quiet prints nothing but errors', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const serve = new CliProcess(['serve', '--quiet', '--port', String(port), '--on-connect', ECHO_AGENT], {
      cwd: work.dir,
    });
    let client = await runCli(['connect', `127.0.0.1:${port}`, 'hi']);
    while (client.code === 10 && serve.child.exitCode === null)
      client = await runCli(['connect', `127.0.0.1:${port}`, 'hi']); // until it listens
    expect(client.code).toBe(0);

    serve.kill('SIGTERM');

    expect(await serve.exited).toBe(0);
    expect(serve.stdout).toBe('');
    expect(serve.stderr).toBe('');
  });
});

describe('--on-connect modules', () => {
  it('a .ts module outside any "type": "module" package loads too, and gets the selected config list', async () => {
    writeFileSync(
      path.join(work.dir, 'agent.ts'),
      [
        'interface Io { input(): Promise<string>; print(...args: unknown[]): void }',
        'export function onConnect(io: Io, context: { configList: Array<{ model: string }> }): Promise<void> {',
        '  return io.input().then((message: string) => io.print(`ts got ${message} for ${context.configList[0]!.model}`));',
        '}',
      ].join('\n'),
    );
    const { uri } = await startServe(['--on-connect', 'agent.ts'], { cwd: work.dir });

    const client = await runCli(['connect', uri, 'hi']);

    expect(client.code).toBe(0);
    expect(client.stdout).toBe('ts got hi for gpt-4\n');
  });
});

describe('agentws serve --demo', () => {
  it('streams the scripted model through the whole pipeline and says the replies are scripted', async () => {
    const empty = tempDir();
    try {
      const { serve, uri, url } = await startServe(['--demo'], { cwd: empty.dir });
      expect(serve.stdout).toContain('model:  agentws-demo (in-process)'); // no HTTP server behind the demo
      expect(serve.stdout).toContain('scripted demo model: the replies are scripted by agentws, not written by an LLM');

      const client = await runCli(['connect', uri, SEED_MESSAGE]);
      expect(client.code).toBe(0);
      expect(client.stdout).toMatch(/Suggested tool call \(call_\w+\): weather_forecast/);
      expect(client.stdout).toContain('Paris wakes beneath a sunny sky');
      expect(client.stdout).toContain('TERMINATE');

      const page = await (await fetch(url)).text();
      expect(page).toContain('data-demo="true"');
    } finally {
      empty.remove();
    }
  });
});

describe('shutdown', () => {
  it('SIGTERM: running sessions get the grace period, then close with 1001; serve exits 0', async () => {
    const { serve, uri } = await startServe(['--on-connect', ECHO_AGENT, '--shutdown-grace', '0.2'], { cwd: work.dir });
    const client = new CliProcess(['connect', uri, 'hello']); // stdin stays open: the agent waits for an answer
    await client.waitFor(/Say something else/);

    serve.kill('SIGTERM');

    expect(await serve.exited).toBe(0);
    expect(serve.stdout).toMatch(/SIGTERM: stopping\. No new sessions; 1 running session\(s\) get 0\.2 s to finish/);
    expect(serve.stdout).toMatch(/ended: shutdown/);
    expect(await client.exited).toBe(13);
    expect(client.stderr).toMatch(/stopped \(shutdown\)/);
  });

  it('SIGINT with no session exits 0 at once', async () => {
    const { serve } = await startServe(['--on-connect', ECHO_AGENT], { cwd: work.dir });
    serve.kill('SIGINT');
    expect(await serve.exited).toBe(0);
    expect(serve.stdout).toContain('stopped');
  });

  it('Ctrl-C in connect cancels the run (the server ends it: exit 13)', async () => {
    const { uri } = await startServe(['--on-connect', ECHO_AGENT], { cwd: work.dir });
    const client = new CliProcess(['connect', uri, 'hello']);
    await client.waitFor(/Say something else/);

    client.kill('SIGINT');

    expect(await client.exited).toBe(13);
    expect(client.stderr).toContain('cancelling the run');
    expect(client.stderr).toMatch(/stopped \(cancelled\)/);
  });
});
