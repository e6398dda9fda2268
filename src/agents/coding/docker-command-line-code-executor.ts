import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { CodeExecutionError, DefinitionError } from '../../errors.js';
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
import { exitCodeOf, spawnFailure, truncationNote } from './local-command-line-code-executor.js';
import { MarkdownCodeExtractor } from './markdown-code-extractor.js';
import { runCommand, type CommandOutcome } from './run-command.js';
import { WorkFolder } from './work-folder.js';

/** Options of {@link DockerCommandLineCodeExecutor}. */
export interface DockerCommandLineCodeExecutorOptions {
  /** The image the container runs; pulled when missing. Default: `'python:3-slim'`. */
  image?: string;
  /** The container's name. Default: `agentws-code-exec-<uuid>`. */
  containerName?: string;
  /** Seconds each block may run (`timeout` inside the container; exit code 124). Default: 60. */
  timeout?: number;
  /** The folder blocks are saved to, mounted at `/workspace`. Default: a new temporary folder. */
  workDir?: string;
  /** The host folder mounted at `/workspace` when it differs from `workDir` (agentws itself in a container). Default: `workDir`. */
  bindDir?: string;
  /** Remove the container once it stops. Default: true. */
  autoRemove?: boolean;
  /** Stop the container when this process exits. Default: true. */
  stopContainer?: boolean;
  /** Per language, `true` runs its blocks and `false` only saves them. Default: {@link DEFAULT_EXECUTION_POLICY}. */
  executionPolicies?: Partial<Record<string, boolean>>;
  /** Bytes of output kept per block. Default: 65536. */
  maxOutputBytes?: number;
  /** The Docker client program. Default: `'docker'`. */
  dockerCommand?: string;
}

const CLASS = 'DockerCommandLineCodeExecutor';
const OPTION_KEYS = [
  'image',
  'containerName',
  'timeout',
  'workDir',
  'bindDir',
  'autoRemove',
  'stopContainer',
  'executionPolicies',
  'maxOutputBytes',
  'dockerCommand',
] as const;

/** How long a Docker client command (inspect, pull, create, stop) may take. */
const DOCKER_COMMAND_TIMEOUT_MS = 10 * 60 * 1000;
/** Beyond the block's own timeout, enforced inside the container, how long `docker exec` may take. */
const EXEC_MARGIN_MS = 30_000;

/** Whether a Docker daemon answers, and if not, what the client said. */
export async function dockerStatus(dockerCommand = 'docker'): Promise<{ running: boolean; reason: string }> {
  const outcome = await runCommand(dockerCommand, ['info', '--format', '{{.ServerVersion}}'], {
    env: childEnvironment(),
    timeoutMs: 30_000,
    maxOutputBytes: 16 * 1024,
  });
  if (outcome.spawnError) return { running: false, reason: spawnFailure(dockerCommand, outcome.spawnError).trim() };
  if (outcome.exitCode === 0 && outcome.stdout.trim() !== '') return { running: true, reason: '' };
  const said = (outcome.stderr || outcome.stdout).trim().split('\n').at(-1) ?? '';
  return { running: false, reason: said || `${dockerCommand} info exited with ${exitCodeOf(outcome)}` };
}

/**
 * AutoGen 0.2's `DockerCommandLineCodeExecutor`: saves each block in the working folder, mounted at `/workspace` in a
 * long-lived container, and runs it there with `docker exec`. The code sees the container and the working folder,
 * not this machine's files or environment (it does have the container's network). The container starts on the first
 * run (AutoGen: on construction), through the `docker` command line; `stop()` removes it.
 * @example
 * const executor = new DockerCommandLineCodeExecutor({ image: 'python:3-slim', workDir: 'coding' });
 * try { await executor.executeCodeBlocks([{ language: 'python', code: 'print(1)' }]); } finally { await executor.stop(); }
 */
export class DockerCommandLineCodeExecutor implements CodeExecutor {
  static readonly DEFAULT_EXECUTION_POLICY = DEFAULT_EXECUTION_POLICY;
  /** Spellings that name a language by another name (AutoGen's `LANGUAGE_ALIASES`). */
  static readonly LANGUAGE_ALIASES: Readonly<Record<string, string>> = { py: 'python', js: 'javascript' };

