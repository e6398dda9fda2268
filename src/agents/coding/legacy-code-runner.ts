import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PYTHON_VARIANTS, TIMEOUT_MSG } from './code-utils.js';
import type { ResolvedCodeExecution } from './code-execution-config.js';
import { DockerCommandLineCodeExecutor } from './docker-command-line-code-executor.js';
import { executeCode } from './execute-code.js';

/** The older keys of a code-execution config, checked. */
export type LegacyCodeExecution = Extract<ResolvedCodeExecution, { kind: 'legacy' }>;

/**
 * Runs one block as AutoGen 0.2's `ConversableAgent.run_code` does with the older keys (`workDir`, `useDocker`,
 * `timeout`): `execute_code` on this machine, or in Docker. AutoGen starts a container per block and commits it to a
 * new image after each run; here the blocks of an agent share one long-lived container of the first image listed,
 * which keeps installed packages the same way.
 */
export class LegacyCodeRunner {
  readonly #config: LegacyCodeExecution;
  #workDir: Promise<string> | undefined;
  #docker: DockerCommandLineCodeExecutor | undefined;

  constructor(config: LegacyCodeExecution) {
    this.#config = config;
  }

  /** AutoGen's `(exitcode, logs)` for one block; `unknown language` for anything but a shell or Python. */
  async run(code: string, language: string, secrets: string[], signal?: AbortSignal): Promise<[number, string]> {
    const shell = ['bash', 'shell', 'sh'].includes(language);
    if (!shell && !PYTHON_VARIANTS.includes(language)) return [1, `unknown language ${language}`];
    const config = this.#config;
    const workDir = await this.#folder();
    if (config.dockerImages.length > 0) {
      this.#docker ??= new DockerCommandLineCodeExecutor({
        image: config.dockerImages[0],
        workDir,
        timeout: config.timeout,
        maxOutputBytes: config.maxOutputBytes,
      });
      const result = await this.#docker.executeCodeBlocks(
        [{ code, language: shell ? language : 'python' }],
        signal ? { signal } : {},
      );
      return result.exitCode === 124 ? [1, TIMEOUT_MSG] : [result.exitCode, result.output];
    }
    // AutoGen keeps a Python block's file under the name its first line gives (`# filename: app.py`).
    const named = !shell && code.startsWith('# filename: ');
    const lineEnd = code.indexOf('\n');
    const result = await executeCode(code, {
      workDir,
      lang: shell ? language : 'python',
      timeout: config.timeout,
      maxOutputBytes: config.maxOutputBytes,
      secrets,
      ...(named ? { filename: code.slice(11, lineEnd === -1 ? undefined : lineEnd).trim() } : {}),
      ...(signal ? { signal } : {}),
    });
    return [result.exitCode, result.logs];
  }

  /** `workDir` (created with its parents, as AutoGen does), else a temporary folder made on first use. */
  #folder(): Promise<string> {
    const given = this.#config.workDir;
    this.#workDir ??= (async () => {
      if (given === undefined) return mkdtemp(path.join(tmpdir(), 'agentws-code-'));
      await mkdir(given, { recursive: true });
      return given;
    })();
    return this.#workDir;
  }
}
