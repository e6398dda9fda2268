import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { tempDir } from './helpers/spawn-cli.js';

// Where `agentws serve --token` prints its page link: with the token only when stdout is a terminal, because a
// pipe's output ends up in CI logs and log collectors. The program is driven in-process with a fake terminal.

const TOKEN = 'tty-only-token-0123456789';

let remove: (() => void) | undefined;
afterEach(() => remove?.());

/** Runs `agentws serve --demo --token ... --port 0` until it listens, stops it with SIGTERM, and returns its output. */
async function bannerOf(isTTY: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  const work = tempDir();
  remove = work.remove;
  const stdout = Object.assign(new PassThrough(), { isTTY });
  const stderr = Object.assign(new PassThrough(), { isTTY });
  let out = '';
  let err = '';
  const signals = new EventEmitter();
  const listening = new Promise<void>((resolve) => {
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Press Ctrl-C to stop.')) resolve();
    });
  });
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const stdin = new PassThrough();
  const io: CliIO = { stdout, stderr, stdin, env: { NO_COLOR: '1' }, cwd: work.dir, signals };
  const exited = runCli(['node', 'agentws', 'serve', '--port', '0', '--demo', '--token', TOKEN], io);
  await Promise.race([listening, exited.then((code) => Promise.reject(new Error(`exited ${code}: ${err}`)))]);
  signals.emit('SIGTERM');
  return { code: await exited, stdout: out, stderr: err };
}

describe('agentws serve --token: the page link', () => {
  it('on a terminal: the link carries the token in its fragment', async () => {
    const { code, stdout } = await bannerOf(true);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`page: +http://127\\.0\\.0\\.1:\\d+/#token=${TOKEN}(\\s|$)`));
  });

  it('not on a terminal: the plain URL and how to add the token, which is never printed', async () => {
    const { code, stdout, stderr } = await bannerOf(false);
    expect(code).toBe(0);
    expect(stdout).toMatch(/page: +http:\/\/127\.0\.0\.1:\d+\/ /); // then "(demo: scripted replies)"
    expect(stdout).toContain('append #token=<your token> to the URL');
    expect(stdout).toContain('not printed because standard output is not a terminal');
    expect(stdout + stderr).not.toContain(TOKEN);
  });
});
