import { createHash } from 'node:crypto';
import { constants } from 'node:os';
import * as path from 'node:path';
import { CodeExecutionError } from '../../errors.js';
import { childEnvironment } from './child-environment.js';
import { assertCodeExecutionAllowed } from './code-execution-permission.js';
import type {
  CodeBlock,
  CodeExecutor,
  CodeExtractor,
  CommandLineCodeResult,
  ExecuteCodeBlocksOptions,
} from './code-executor.js';
import {
  commandFor,
  fileNameFromContent,
  OutsideWorkspaceError,
  PYTHON_VARIANTS,
  silencePip,
  TIMEOUT_MSG,
  writeCodeFile,
} from './code-utils.js';
import {
  checkMaxOutputBytes,
  checkOptionKeys,
  checkTimeout,
  DEFAULT_EXECUTION_POLICY,
  DEFAULT_MAX_OUTPUT_BYTES,
  resolvePolicies,
} from './executor-options.js';
import { MarkdownCodeExtractor } from './markdown-code-extractor.js';
import { runCommand, type CommandOutcome } from './run-command.js';
import { WorkFolder } from './work-folder.js';

/** Options of {@link LocalCommandLineCodeExecutor}. */
export interface LocalCommandLineCodeExecutorOptions {
  /** Seconds each block may run before it and everything it started are killed (exit code 124). Default: 60. */
  timeout?: number;
  /**
   * Where blocks are saved and run; created when missing (its parent must exist). Default: a new temporary folder,
   * removed by `close()`.
   */
  workDir?: string;
  /** A Python virtual environment (`python3 -m venv DIR`) whose `bin` goes first on PATH. Default: none. */
  virtualEnvDir?: string;
  /** Per language, `true` runs its blocks and `false` only saves them. Default: {@link DEFAULT_EXECUTION_POLICY}. */
  executionPolicies?: Partial<Record<string, boolean>>;
  /** Bytes of output kept per block, standard output and error together; the rest is cut with a note. Default: 65536. */
  maxOutputBytes?: number;
  /** The program that runs Python blocks and checks unlabelled ones. Default: `'python3'`. */
  pythonCommand?: string;
  /** The environment the code's is made from, by {@link childEnvironment}. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Values to keep out of the code's environment besides the name rule (API keys, tokens). Default: `[]`. */
  secrets?: readonly string[];
}

const CLASS = 'LocalCommandLineCodeExecutor';
const OPTION_KEYS = [
  'timeout',
  'workDir',
  'virtualEnvDir',
  'executionPolicies',
  'maxOutputBytes',
  'pythonCommand',
  'env',
  'secrets',
] as const;

/** Languages the local executor knows (AutoGen 0.2's `SUPPORTED_LANGUAGES`). */
const SUPPORTED_LANGUAGES: readonly string[] = Object.keys(DEFAULT_EXECUTION_POLICY);

/** Spellings that name a language the executor knows by another name. */
const LANGUAGE_ALIASES: Readonly<Record<string, string>> = { js: 'javascript' };

/** A note closing output that was cut at the limit. */
export function truncationNote(droppedBytes: number): string {
  return droppedBytes > 0 ? `\n[output truncated: ${droppedBytes} more bytes not shown]\n` : '';
}

/** The exit code a shell reports: the process's own, else 128 + the number of the signal that ended it. */
export function exitCodeOf(outcome: CommandOutcome): number {
  if (outcome.exitCode !== null) return outcome.exitCode;
  const number = outcome.signal === null ? undefined : constants.signals[outcome.signal];
  return number === undefined ? 1 : 128 + number;
}

/** What a command that could not start printed, in a shell's words. */
export function spawnFailure(program: string, error: NodeJS.ErrnoException): string {
  return error.code === 'ENOENT'
    ? `${program}: command not found. Install it on the machine that runs agentws.\n`
    : `${program}: cannot run it (${error.code ?? error.message}).\n`;
}

/**
 * AutoGen 0.2's `LocalCommandLineCodeExecutor`: saves each block to a file in the working folder (named by its first
 * line, `# filename: app.py`, else `tmp_code_<md5>.<ext>`) and runs it with python3, bash/sh or node, in order, until
 * one fails. **This runs model-written code on this machine, as the user running agentws**: only in the folder given,
 * with secrets removed from its environment, but with everything else that user may do. Prefer the
 * {@link DockerCommandLineCodeExecutor} for isolation.
 * @example
 * const executor = new LocalCommandLineCodeExecutor({ workDir: 'coding', timeout: 30 });
 * const result = await executor.executeCodeBlocks([{ language: 'python', code: 'print(1 + 1)' }]);
 */
export class LocalCommandLineCodeExecutor implements CodeExecutor {
  /** AutoGen's default policy: shells and Python run; JavaScript, HTML and CSS are only saved. */
  static readonly DEFAULT_EXECUTION_POLICY = DEFAULT_EXECUTION_POLICY;
  static readonly SUPPORTED_LANGUAGES = SUPPORTED_LANGUAGES;

  readonly timeout: number;
  readonly executionPolicies: Readonly<Record<string, boolean>>;
  readonly codeExtractor: CodeExtractor;
  readonly #folder: WorkFolder;
  readonly #options: LocalCommandLineCodeExecutorOptions;
  readonly #maxOutputBytes: number;
  readonly #pythonCommand: string;

