export { childEnvironment, keepOutOfCodeEnvironment, SECRET_VARIABLE_NAME } from './child-environment.js';
export type { CodeExecutionConfig } from './code-execution-config.js';
export {
  generateCodeExecutionReply,
  type CodeExecutionReply,
  type GenerateCodeExecutionReplyOptions,
} from './code-execution-reply.js';
export {
  isCodeExecutor,
  type CodeBlock,
  type CodeExecutor,
  type CodeExtractor,
  type CodeResult,
  type CommandLineCodeResult,
  type ExecuteCodeBlocksOptions,
} from './code-executor.js';
export { createCodeExecutor, type CodeExecutorName, type CodeExecutorSpec } from './code-executor-factory.js';
export { extractCode, inferLang } from './code-utils.js';
export {
  DockerCommandLineCodeExecutor,
  dockerStatus,
  type DockerCommandLineCodeExecutorOptions,
} from './docker-command-line-code-executor.js';
export { executeCode, type ExecuteCodeOptions, type ExecuteCodeResult } from './execute-code.js';
export {
  LocalCommandLineCodeExecutor,
  type LocalCommandLineCodeExecutorOptions,
} from './local-command-line-code-executor.js';
export { MarkdownCodeExtractor, type MarkdownCodeExtractorOptions } from './markdown-code-extractor.js';