  readonly image: string;
  readonly containerName: string;
  readonly timeout: number;
  readonly bindDir: string;
  readonly executionPolicies: Readonly<Record<string, boolean>>;
  readonly codeExtractor: CodeExtractor = new MarkdownCodeExtractor();
  readonly #folder: WorkFolder;
  readonly #autoRemove: boolean;
  readonly #stopContainer: boolean;
  readonly #maxOutputBytes: number;
  readonly #docker: string;
  #started: Promise<void> | undefined;
  #onExit: (() => void) | undefined;

  constructor(options: DockerCommandLineCodeExecutorOptions = {}) {
    checkOptionKeys(CLASS, options, OPTION_KEYS);
    this.image = options.image ?? 'python:3-slim';
    this.containerName = options.containerName ?? `agentws-code-exec-${randomUUID()}`;
    this.timeout = checkTimeout(CLASS, options.timeout ?? 60);
    this.#folder = new WorkFolder(CLASS, options.workDir);
    this.bindDir = path.resolve(options.bindDir ?? this.#folder.path);
    this.executionPolicies = resolvePolicies(CLASS, options.executionPolicies);
    this.#maxOutputBytes = checkMaxOutputBytes(CLASS, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    this.#autoRemove = options.autoRemove ?? true;
    this.#stopContainer = options.stopContainer ?? true;
    this.#docker = options.dockerCommand ?? 'docker';
    for (const [name, value] of [
      ['image', this.image],
      ['containerName', this.containerName],
    ] as const) {
      if (typeof value !== 'string' || !/^[\w./:@-]+$/.test(value)) {
        throw new DefinitionError('CODE_EXECUTION_INVALID', `${CLASS} option '${name}' is not a valid Docker name.`);
      }
    }
  }

  /** Where blocks are saved (mounted at `/workspace`): `workDir`, or the temporary folder made on the first run. */
  get workDir(): string {
    return this.#folder.path;
  }

  /**
   * Saves `codeBlocks` and runs them in the container, in order, until one fails. Throws `CODE_EXECUTION_REFUSED`
   * when the current IOStream does not allow code execution, `CODE_EXECUTION_UNAVAILABLE` when Docker cannot start
   * the container.
   */
  async executeCodeBlocks(
    codeBlocks: readonly CodeBlock[],
    options: ExecuteCodeBlocksOptions = {},
  ): Promise<CommandLineCodeResult> {
    assertCodeExecutionAllowed();
    if (codeBlocks.length === 0) {
      throw new DefinitionError('CODE_EXECUTION_INVALID', 'No code blocks to execute.');
    }
    await this.#start();
    const outputs: string[] = [];
    const files: string[] = [];
    let lastExitCode = 0;
    for (const block of codeBlocks) {
      const lowered = block.language.toLowerCase();
      const lang = DockerCommandLineCodeExecutor.LANGUAGE_ALIASES[lowered] ?? lowered;
      if (!(lang in DEFAULT_EXECUTION_POLICY)) {
        outputs.push(`Unsupported language ${lang}\n`);
        lastExitCode = 1;
        break;
      }
      const code = silencePip(block.code, lang);
      let file: string;
      try {
        const named = fileNameFromContent(code, this.workDir);
        file = await writeCodeFile(
          this.workDir,
          named ?? `tmp_code_${createHash('md5').update(code).digest('hex')}.${lang}`,
          code,
        );
      } catch (error) {
        if (!(error instanceof OutsideWorkspaceError)) throw error;
        outputs.push('Filename is not in the workspace');
        lastExitCode = 1;
        break;
      }
      files.push(file);
      if (this.executionPolicies[lang] !== true) {
        outputs.push(`Code saved to ${file}\n`);
        continue;
      }
      const inContainer = path.relative(path.resolve(this.workDir), file).split(path.sep).join('/');
      const program = commandFor(lang, 'python') ?? lang;
      const outcome = await this.#dockerCommand(
        ['exec', this.containerName, 'timeout', String(this.timeout), program, inContainer],
        this.timeout * 1000 + EXEC_MARGIN_MS,
        options.signal,
      );
      const exitCode = exitCodeOf(outcome);
      let output = outcome.combined + truncationNote(outcome.droppedBytes);
      if (exitCode === 124) output += `\n${TIMEOUT_MSG}`;
      outputs.push(output);
      lastExitCode = exitCode;
      if (exitCode !== 0) break;
    }
    return { exitCode: lastExitCode, output: outputs.join(''), codeFile: files[0] };
  }

