import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, runCli, tempDir } from './helpers/spawn-cli.js';

// Every way `agentws serve` can fail before listening: one clear message with the fix, a documented exit code, and no
// stack trace (unless --verbose). Spawns the real CLI (dist/ must be built: `npm test` does it).

const CONFIG = JSON.stringify([{ model: 'gpt-4', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-secret-in-config' }]);

let cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  await killAll();
  for (const fn of cleanup) await fn();
  cleanup = [];
});

function dir(files: Record<string, string> = {}): string {
  const made = tempDir(files);
  cleanup.push(made.remove);
  return made.dir;
}

async function expectFailure(
  args: string[],
  files: Record<string, string>,
  code: number,
  message: RegExp,
): Promise<string> {
  const cwd = dir(files);
  const result = await runCli(['serve', '--port', '0', ...args], { cwd });
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(code);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).not.toContain('listening on');
  expect(result.stderr + result.stdout).not.toContain('sk-secret-in-config');
  return result.stderr;
}

describe('agentws serve: errors before listening', () => {
  it('no model at all: exit 3, says how to configure one or use --demo', async () => {
    const stderr = await expectFailure([], {}, 3, /No model configured/);
    expect(stderr).toContain('OPENAI_API_KEY');
    expect(stderr).toContain('agentws serve --demo');
  });

  it('a config list that is not JSON: exit 3, names the file', async () => {
    await expectFailure(
      [],
      { OAI_CONFIG_LIST: '[{"model": "gpt-4",' },
      3,
      /the file .*OAI_CONFIG_LIST is not valid JSON/,
    );
  });

  it('a config list entry without a model: exit 3', async () => {
    await expectFailure(
      [],
      { OAI_CONFIG_LIST: '[{"api_key": "sk-secret-in-config"}]' },
      3,
      /Entry 0 .* has no "model"/,
    );
  });

  it('--config naming a file that does not exist: exit 3', async () => {
    await expectFailure(['--config', 'missing.json'], {}, 3, /No config list found: .*missing\.json/);
  });

  it('--config naming a directory: exit 3, says to give the file, not that it does not exist', async () => {
    const cwd = dir();
    mkdirSync(path.join(cwd, 'configs'));
    const result = await runCli(['serve', '--port', '0', '--config', 'configs'], { cwd });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `${path.join(cwd, 'configs')} is a directory, not a file: give the path of the config list file`,
    );
    expect(result.stderr).not.toContain('does not exist');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('--model that matches no entry: exit 3, lists what the config has', async () => {
    await expectFailure(
      ['--model', 'gpt-5'],
      { OAI_CONFIG_LIST: CONFIG },
      3,
      /matches the filter \{"model":\["gpt-5"\]\}.*#0 gpt-4/,
    );
  });

  it('--filter that matches no entry: exit 3', async () => {
    await expectFailure(
      ['--filter', 'tags=local'],
      { OAI_CONFIG_LIST: CONFIG },
      3,
      /matches the filter \{"tags":\["local"\]\}/,
    );
  });

  it('an api_type agentws does not speak: exit 3, names the entry and the OpenAI-compatible way', async () => {
    const list = [
      { model: 'gpt-4', api_key: 'sk-secret-in-config' },
      { model: 'claude-3-5-sonnet', api_type: 'anthropic', api_key: 'sk-secret-in-config' },
    ];
    const stderr = await expectFailure(
      [],
      { OAI_CONFIG_LIST: JSON.stringify(list) },
      3,
      /Entry 1 \(claude-3-5-sonnet\) of the file .*OAI_CONFIG_LIST has "api_type": "anthropic"/,
    );
    expect(stderr).toContain('"base_url": "https://api.anthropic.com/v1/"');
  });

  it('a port in use: exit 4, says to choose another', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const cwd = dir({ OAI_CONFIG_LIST: CONFIG });
    const result = await runCli(['serve', '--port', String(port)], { cwd });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use.`);
    expect(result.stderr).toContain('--port');
  });

  it('an on-connect module that does not exist: exit 5, with the resolved path', async () => {
    await expectFailure(
      ['--on-connect', './nope.ts'],
      {},
      5,
      /Cannot find the on-connect module \.\/nope\.ts \(looked for \/.*nope\.ts\)/,
    );
  });

  it('an on-connect module without an onConnect export: exit 5, says what to export', async () => {
    const stderr = await expectFailure(
      ['--on-connect', 'agent.mjs'],
      { 'agent.mjs': 'export const x = 1;\n' },
      5,
      /has no onConnect function/,
    );
    expect(stderr).toContain('It exports: x.');
    expect(stderr).toContain('export default function onConnect(iostream)');
  });

  it('an on-connect module that fails to load: exit 5, with the reason', async () => {
    await expectFailure(
      ['--on-connect', 'broken.ts'],
      { 'broken.ts': 'export default function (: {\n' },
      5,
      /Cannot load the on-connect module broken\.ts/,
    );
  });

  it('--verbose adds the stack trace', async () => {
    const cwd = dir();
    const result = await runCli(['serve', '--verbose', '--on-connect', 'nope.mjs'], { cwd });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});

describe('agentws serve: usage errors (exit 2)', () => {
  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['--port', '70000'], /option '-p, --port <port>' argument '70000' is invalid/],
    [['--port', 'abc'], /Expected a whole number from 0 to 65535/],
    [['--filter', 'novalue'], /Expected key=value/],
    [['--quiet', '--verbose'], /option '-q, --quiet' cannot be used with option '--verbose'/],
    [['--input-timeout-action', 'maybe'], /Allowed choices are end, empty/],
    [['--max-message-size', 'lots'], /Expected a size in bytes/],
    [['--token', 'short'], /--token .*must be at least 8 characters/],
  ])('%j', async (args, message) => {
    const cwd = dir({ OAI_CONFIG_LIST: CONFIG });
    const result = await runCli(['serve', '--port', '0', ...args], { cwd });
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
