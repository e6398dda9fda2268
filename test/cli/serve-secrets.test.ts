import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { TestClient } from '../helpers/ws-client.js';
import { SEED_MESSAGE, killAll, startServe, tempDir } from './helpers/spawn-cli.js';

// The config list's API keys never leave `agentws serve`, whatever they look like: not in the client's error event,
// not on stderr, not in the --verbose stack traces on stdout. Spawns the real CLI (dist/ must be built).

/** A key the key-shaped patterns (`sk-...`) do not catch: only its value, from the config list, can scrub it. */
const KEY = 'abc123notsk-looking-key-XYZ';

const THROWING_AGENT = `
export default async function onConnect(iostream, { configList }) {
  await iostream.input();
  throw new Error('the upstream refused the key ' + configList[0].api_key + ', giving up');
}
`;

let fake: FakeOpenAI;
let work: { dir: string; remove: () => void };

beforeEach(async () => {
  fake = await startFakeOpenAI();
  work = tempDir({
    OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: KEY }]),
    'throwing-agent.mjs': THROWING_AGENT,
  });
});

afterEach(async () => {
  await killAll();
  await fake.close();
  work.remove();
});

/** Runs one JSON-mode session to its end and returns its error event's message. */
async function errorOfOneSession(uri: string): Promise<string> {
  const client = await TestClient.open(uri, 'agentws.v1');
  await client.waitForEvent('input_request');
  client.send(SEED_MESSAGE);
  expect(await client.closed).toBe(1011);
  const error = client.events.find((event) => event.type === 'error');
  for (const frame of client.frames) expect(frame).not.toContain(KEY);
  return (error?.content as { error: string }).error;
}

describe('agentws serve keeps the config list keys out of events and logs', () => {
  it('a key without the sk- shape, thrown from an --on-connect module, is scrubbed from the event, stderr and stdout', async () => {
    const { serve, uri } = await startServe(['--verbose', '--on-connect', path.join(work.dir, 'throwing-agent.mjs')], {
      cwd: work.dir,
    });

    expect(await errorOfOneSession(uri)).toBe('the upstream refused the key ***, giving up');

    await serve.waitFor(/onConnect failed: the upstream refused the key \*\*\*, giving up/, 'stderr');
    await serve.waitFor(/ended: error/);
    expect(serve.stdout).toMatch(/giving up\\n {4}at /); // --verbose printed the stack (one escaped line), scrubbed too
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0); // all its output is in
    expect(serve.stderr + serve.stdout).not.toContain(KEY);
  });

  it('the seed agents: a model error that quotes the key is scrubbed from the event and the logs', async () => {
    fake.enqueue({ error: { status: 401, message: `Incorrect API key provided: ${KEY}.` } });
    const { serve, uri } = await startServe(['--verbose'], { cwd: work.dir });

    expect(await errorOfOneSession(uri)).toContain('401');

    await serve.waitFor(/onConnect failed/, 'stderr');
    await serve.waitFor(/ended: error/);
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr + serve.stdout).not.toContain(KEY);
  });
});
