import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/cli-io.js';
import { DEFAULT_URL, normalizeUrl, resolveTarget } from '../../src/cli/connect-target.js';
import { useColor } from '../../src/cli/cli-io.js';
import { ExitCode, ExitError, exitCodeFor } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/main.js';
import { createProgram, initialState } from '../../src/cli/program.js';
import { ConfigError, ServerError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';

// The commander program driven in-process with fake argv and streams (no process is spawned here).

function fakeIO(input = ''): { io: CliIO; stdout: () => string; stderr: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stdin = new PassThrough();
  stdin.end(input);
  const io: CliIO = { stdout: out, stderr: err, stdin, env: {}, cwd: process.cwd(), signals: new EventEmitter() };
  return { io, stdout: () => stdout, stderr: () => stderr };
}

const argv = (...args: string[]): string[] => ['node', 'agentws', ...args];

describe('agentws (program)', () => {
  it('--version prints the package version', async () => {
    const { io, stdout } = fakeIO();
    expect(await runCli(argv('--version'), io)).toBe(0);
    expect(stdout()).toBe(`${VERSION}\n`);
  });

  it.each([[[]], [['serve']], [['connect']]])(
    '%j --help lists the commands, flags and every exit code',
    async (command) => {
      const { io, stdout } = fakeIO();
      expect(await runCli(argv(...command, '--help'), io)).toBe(0);
      const help = stdout();
      for (const code of Object.values(ExitCode)) expect(help).toMatch(new RegExp(`^  ${code} `, 'm'));
      if (command.length === 0) expect(help).toMatch(/serve \[options\][^]*connect \[options\] \[url\] \[message\]/);
    },
  );

  it('an unknown command is a usage error (2)', async () => {
    const { io, stderr } = fakeIO();
    expect(await runCli(argv('launch'), io)).toBe(2);
    expect(stderr()).toContain("unknown command 'launch'");
  });

  it('connect with no message on an empty standard input is a usage error (2)', async () => {
    const { io, stderr } = fakeIO('');
    expect(await runCli(argv('connect', 'ws://127.0.0.1:1'), io)).toBe(2);
    expect(stderr()).toBe(
      'agentws: error: No message to send: give it as an argument (agentws connect URL "message") or on standard input.\n',
    );
  });

  it('docs/cli.md documents every flag of serve, connect and worker, and every exit code', () => {
    const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const program = createProgram(fakeIO().io, initialState());
    for (const name of ['serve', 'connect', 'worker']) {
      const command = program.commands.find((c) => c.name() === name)!;
      for (const option of command.options) expect(docs, `${name} ${option.flags}`).toContain(`\`${option.flags}\``);
    }
    for (const code of Object.values(ExitCode)) expect(docs).toMatch(new RegExp(`^\\| ${code}\\s+\\|`, 'm'));
  });
});

describe('exitCodeFor', () => {
  it('maps library error codes and CLI outcomes to the documented exit codes', () => {
    expect(exitCodeFor(new ConfigError('CONFIG_EMPTY', 'x'))).toBe(3);
    expect(exitCodeFor(new ServerError('PORT_IN_USE', 'x'))).toBe(4);
    expect(exitCodeFor(new ServerError('LISTEN_FAILED', 'x'))).toBe(4);
    expect(exitCodeFor(new ServerError('OPTION_INVALID', 'x'))).toBe(2);
    expect(exitCodeFor(new ExitError(ExitCode.TIMED_OUT, 'x'))).toBe(11);
    expect(exitCodeFor(new TypeError('bug'))).toBe(1);
  });
});

describe('useColor', () => {
  const tty = Object.assign(new PassThrough(), { isTTY: true });
  it('colours a TTY unless NO_COLOR or --no-color; never a pipe unless FORCE_COLOR', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, {}, false)).toBe(false);
    expect(useColor(new PassThrough(), {})).toBe(false);
    expect(useColor(new PassThrough(), { FORCE_COLOR: '1' })).toBe(true);
  });
});

describe('connect arguments', () => {
  it('one argument that is not a url is the message for the default server', () => {
    expect(resolveTarget('Check the weather in Paris', undefined)).toEqual({
      url: DEFAULT_URL,
      message: 'Check the weather in Paris',
    });
    expect(resolveTarget('localhost:9000', undefined)).toEqual({ url: 'localhost:9000', message: undefined });
    expect(resolveTarget('wss://agents.example/ws', 'hi')).toEqual({ url: 'wss://agents.example/ws', message: 'hi' });
  });

  it('accepts host:port and http(s) urls as websocket urls', () => {
    expect(normalizeUrl('127.0.0.1:9000')).toBe('ws://127.0.0.1:9000/');
    expect(normalizeUrl('https://agents.example/ws')).toBe('wss://agents.example/ws');
    expect(() => normalizeUrl('ftp://x')).toThrow(ExitError);
  });
});
