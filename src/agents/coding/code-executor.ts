/** A code block found in a message (AutoGen 0.2's `CodeBlock`). */
export interface CodeBlock {
  /** The code to run. */
  code: string;
  /** Its language as written after the fence, or inferred ('' when unknown). */
  language: string;
}

/** What running code blocks gave (AutoGen 0.2's `CodeResult`). */
export interface CodeResult {
  /** 0 when every block succeeded; else the failing block's exit code (124 for a timeout, as `timeout(1)` says). */
  exitCode: number;
  /** What the blocks printed: standard error then standard output, per block, as AutoGen joins them. */
  output: string;
}

/** The result of a command-line executor (AutoGen 0.2's `CommandLineCodeResult`). */
export interface CommandLineCodeResult extends CodeResult {
  /** The file the first block was saved to, if any was saved. */
  codeFile: string | undefined;
}

/** Finds the code blocks of a message (AutoGen 0.2's `CodeExtractor`). */
export interface CodeExtractor {
  /**
   * The code blocks of `message`, in order; `[]` when it has none. Asynchronous because inferring the language of an
   * unlabelled block asks `python3` whether the code parses (AutoGen's `infer_lang`), without blocking the event loop.
   */
  extractCodeBlocks(message: string | null | undefined): Promise<CodeBlock[]>;
}

/** Options of {@link CodeExecutor.executeCodeBlocks}. */
export interface ExecuteCodeBlocksOptions {
  /** Stops the running code (its whole process group) when it aborts; the call then rejects with AbortedError. */
  signal?: AbortSignal;
  /** More values to keep out of the code's environment: a variable holding one of them is removed. */
  secrets?: readonly string[];
}

/**
 * Runs code blocks and says what they printed (AutoGen 0.2's `CodeExecutor` protocol). The agentws executors check
 * the current IOStream's `allowsCodeExecution` before running anything.
 */
export interface CodeExecutor {
  /** How an agent using this executor finds code in messages. */
  readonly codeExtractor: CodeExtractor;
  /** Runs `codeBlocks` in order, stopping at the first that fails. */
  executeCodeBlocks(codeBlocks: readonly CodeBlock[], options?: ExecuteCodeBlocksOptions): Promise<CodeResult>;
  /** Resets the executor's state (called when an agent is reset); may do nothing. */
  restart(): void | Promise<void>;
}

/** Whether `value` has the shape of a {@link CodeExecutor} (AutoGen's `isinstance(x, CodeExecutor)`). */
export function isCodeExecutor(value: unknown): value is CodeExecutor {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof CodeExecutor, unknown>>;
  const extractor = candidate.codeExtractor as { extractCodeBlocks?: unknown } | null | undefined;
  return (
    typeof candidate.executeCodeBlocks === 'function' &&
    typeof candidate.restart === 'function' &&
    typeof extractor?.extractCodeBlocks === 'function'
  );
}
