import { DefinitionError } from '../../errors.js';
import type { CodeExecutor } from './code-executor.js';
import { createCodeExecutor, type CodeExecutorSpec } from './code-executor-factory.js';
import { checkMaxOutputBytes, checkTimeout, DEFAULT_MAX_OUTPUT_BYTES } from './executor-options.js';

/**
 * How an agent runs the code blocks it receives (AutoGen 0.2's `code_execution_config`, camelCased), or `false` for
 * not at all. Either an `executor` (with `lastNMessages`), or AutoGen's older keys (`workDir`, `useDocker`,
 * `timeout`), which run each block as AutoGen's `execute_code` does; the two cannot be mixed.
 */
export interface CodeExecutionConfig extends CodeExecutorSpec {
  /**
   * How many of the last messages to look for code in; `'auto'`: those received since this agent last spoke.
   * Default: `'auto'`.
   */
  lastNMessages?: number | 'auto';
  /** Older keys: where blocks are saved and run. Default: a new temporary folder. */
  workDir?: string;
  /**
   * Older keys: run blocks in Docker: `true` (images `python:3-slim`, else `python:3`), an image, or images to try in
   * order; `false` runs them on this machine. Default: `AUTOGEN_USE_DOCKER` if set, else `true`, as in AutoGen.
   */
  useDocker?: boolean | string | string[];
  /** Older keys: seconds each block may run. Default: 600, as AutoGen's `execute_code`. */
  timeout?: number;
  /** Older keys: bytes of output kept per block. Default: 65536. */
  maxOutputBytes?: number;
}

/** {@link CodeExecutionConfig} checked, defaults applied, executor built. */
export type ResolvedCodeExecution =
  | { kind: 'executor'; executor: CodeExecutor; lastNMessages: number | 'auto' }
  | {
      kind: 'legacy';
      lastNMessages: number | 'auto';
      workDir: string | undefined;
      /** Images to try, in order; empty runs on this machine. */
      dockerImages: string[];
      timeout: number;
      maxOutputBytes: number;
    };

const KEYS = ['executor', 'local', 'docker', 'lastNMessages', 'workDir', 'useDocker', 'timeout', 'maxOutputBytes'];
const LEGACY_KEYS = ['workDir', 'useDocker', 'timeout', 'maxOutputBytes'] as const;
const DEFAULT_IMAGES = ['python:3-slim', 'python:3'];

function fail(className: string, message: string): never {
  throw new DefinitionError('CODE_EXECUTION_INVALID', `${className} option 'codeExecutionConfig' ${message}`);
}

/** `last_n_messages` → `lastNMessages`. */
function camelCase(key: string): string {
  return key.replace(/[_-]([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** AutoGen 0.2's rule: a whole number >= 0, or 'auto'. */
export function checkLastNMessages(className: string, value: unknown): number | 'auto' {
  if (value === 'auto' || (typeof value === 'number' && Number.isInteger(value) && value >= 0)) return value;
  return fail(
    className,
    `key 'lastNMessages' must be either a non-negative integer, or the string 'auto' (got ${JSON.stringify(value)}).`,
  );
}

/**
 * AutoGen 0.2's `decide_use_docker` with nothing given: `AUTOGEN_USE_DOCKER` read as AutoGen reads it (true when
 * unset).
 */
export function decideUseDocker(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.AUTOGEN_USE_DOCKER ?? 'True').toLowerCase();
  if (['1', 'true', 'yes', 't'].includes(value)) return true;
  if (['0', 'false', 'no', 'f', 'none'].includes(value)) return false;
  throw new DefinitionError(
    'CODE_EXECUTION_INVALID',
    `Invalid value for AUTOGEN_USE_DOCKER: ${env.AUTOGEN_USE_DOCKER}. Please set AUTOGEN_USE_DOCKER to "1/True/yes", "0/False/no", or "None".`,
  );
}

function dockerImages(className: string, useDocker: unknown): string[] {
  const value = useDocker === undefined ? decideUseDocker() : useDocker;
  if (value === false) return [];
  if (value === true) return DEFAULT_IMAGES;
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((image) => typeof image === 'string' && image !== '')) {
    return value as string[];
  }
  return fail(className, "key 'useDocker' must be true, false, an image name or a list of image names.");
}

/**
 * Checks `config` once, at construction (AutoGen checks `last_n_messages` at each reply), and builds its executor.
 * Throws `CODE_EXECUTION_INVALID` with a message naming the key; AutoGen's snake_case keys get their camelCase name.
 */
export function resolveCodeExecutionConfig(className: string, config: unknown): ResolvedCodeExecution | false {
  if (config === false || config === undefined) return false;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return fail(className, 'must be an object (e.g. { executor: "local" }) or false.');
  }
  for (const key of Object.keys(config)) {
    if (KEYS.includes(key)) continue;
    const camel = camelCase(key);
    fail(className, `has an unknown key '${key}'${KEYS.includes(camel) ? ` (agentws spells it '${camel}')` : ''}.`);
  }
  const options = config as CodeExecutionConfig;
  const lastNMessages = checkLastNMessages(className, options.lastNMessages ?? 'auto');
  if (options.executor !== undefined) {
    for (const key of LEGACY_KEYS) {
      if (key in options) {
        fail(
          className,
          `key '${key}' is not valid when 'executor' is set. Use the appropriate option of the chosen executor instead.`,
        );
      }
    }
    return { kind: 'executor', executor: createCodeExecutor(options), lastNMessages };
  }
  if (options.local !== undefined || options.docker !== undefined) {
    fail(className, "keys 'local' and 'docker' are the options of an executor: set 'executor' too.");
  }
  if (options.workDir !== undefined && (typeof options.workDir !== 'string' || options.workDir === '')) {
    fail(className, "key 'workDir' must be a folder path.");
  }
  return {
    kind: 'legacy',
    lastNMessages,
    workDir: options.workDir,
    dockerImages: dockerImages(className, options.useDocker),
    timeout: checkTimeout(`${className} codeExecutionConfig`, options.timeout ?? 600),
    maxOutputBytes: checkMaxOutputBytes(
      `${className} codeExecutionConfig`,
      options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    ),
  };
}
