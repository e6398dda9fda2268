import { DefinitionError } from '../../errors.js';
import { isCodeExecutor, type CodeExecutor } from './code-executor.js';
import {
  DockerCommandLineCodeExecutor,
  type DockerCommandLineCodeExecutorOptions,
} from './docker-command-line-code-executor.js';
import {
  LocalCommandLineCodeExecutor,
  type LocalCommandLineCodeExecutorOptions,
} from './local-command-line-code-executor.js';

/** The executors {@link createCodeExecutor} builds by name (`'commandline-local'` is AutoGen 0.2's name of the local one). */
export type CodeExecutorName = 'local' | 'docker' | 'commandline-local';

/** What {@link createCodeExecutor} reads: the executor, or its name and that executor's options. */
export interface CodeExecutorSpec {
  /** An executor to use as it is, or the name of one to build. */
  executor?: CodeExecutor | CodeExecutorName;
  /** Options of the executor built for `'local'` (and `'commandline-local'`). */
  local?: LocalCommandLineCodeExecutorOptions;
  /** Options of the executor built for `'docker'`. */
  docker?: DockerCommandLineCodeExecutorOptions;
}

/**
 * AutoGen 0.2's `CodeExecutorFactory.create`: the `executor` itself when it is one, else a new executor of that name
 * with its options. Throws `CODE_EXECUTION_INVALID` for any other value.
 * @example const executor = createCodeExecutor({ executor: 'local', local: { workDir: 'coding' } });
 */
export function createCodeExecutor(spec: CodeExecutorSpec): CodeExecutor {
  const { executor } = spec;
  if (isCodeExecutor(executor)) return executor;
  if (executor === 'local' || executor === 'commandline-local') return new LocalCommandLineCodeExecutor(spec.local);
  if (executor === 'docker') return new DockerCommandLineCodeExecutor(spec.docker);
  const shown = typeof executor === 'string' ? executor : String(executor);
  throw new DefinitionError(
    'CODE_EXECUTION_INVALID',
    `Unknown code executor ${shown}: codeExecutionConfig.executor must be 'local', 'docker' or a CodeExecutor ` +
      '(an object with codeExtractor, executeCodeBlocks and restart).',
  );
}