  /** Restarts the container (a fresh process space; the working folder stays). */
  async restart(): Promise<void> {
    await this.#start();
    const outcome = await this.#dockerCommand(['restart', this.containerName]);
    if (exitCodeOf(outcome) !== 0) throw this.#unavailable('Failed to restart container', outcome);
  }

  /**
   * Stops the container (removed too with `autoRemove`) and removes a temporary working folder; the next run starts
   * anew.
   */
  async stop(): Promise<void> {
    const started = this.#started;
    this.#started = undefined;
    if (this.#onExit) process.off('exit', this.#onExit);
    this.#onExit = undefined;
    if (started === undefined) return;
    await started.catch(() => {});
    await this.#dockerCommand(['stop', this.containerName]);
    if (this.#autoRemove) await this.#dockerCommand(['rm', '-f', this.containerName]);
    this.#folder.remove();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #start(): Promise<void> {
    this.#started ??= this.#createContainer();
    const started = this.#started;
    // A failed start is tried again on the next run (Docker may have come up since).
    started.catch(() => {
      if (this.#started === started) this.#started = undefined;
    });
    return started;
  }

  async #createContainer(): Promise<void> {
    const status = await dockerStatus(this.#docker);
    if (!status.running) {
      throw new CodeExecutionError(
        'CODE_EXECUTION_UNAVAILABLE',
        `Code execution is set to run in Docker, but Docker is not running (${status.reason}). Start Docker, or run ` +
          `code on this machine: codeExecutionConfig { executor: 'local' } (with AutoGen's older keys, useDocker: false).`,
      );
    }
    if (exitCodeOf(await this.#dockerCommand(['image', 'inspect', this.image])) !== 0) {
      const pulled = await this.#dockerCommand(['pull', this.image]);
      if (exitCodeOf(pulled) !== 0) throw this.#unavailable(`Cannot pull image ${this.image}`, pulled);
    }
    await this.#folder.ready();
    const created = await this.#dockerCommand([
      'create',
      '--name',
      this.containerName,
      '--entrypoint',
      '/bin/sh',
      '--tty',
      ...(this.#autoRemove ? ['--rm'] : []),
      '--volume',
      `${this.bindDir}:/workspace:rw`,
      '--workdir',
      '/workspace',
      this.image,
    ]);
    if (exitCodeOf(created) !== 0)
      throw this.#unavailable(`Failed to create a container from image ${this.image}`, created);
    const started = await this.#dockerCommand(['start', this.containerName]);
    if (exitCodeOf(started) !== 0)
      throw this.#unavailable(`Failed to start container from image ${this.image}`, started);
    if (this.#stopContainer) {
      // `exit` handlers must be synchronous: the container is killed and removed rather than stopped gracefully.
      this.#onExit = () => {
        spawnSync(this.#docker, ['rm', '-f', this.containerName], { stdio: 'ignore', timeout: 10_000 });
      };
      process.once('exit', this.#onExit);
    }
  }

  #dockerCommand(args: string[], timeoutMs = DOCKER_COMMAND_TIMEOUT_MS, signal?: AbortSignal): Promise<CommandOutcome> {
    return runCommand(this.#docker, args, {
      env: childEnvironment(),
      timeoutMs,
      maxOutputBytes: this.#maxOutputBytes,
      ...(signal ? { signal } : {}),
    });
  }

  #unavailable(what: string, outcome: CommandOutcome): CodeExecutionError {
    const said = outcome.spawnError ? spawnFailure(this.#docker, outcome.spawnError) : outcome.combined;
    return new CodeExecutionError('CODE_EXECUTION_UNAVAILABLE', `${what}. Docker said: ${said.trim().slice(-500)}`);
  }
}