  constructor(options: LocalCommandLineCodeExecutorOptions = {}) {
    checkOptionKeys(CLASS, options, OPTION_KEYS);
    this.timeout = checkTimeout(CLASS, options.timeout ?? 60);
    this.#maxOutputBytes = checkMaxOutputBytes(CLASS, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    this.executionPolicies = resolvePolicies(CLASS, options.executionPolicies);
    this.#pythonCommand = options.pythonCommand ?? 'python3';
    this.#folder = new WorkFolder(CLASS, options.workDir);
    this.#options = options;
    this.codeExtractor = new MarkdownCodeExtractor({ pythonCommand: this.#pythonCommand });
  }

  /** Where blocks are saved and run: `workDir`, or the temporary folder made on the first run. */
  get workDir(): string {
    return this.#folder.path;
  }

  /**
   * AutoGen's `sanitize_command`: throws `CODE_EXECUTION_REFUSED` for shell code that wipes files or disks or forks
   * without end (`rm -rf`, `dd`, writing to /dev/sd*, a fork bomb). A speed bump, not a sandbox.
   */
  static sanitizeCommand(lang: string, code: string): void {
    const dangerous: Array<[RegExp, string]> = [
      [/\brm\s+-rf\b/, "Use of 'rm -rf' command is not allowed."],
      [/\bmv\b.*?\s+\/dev\/null/, 'Moving files to /dev/null is not allowed.'],
      [/\bdd\b/, "Use of 'dd' command is not allowed."],
      [/>\s*\/dev\/sd[a-z][1-9]?/, 'Overwriting disk blocks directly is not allowed.'],
      [/:\(\)\{\s*:\|:&\s*\};:/, 'Fork bombs are not allowed.'],
    ];
    if (!['bash', 'shell', 'sh'].includes(lang)) return;
    for (const [pattern, message] of dangerous) {
      if (pattern.test(code)) {
        throw new CodeExecutionError('CODE_EXECUTION_REFUSED', `Potentially dangerous command detected: ${message}`);
      }
    }
  }

  /**
   * Saves and runs `codeBlocks` in order; the first failure (exit code not 0, unknown language, timeout) stops the
   * rest. Throws `CODE_EXECUTION_REFUSED` when the current IOStream does not allow code execution.
   */
  async executeCodeBlocks(
    codeBlocks: readonly CodeBlock[],
    options: ExecuteCodeBlocksOptions = {},
  ): Promise<CommandLineCodeResult> {
    assertCodeExecutionAllowed();
    await this.#folder.ready();
    let output = '';
    let exitCode = 0;
    const files: string[] = [];
    for (const block of codeBlocks) {
      let lang = block.language.toLowerCase();
      lang = LANGUAGE_ALIASES[lang] ?? lang;
      try {
        LocalCommandLineCodeExecutor.sanitizeCommand(lang, block.code);
      } catch (error) {
        output += `\n${(error as Error).message}`;
        exitCode = 1;
        break;
      }
      const code = silencePip(block.code, lang);
      if (PYTHON_VARIANTS.includes(lang)) lang = 'python';
      if (!SUPPORTED_LANGUAGES.includes(lang)) {
        output += `\nunknown language ${lang}`;
        exitCode = 1;
        break;
      }
      let file: string;
      try {
        const named = fileNameFromContent(code, this.workDir);
        const digest = createHash('md5').update(code).digest('hex');
        file = await writeCodeFile(
          this.workDir,
          named ?? `tmp_code_${digest}.${lang === 'python' ? 'py' : lang}`,
          code,
        );
      } catch (error) {
        if (error instanceof OutsideWorkspaceError)
          return { exitCode: 1, output: 'Filename is not in the workspace', codeFile: undefined };
        throw error;
      }
      files.push(file);
      if (this.executionPolicies[lang] !== true) {
        output += `Code saved to ${file}\n`;
        exitCode = 0;
        continue;
      }
      const program = commandFor(lang, this.#pythonCommand) ?? lang;
      const outcome = await runCommand(program, [file], {
        cwd: this.workDir,
        env: this.#environment(options.secrets),
        timeoutMs: this.timeout * 1000,
        maxOutputBytes: this.#maxOutputBytes,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (outcome.spawnError) {
        output += spawnFailure(program, outcome.spawnError);
        exitCode = 127;
        break;
      }
      if (outcome.timedOut) {
        output += `\n${TIMEOUT_MSG}`;
        // The exit code of `timeout(1)`, as AutoGen.
        exitCode = 124;
        break;
      }
      output += outcome.stderr + outcome.stdout + truncationNote(outcome.droppedBytes);
      exitCode = exitCodeOf(outcome);
      if (exitCode !== 0) break;
    }
    return { exitCode, output, codeFile: files[0] };
  }

  /** AutoGen's: a local executor has no state to reset; a warning says so. */
  restart(): void {
    process.emitWarning('Restarting local command line code executor is not supported. No action is taken.');
  }

  /** Removes the working folder when the executor made it (no `workDir` given); a given one is left as it is. */
  close(): void {
    this.#folder.remove();
  }

  #environment(secrets: readonly string[] = []): NodeJS.ProcessEnv {
    const env = childEnvironment(this.#options.env ?? process.env, [...(this.#options.secrets ?? []), ...secrets]);
    const venv = this.#options.virtualEnvDir;
    if (venv !== undefined) {
      const bin = path.resolve(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
      env.PATH = env.PATH ? `${bin}${path.delimiter}${env.PATH}` : bin;
      env.VIRTUAL_ENV = path.resolve(venv);
    }
    return env;
  }
}
