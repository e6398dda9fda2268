import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, seedReplies, type FakeOpenAI } from '../../src/testing/index.js';
import { TestClient } from '../helpers/ws-client.js';
import { CliProcess, SEED_MESSAGE, killAll, runCli, tempDir } from './helpers/spawn-cli.js';

// `agentws serve --log-format json`: every line on stdout and stderr is one JSON object a log collector can parse,
// session lines carry the session id, outcome and duration, and secrets are scrubbed as in text. Spawns the real
// CLI (dist/ must be built).

/** A key without the sk- shape: only its value, from the config list, can scrub it. */
const KEY = 'abc123notsk-looking-key-XYZ';
const TOKEN = 'json-logs-token-0123456789';

let fake: FakeOpenAI;
let work: { dir: string; remove: () => void };

beforeEach(async () => {
  fake = await startFakeOpenAI();
  work = tempDir({ OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: KEY }]) });
});

afterEach(async () => {
  await killAll();
  await fake.close();
  work.remove();
});

/** `agentws serve --port 0 --log-format json ...`, once it has started; its url from the first line's `uri`. */
async function startJsonServe(args: string[]): Promise<{ serve: CliProcess; uri: string }> {
  const serve = new CliProcess(['serve', '--port', '0', '--log-format', 'json', ...args], { cwd: work.dir });
  await serve.waitFor(/Press Ctrl-C to stop\./);
  const first = JSON.parse(serve.stdout.split('\n')[0]!) as { uri: string };
  return { serve, uri: first.uri };
}

function parseLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('agentws serve --log-format json', () => {
  it('writes only JSON lines: the start-up, each session with its id, outcome and duration, the stop', async () => {
    fake.enqueue(...seedReplies());
    const { serve, uri } = await startJsonServe(['--token', TOKEN]);
    const client = await TestClient.open(uri, ['agentws.v1', `agentws.token.${TOKEN}`]);
    const session = await client.waitForEvent('session');
    const id = (session.content as { id: string }).id;
    client.send(SEED_MESSAGE);
    await client.waitForEvent('chat_end');
    // The follow-up question: an empty answer ends the run.
    await client.waitFor((frames) => frames.filter((f) => f.includes('"type":"input_request"')).length >= 2);
    const followUp = client.events.filter((event) => event.type === 'input_request').at(-1)!;
    client.send({ type: 'input_response', id: (followUp.content as { id: string }).id, value: '' });
    expect(await client.closed).toBe(1000);
    await serve.waitFor(/"outcome":"completed"/);
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);

    const out = parseLines(serve.stdout);
    expect(parseLines(serve.stderr)).toEqual([]);
    for (const line of out) {
      expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
    }
    expect(out[0]).toMatchObject({ level: 'info', msg: `agentws listening on ${uri}`, uri });
    expect(out.map((line) => line.msg)).toContain('Press Ctrl-C to stop.');
    expect(out.find((line) => line.msg === `session ${id.slice(0, 8)} started (json mode)`)).toMatchObject({
      session: id,
      mode: 'json',
    });
    const ended = out.find((line) => line.outcome !== undefined)!;
    expect(ended).toMatchObject({ session: id, outcome: 'completed', duration_ms: expect.any(Number) });
    expect(ended.msg).toMatch(new RegExp(`^session ${id.slice(0, 8)} ended: completed after \\d`));
    expect(out.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' });
    // The token is never printed, as to any pipe: a JSON log goes to a collector.
    expect(serve.stdout + serve.stderr).not.toContain(TOKEN);
  });

  it('a model error that quotes the key: the error line is JSON, on stderr, and the key is scrubbed', async () => {
    fake.enqueue({ error: { status: 401, message: `Incorrect API key provided: ${KEY}.` } });
    const { serve, uri } = await startJsonServe(['--verbose']);
    const client = await TestClient.open(uri);
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1011);
    await serve.waitFor(/"outcome":"error"/);
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);

    const errors = parseLines(serve.stderr);
    expect(errors).toContainEqual(
      expect.objectContaining({ level: 'error', msg: expect.stringMatching(/onConnect failed: .*401/) }),
    );
    const out = parseLines(serve.stdout);
    expect(out.some((line) => line.level === 'debug')).toBe(true); // --verbose
    expect(serve.stdout + serve.stderr).not.toContain(KEY);
  });

  it('refuses a format it does not know with a usage error', async () => {
    const { code, stderr } = await runCli(['serve', '--demo', '--log-format', 'xml']);
    expect(code).toBe(2);
    expect(stderr).toContain("argument 'xml' is invalid. Allowed choices are text, json.");
  });
});
