import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { childEnvironment } from './child-environment.js';
import { assertCodeExecutionAllowed } from './code-execution-permission.js';
import { commandFor, OutsideWorkspaceError, TIMEOUT_MSG, workspaceFileName, writeCodeFile } from './code-utils.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from './executor-options.js';
import { exitCodeOf, spawnFailure, truncationNote } from './local-command-line-code-executor.js';
import { runCommand } from './run-command.js';

/** Options of {@link executeCode}. */
export interface ExecuteCodeOptions {
  /** The folder the code is saved to and runs in; it must exist. Required. */
  workDir: string;
  /** `python` (and its variants), `bash`, `sh` or `shell`. Default: `'python'`. */
  lang?: string;
  /** The file to save the code to, inside `workDir`; kept afterwards. Default: `tmp_code_<md5>.<ext>`, removed. */
  filename?: string;
  /** Seconds the code may run. Default: 600. */
  timeout?: number;
  /** Bytes of output kept. Default: 65536. */
  maxOutputBytes?: number;
  /** The environment the code's is made from, by `childEnvironment`. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Values to keep out of the code's environment. Default: `[]`. */
  secrets?: readonly string[];
  /** The program that runs Python. Default: `'python3'` (AutoGen: its own interpreter). */
  pythonCommand?: string;
  /** Stops the code when it aborts (the call rejects with AbortedError). */
  signal?: AbortSignal;
}

/** What {@link executeCode} gives: AutoGen's `(exitcode, logs)`. */
export interface ExecuteCodeResult {
  exitCode: number;
  /** Standard output when the code succeeded; standard error (its own file's path removed) when it failed. */
  logs: string;
}

/**
 * AutoGen 0.2's `execute_code` on this machine: saves `code`, runs it from `workDir` with a timeout, and returns
 * standard output on success, standard error on failure (exit code 1 and "Timeout" when it ran too long). A generated
 * file is removed afterwards. Throws `CODE_EXECUTION_REFUSED` when the current IOStream does not allow code execution.
 * @example const { exitCode, logs } = await executeCode('print("hi")', { workDir: 'coding' });
 */
export async function executeCode(code: string, options: ExecuteCodeOptions): Promise<ExecuteCodeResult> {
  assertCodeExecutionAllowed();
  const lang = options.lang ?? 'python';
  const python = lang.startsWith('python') || lang === 'Python' || lang === 'py';
  const generated = options.filename === undefined;
  let filename: string;
  let filepath: string;
  try {
    filename =
      options.filename === undefined
        ? `tmp_code_${createHash('md5').update(code).digest('hex')}.${python ? 'py' : lang}`
        : workspaceFileName(options.workDir, options.filename);
    filepath = await writeCodeFile(options.workDir, filename, code);
  } catch (error) {
    if (error instanceof OutsideWorkspaceError) return { exitCode: 1, logs: 'Filename is not in the workspace' };
    throw error;
  }
  const program = python ? (options.pythonCommand ?? 'python3') : (commandFor(lang) ?? lang);
  try {
    const outcome = await runCommand(program, [filename], {
      cwd: options.workDir,
      env: childEnvironment(options.env ?? process.env, options.secrets ?? []),
      timeoutMs: (options.timeout ?? 600) * 1000,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (outcome.spawnError) return { exitCode: 127, logs: spawnFailure(program, outcome.spawnError) };
    if (outcome.timedOut) return { exitCode: 1, logs: TIMEOUT_MSG };
    const exitCode = exitCodeOf(outcome);
    if (exitCode === 0) return { exitCode, logs: outcome.stdout + truncationNote(outcome.droppedBytes) };
    // AutoGen leaves its own file out of the traceback: the model should not see the machine's paths.
    let logs = outcome.stderr;
    if (generated) logs = logs.replaceAll(filepath, '').replaceAll(filename, '');
    else logs = logs.replaceAll(path.resolve(options.workDir) + path.sep, '');
    return { exitCode, logs: logs + truncationNote(outcome.droppedBytes) };
  } finally {
    if (generated) await rm(filepath, { force: true });
  }
}
