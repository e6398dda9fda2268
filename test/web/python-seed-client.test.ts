import { spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { seedReplies, startFakeOpenAI } from '../../src/testing/index.js';
import { normaliseFrame, readTranscriptFrames, stripAnsi } from '../helpers/transcript.js';
import { startNodeProcess } from '../fixtures/server-process.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const TRANSCRIPT = new URL('autogen02-transcript-nocolor.txt', FIXTURES);

/** Runs a command to its end without blocking the event loop (the fake model lives in this process). */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function runs(python: string, code: string): boolean {
  return spawnSync(python, ['-c', code], { stdio: 'ignore' }).status === 0;
}

/**
 * A Python with the `websockets` library: $AGENTWS_PYTHON, else python3 on the PATH, else Debian's /usr/bin/python3
 * (`apt-get install python3-websockets`, as .ci/run does). Its client script: the seed's own (websockets.sync, from
 * websockets 11), or the same steps with the asyncio client for older versions such as Debian 12's 10.4.
 */
function findPython(): { python: string; script: string } | undefined {
  const candidates = [process.env.AGENTWS_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const python = candidates.find((p) => runs(p, 'import websockets'));
  if (python === undefined) return undefined;
  const sync = runs(python, 'import websockets.sync.client');
  return { python, script: new URL(sync ? 'seed_client.py' : 'seed_client_asyncio.py', FIXTURES).pathname };
}

const found = findPython();
const skipReason = found
  ? ''
  : '(skipped: no python3 with the websockets library; install python3-websockets or set AGENTWS_PYTHON)';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(found === undefined)(`the seed's Python client ${skipReason}`, () => {
  it(`talks to agentws serve and prints the conversation until TERMINATE (${found?.script.split('/').pop()})`, async () => {
    const fake = await startFakeOpenAI({ replies: seedReplies() });
    cleanups.push(() => fake.close());
    const agentws = startNodeProcess(['bin/agentws.js', 'serve', '--port', '0'], {
      OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]),
    });
    cleanups.push(() => agentws.stop());
    const [, uri] = await agentws.waitFor(/listening on (ws:\/\/\S+)/);

    const result = await run(found!.python, [found!.script, uri!]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    // What the seed's loop prints: every frame up to the first holding TERMINATE (a streamed token), as sent.
    const frames = readTranscriptFrames(TRANSCRIPT.pathname).map((frame) => normaliseFrame(stripAnsi(frame)));
    const last = frames.findIndex((frame) => frame.includes('TERMINATE'));
    const expected =
      ` - Connected to server on ${uri}\n - Sending message to server.\n` +
      frames.slice(0, last + 1).join('') +
      '\n - Received TERMINATE message. Exiting.\n';
    expect(normaliseFrame(result.stdout)).toBe(expected);
  });
});
