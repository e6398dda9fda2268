import { spawn } from 'node:child_process';
import { AbortedError } from '../../errors.js';

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  cwd?: string;
  /** The whole environment of the command (nothing is inherited). */
  env: NodeJS.ProcessEnv;
  /** The command and everything it started are killed after this long; `timedOut` then says so. */
  timeoutMs: number;
  /** Bytes of output kept, standard output and error together; the rest is counted in `droppedBytes`. */
  maxOutputBytes: number;
  /** Written to standard input, which is then closed. Default: no standard input. */
  input?: string;
  /** Kills the command when it aborts; the call then rejects with AbortedError. */
  signal?: AbortSignal;
}

/** How a command ended and what it printed. */
export interface CommandOutcome {
  /** The exit code; null when a signal ended it (a timeout, or something of its own). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Standard output and error in the order they arrived. */
  combined: string;
  timedOut: boolean;
  /** Output past `maxOutputBytes`, not kept. */
  droppedBytes: number;
  /** Set when the command could not be started (ENOENT: not installed). */
  spawnError: NodeJS.ErrnoException | undefined;
}

/**
 * After the command exited, how long its output may take to close. Only a process that left its own process group
 * (setsid) and kept the pipes can hold them longer; it is then left to itself and its output dropped.
 */
const CLOSE_GRACE_MS = 2_000;

/** Output of both streams with one byte budget, in arrival order. */
class CappedOutput {
  readonly #chunks: Array<{ stream: 'stdout' | 'stderr'; data: Buffer }> = [];
  #left: number;
  dropped = 0;

  constructor(limit: number) {
    this.#left = limit;
  }

  add(stream: 'stdout' | 'stderr', data: Buffer): void {
    const kept = data.subarray(0, Math.max(0, this.#left));
    this.#left -= kept.length;
    this.dropped += data.length - kept.length;
    if (kept.length > 0) this.#chunks.push({ stream, data: kept });
  }

  text(stream?: 'stdout' | 'stderr'): string {
    const parts = this.#chunks.filter((chunk) => stream === undefined || chunk.stream === stream);
    return Buffer.concat(parts.map((chunk) => chunk.data)).toString('utf8');
  }
}

/** Kills the command's whole process group (it runs detached, as the leader of its own). */
function killGroup(pid: number | undefined, fallback: () => void): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // No group left (everything exited), or a platform without process groups.
    fallback();
  }
}

/**
 * Runs `command` with `args`, without a shell, in its own process group: on timeout or abort the command and every
 * process it started are killed (SIGKILL), and so are processes it left running when it exited, so that nothing an
 * agent ran outlives its turn. Resolves with the outcome; rejects only with AbortedError when `signal` aborts.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandOutcome> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new AbortedError(undefined, { cause: signal.reason }));
  return new Promise<CommandOutcome>((resolve, reject) => {
    const output = new CappedOutput(options.maxOutputBytes);
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const kill = (): void => killGroup(child.pid, () => child.kill('SIGKILL'));

    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = (): void => {
      kill();
      finish(new AbortedError(undefined, { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        reject(error);
        return;
      }
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: output.text('stdout'),
        stderr: output.text('stderr'),
        combined: output.text(),
        timedOut,
        droppedBytes: output.dropped,
        spawnError,
      });
    };

    child.stdout?.on('data', (data: Buffer) => output.add('stdout', data));
    child.stderr?.on('data', (data: Buffer) => output.add('stderr', data));
    if (options.input !== undefined && child.stdin) {
      // The command may exit without reading its input: EPIPE then is not an error of ours.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      finish();
    });
    child.on('exit', (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      clearTimeout(timer);
      // What it left running in its group goes too: nothing the agent ran outlives its turn.
      killGroup(child.pid, () => {});
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, CLOSE_GRACE_MS);
    });
    child.on('close', () => finish());
  });
}
