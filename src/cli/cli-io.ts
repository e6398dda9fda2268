import type { EventEmitter } from 'node:events';

/** A writable stream the CLI prints to; `isTTY` decides colours and prompts. */
export type CliOutput = NodeJS.WritableStream & { isTTY?: boolean };
/** The CLI's standard input. */
export type CliInput = NodeJS.ReadableStream & { isTTY?: boolean };

/**
 * Everything the CLI touches outside itself, so tests can drive the program with fake streams and signals
 * instead of the real process.
 */
export interface CliIO {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: CliInput;
  /** Environment variables (`serve` loads `.env` into this object). */
  env: NodeJS.ProcessEnv;
  /** Working directory: relative paths and `.env` are resolved against it. */
  cwd: string;
  /** Where SIGINT and SIGTERM arrive. */
  signals: Pick<EventEmitter, 'on' | 'off'>;
}

/** The real process's streams, environment and signals. */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signals: process,
  };
}

/**
 * Colours on a TTY only, never when `NO_COLOR` is set (https://no-color.org) or `--no-color` was given;
 * `FORCE_COLOR` (other than `0`) forces them, as chalk does.
 */
export function useColor(stream: CliOutput, env: NodeJS.ProcessEnv, flag = true): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true;
}

/** Calls `handler` on every delivery of the named signals until the returned function is called. */
export function onSignals(
  io: CliIO,
  names: readonly NodeJS.Signals[],
  handler: (name: NodeJS.Signals) => void,
): () => void {
  const listeners = names.map((name) => {
    const listener = (): void => handler(name);
    io.signals.on(name, listener);
    return [name, listener] as const;
  });
  return () => {
    for (const [name, listener] of listeners) io.signals.off(name, listener);
  };
}
