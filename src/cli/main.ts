import { CommanderError } from 'commander';
import { AgentwsError } from '../errors.js';
import type { CliIO } from './cli-io.js';
import { processIO, useColor } from './cli-io.js';
import { ExitCode, ExitError, exitCodeFor } from './exit-codes.js';
import type { CliState } from './program.js';
import { createProgram, initialState } from './program.js';

function red(text: string, io: CliIO): string {
  return useColor(io.stderr, io.env) ? `\x1b[31m${text}\x1b[39m` : text;
}

/** Prints an error that ended the command (one clear line; the stack only with --verbose) and returns its exit code. */
function report(error: unknown, io: CliIO, verbose: boolean): number {
  const code = exitCodeFor(error);
  // Commander has already printed its usage errors (and help/version are not errors).
  if (error instanceof CommanderError) return code;
  const expected = error instanceof ExitError || (error instanceof AgentwsError && code !== ExitCode.INTERNAL);
  const message = error instanceof Error ? error.message : String(error);
  if (expected) {
    io.stderr.write(red(`agentws: error: ${message}`, io) + '\n');
  } else {
    io.stderr.write(red(`agentws: internal error: ${message}`, io) + '\n');
    if (!verbose) io.stderr.write('This is a bug in agentws: run again with --verbose and report the output.\n');
  }
  if (verbose && error instanceof Error && error.stack) io.stderr.write(error.stack + '\n');
  return code;
}

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, then arguments) and resolves with the exit code.
 * Never exits the process, so tests can drive it with fake argv and streams.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIO = processIO(),
  state: CliState = initialState(),
): Promise<number> {
  const program = createProgram(io, state);
  try {
    await program.parseAsync([...argv]);
    return state.exitCode;
  } catch (error) {
    return report(error, io, state.verbose);
  }
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writableNeedDrain) resolve();
    else stream.once('drain', () => resolve());
  });
}

/** The `agentws` binary: runs the CLI and exits with its code. The only `process.exit` of agentws. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const exit = (code: number): never => process.exit(code);
  const state = initialState();
  // `agentws connect ... | head`: a closed pipe ends the output, not with a crash. `serve` keeps serving instead.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' && state.onStdoutGone === 'exit') exit(ExitCode.OK);
  });
  const code = await runCli(argv, processIO(), state);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  exit(code);
}
