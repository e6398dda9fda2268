import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createCliLogger, type CliLoggerOptions } from '../../src/cli/cli-logger.js';
import { createRedactor, redactingLogger } from '../../src/server/redact.js';

// The logger of `agentws serve`: text for people (the default), or one JSON object per line for log collectors
// (`--log-format json`), each to stdout (info, debug) or stderr (warnings, errors).

/** A stream that keeps what is written to it. */
function capture(): PassThrough & { text(): string; lines(): Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  return Object.assign(stream, {
    text: () => written,
    lines: () =>
      written
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  });
}

function logger(options: Partial<CliLoggerOptions> = {}) {
  const stdout = capture();
  const stderr = capture();
  const log = createCliLogger({ level: 'normal', color: false, stdout, stderr, format: 'json', ...options });
  return { log, stdout, stderr };
}

describe('createCliLogger, JSON', () => {
  it('writes one object per line: level, ISO time, msg, and the fields; warnings and errors to stderr', () => {
    const { log, stdout, stderr } = logger();
    log.info('  session 0123abcd ended: completed after 1.2 s', {
      session: '0123abcd-0000',
      outcome: 'completed',
      duration_ms: 1234,
    });
    log.warn('listening on 0.0.0.0 without a token');
    log.error('cannot answer a request');

    expect(stdout.lines()).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        session: '0123abcd-0000',
        outcome: 'completed',
        duration_ms: 1234,
        msg: 'session 0123abcd ended: completed after 1.2 s',
      },
    ]);
    expect(stderr.lines().map(({ level, msg }) => ({ level, msg }))).toEqual([
      { level: 'warn', msg: 'listening on 0.0.0.0 without a token' },
      { level: 'error', msg: 'cannot answer a request' },
    ]);
  });

  it('levels: normal leaves debug out, verbose keeps it, quiet keeps errors only', () => {
    for (const [level, expected] of [
      ['normal', ['info', 'warn', 'error']],
      ['verbose', ['debug', 'info', 'warn', 'error']],
      ['quiet', ['error']],
    ] as const) {
      const { log, stdout, stderr } = logger({ level });
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      const levels = [...stdout.lines(), ...stderr.lines()].map((line) => line.level);
      expect({ level, levels }).toEqual({ level, levels: expected });
    }
  });

  it('a message with line breaks stays one line; behind the redactor, secrets leave the message and fields', () => {
    const { log, stdout } = logger();
    const safe = redactingLogger(log, createRedactor(['abc123-secret-key']));
    safe.info('model said: key abc123-secret-key\nagentws: error: forged', { detail: 'abc123-secret-key!' });
    expect(stdout.text().split('\n')).toHaveLength(2); // one line and the final newline
    expect(stdout.text()).not.toContain('abc123-secret-key');
    expect(stdout.lines()[0]).toMatchObject({ msg: 'model said: key ***\\nagentws: error: forged', detail: '***!' });
  });

  it('when stdout goes away it stops writing there and says so once, as JSON, on stderr', () => {
    const { log, stdout, stderr } = logger();
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    log.info('not written');
    log.info('not written either');
    expect(stdout.text()).toBe('');
    expect(stderr.lines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'standard output went away (EPIPE); still running, no longer writing to it',
      }),
    ]);
  });
});

describe('createCliLogger, text (the default)', () => {
  it('keeps its lines as they were: fields are for JSON only', () => {
    const { log, stdout, stderr } = logger({ format: undefined });
    log.info('session 0123abcd started (json mode)', { session: '0123abcd-0000', mode: 'json' });
    log.warn('careful');
    expect(stdout.text()).toBe('session 0123abcd started (json mode)\n');
    expect(stderr.text()).toBe('agentws: warning: careful\n');
  });
});
