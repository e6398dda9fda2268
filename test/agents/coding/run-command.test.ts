import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/agents/coding/run-command.js';
import { AbortedError } from '../../../src/errors.js';

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'agentws-test-run-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

const base = { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeoutMs: 60_000, maxOutputBytes: 1024 * 1024 };

/** True when the process is gone or a zombie (exited, not reaped yet): it no longer runs. */
function stopped(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return true;
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('runCommand', () => {
  it('kills what the command left running when it exits: nothing outlives its turn', async () => {
    // The background sleep keeps the output pipe: the call resolves once it is gone.
    const outcome = await runCommand('sh', ['-c', 'sleep 300 & echo $!'], { ...base, cwd: workDir });
    expect(outcome.exitCode).toBe(0);
    const pid = Number(outcome.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(stopped(pid)).toBe(true);
  });

  it('on timeout kills the command and every process it started', async () => {
    // Long enough for sh to start its background sleep and say its pid, even on a busy machine.
    const outcome = await runCommand('sh', ['-c', 'sleep 300 & echo $!; sleep 300'], { ...base, timeoutMs: 2000 });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.exitCode).toBeNull();
    expect(outcome.signal).toBe('SIGKILL');
    const pid = Number(outcome.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(stopped(pid)).toBe(true);
  });

  it('keeps at most maxOutputBytes of output and counts the rest', async () => {
    const outcome = await runCommand('sh', ['-c', 'head -c 100000 /dev/zero | tr "\\0" x; echo err >&2'], {
      ...base,
      maxOutputBytes: 1000,
    });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.combined).toHaveLength(1000);
    expect(outcome.droppedBytes).toBe(100_004 - 1000);
  });

  it('stops at once when the signal aborts (a cancelled run, a closed connection)', async () => {
    const controller = new AbortController();
    const marker = path.join(workDir, 'started');
    const watcher = watch(workDir, () => {
      if (existsSync(marker)) controller.abort();
    });
    try {
      const run = runCommand('sh', ['-c', `touch ${marker}; sleep 300`], { ...base, signal: controller.signal });
      await expect(run).rejects.toThrow(AbortedError);
    } finally {
      watcher.close();
    }
  });

  it('says when the program is not installed', async () => {
    const outcome = await runCommand('agentws-no-such-program', [], base);
    expect(outcome.spawnError?.code).toBe('ENOENT');
    expect(outcome.exitCode).toBeNull();
  });
});
