import { IOStream } from '../../io/iostream.js';
import type { LlmConfig } from '../../llm/llm-client.js';
import type { ChatMessage, HumanInputMode } from '../../protocol/events.js';
import type { Agent } from '../agent.js';
import type { ReplyResult } from '../reply-functions.js';
import { CODE_EXECUTION_REFUSED_MESSAGE, codeExecutionAllowed } from './code-execution-permission.js';
import {
  resolveCodeExecutionConfig,
  type CodeExecutionConfig,
  type ResolvedCodeExecution,
} from './code-execution-config.js';
import type { CodeBlock, CodeExecutor } from './code-executor.js';
import { extractCode, findCodeBlocks, inferLang, UNKNOWN } from './code-utils.js';
import { LegacyCodeRunner } from './legacy-code-runner.js';

/** What a code-execution reply needs of the agent that runs the code (a ConversableAgent). */
export interface CodeExecutingAgent extends Agent {
  readonly humanInputMode: HumanInputMode;
  readonly llmConfig: LlmConfig | false;
  getHumanInput(prompt: string): Promise<string>;
}

/**
 * AutoGen's `(final, reply)`: `final: false` lets the next reply function answer; a final `reply: null` ends the
 * conversation, `reason` saying why.
 */
export interface CodeExecutionReply {
  final: boolean;
  reply: string | null;
  reason?: string;
}

const NOT_FINAL: CodeExecutionReply = { final: false, reply: null };

/** Options of {@link generateCodeExecutionReply}. */
export interface GenerateCodeExecutionReplyOptions {
  /** The conversation to look for code in. Required. */
  messages: readonly ChatMessage[];
  /** The agent the reply goes to (its model's API keys are kept out of the code's environment). */
  sender?: Agent;
  /** The code-execution config to use; `false` for none. Required. */
  config: CodeExecutionConfig | false;
}

/** AutoGen's reply text for a run. */
function formatResult(exitCode: number, output: string): string {
  return `exitcode: ${exitCode} (${exitCode === 0 ? 'execution succeeded' : 'execution failed'})\nCode output: ${output}`;
}

/** The API keys of an agent's config list, if it has one: kept out of the code's environment. */
function apiKeysOf(agent: Agent | undefined): string[] {
  const config = (agent as { llmConfig?: unknown } | undefined)?.llmConfig as LlmConfig | false | undefined;
  if (!config) return [];
  return config.configList.flatMap((entry) => (typeof entry.api_key === 'string' ? [entry.api_key] : []));
}

/** The approval prompt: what would run, and the four answers. */
function approvalPrompt(languages: readonly string[]): string {
  const what =
    languages.length === 1
      ? `the code block above (${languages[0] || 'unknown language'})`
      : `the ${languages.length} code blocks above (${languages.map((l) => l || 'unknown language').join(', ')})`;
  return (
    `Run ${what}? Type 'yes' to run ${languages.length === 1 ? 'it' : 'them'}, press enter to skip, ` +
    `'exit' to end the conversation, or type a reply to send instead: `
  );
}

/**
 * How an agent runs the code it receives: its {@link CodeExecutionConfig} checked once, the executor built, and the
 * reply AutoGen 0.2 gives (`_generate_code_execution_reply_using_executor` with an executor,
 * `generate_code_execution_reply` with the older keys). Before anything runs, the current IOStream must allow code
 * execution, and with `humanInputMode` ALWAYS or TERMINATE a human must approve.
 */
export class CodeExecution {
  readonly #lastNMessages: number | 'auto';
  readonly #executor: CodeExecutor | undefined;
  readonly #legacy: LegacyCodeRunner | undefined;

  constructor(config: ResolvedCodeExecution) {
    this.#lastNMessages = config.lastNMessages;
    if (config.kind === 'executor') this.#executor = config.executor;
    else this.#legacy = new LegacyCodeRunner(config);
  }

  /** Checks `config` and returns how to run code with it, or undefined for `false` (AutoGen's default). */
  static from(className: string, config: CodeExecutionConfig | false | undefined): CodeExecution | undefined {
    const resolved = resolveCodeExecutionConfig(className, config);
    return resolved === false ? undefined : new CodeExecution(resolved);
  }

  /** The executor of an `executor` config (AutoGen's `code_executor`). */
  get executor(): CodeExecutor | undefined {
    return this.#executor;
  }

  /**
   * Looks for code in the messages received since `agent` last spoke (or the last `lastNMessages`), newest first, and
   * runs the first message's blocks. Not final when there is none.
   */
  async generateReply(
    agent: CodeExecutingAgent,
    messages: readonly ChatMessage[],
    sender: Agent | undefined,
  ): Promise<CodeExecutionReply> {
    for (const message of this.#messagesToScan(messages).reverse()) {
      const content = message.content;
      if (!content) continue;
      if (!codeExecutionAllowed()) {
        // Refused before the blocks are even parsed: nothing is run, not even python3's syntax check.
        if (findCodeBlocks(content).length === 0) continue;
        IOStream.getDefault().send({
          type: 'error',
          content: { error: CODE_EXECUTION_REFUSED_MESSAGE, code: 'CODE_EXECUTION_REFUSED', fatal: false },
        });
        return { final: true, reply: formatResult(1, CODE_EXECUTION_REFUSED_MESSAGE) };
      }
      const blocks = await this.#extract(content);
      if (blocks.length === 0) continue;
      const approval = await this.#approve(agent, blocks);
      if (approval !== undefined) return approval;
      const secrets = [...apiKeysOf(agent), ...apiKeysOf(sender)];
      return { final: true, reply: await this.#run(agent, sender, blocks, secrets) };
    }
    return NOT_FINAL;
  }

  /** AutoGen's `last_n_messages`: 'auto' counts the `user` messages at the end (those since the agent spoke). */
  #messagesToScan(messages: readonly ChatMessage[]): ChatMessage[] {
    let count = this.#lastNMessages;
    if (count === 'auto') {
      count = 0;
      for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'user'; i--) count++;
    }
    return count === 0 ? [] : messages.slice(-Math.min(count, messages.length));
  }

  /** The blocks to run: the executor's extractor, or AutoGen's `extract_code` with languages inferred. */
  async #extract(content: string): Promise<CodeBlock[]> {
    if (this.#executor) return this.#executor.codeExtractor.extractCodeBlocks(content);
    const found = extractCode(content);
    if (found.length === 1 && found[0]?.[0] === UNKNOWN) return [];
    const blocks: CodeBlock[] = [];
    for (const [lang, code] of found) blocks.push({ code, language: lang === '' ? await inferLang(code) : lang });
    return blocks;
  }

  /**
   * With a human in the loop (ALWAYS, TERMINATE), asks before running. Undefined: approved (or NEVER). Otherwise the
   * reply to send instead: the human's own text (AutoGen's flow: a human reply replaces the auto reply), a note that
   * nothing ran, or the end of the conversation.
   */
  async #approve(agent: CodeExecutingAgent, blocks: readonly CodeBlock[]): Promise<CodeExecutionReply | undefined> {
    if (agent.humanInputMode === 'NEVER') return undefined;
    const answer = await agent.getHumanInput(approvalPrompt(blocks.map((block) => block.language)));
    const word = answer.trim().toLowerCase();
    if (word === 'yes' || word === 'y') return undefined;
    if (word === 'exit') return { final: true, reply: null, reason: 'User requested to end the conversation' };
    if (word === '' || word === 'no' || word === 'n') {
      return { final: true, reply: 'The code was not run: the user did not approve running it.' };
    }
    return { final: true, reply: answer };
  }

  async #run(
    agent: CodeExecutingAgent,
    sender: Agent | undefined,
    blocks: CodeBlock[],
    secrets: string[],
  ): Promise<string> {
    const io = IOStream.getDefault();
    const signal = io.signal;
    if (this.#executor) {
      io.send({
        type: 'generate_code_execution_reply',
        content: {
          code_block_languages: blocks.map((block) => block.language),
          sender: sender?.name ?? null,
          recipient: agent.name,
        },
      });
      const result = await this.#executor.executeCodeBlocks(blocks, { secrets, ...(signal ? { signal } : {}) });
      return formatResult(result.exitCode, result.output);
    }
    // AutoGen's `execute_code_blocks`: one banner per block, each block's logs after a newline, stop at a failure.
    const legacy = this.#legacy!;
    let logsAll = '';
    let exitCode = 0;
    for (const [index, { code, language }] of blocks.entries()) {
      io.send({
        type: 'execute_code_block',
        content: { code, language, code_block_count: index, recipient: agent.name },
      });
      let logs: string;
      [exitCode, logs] = await legacy.run(code, language, secrets, signal);
      logsAll += `\n${logs}`;
      if (exitCode !== 0) break;
    }
    return formatResult(exitCode, logsAll);
  }
}

/**
 * The reply of `agent`'s code-execution reply function (`ConversableAgent.generateCodeExecutionReply`), with
 * `execution` the agent's own (none: not final). An end of the conversation carries its reason.
 */
export async function codeExecutionReply(
  execution: CodeExecution | undefined,
  agent: CodeExecutingAgent,
  messages: readonly ChatMessage[],
  sender: Agent | undefined,
): Promise<ReplyResult> {
  const result = await execution?.generateReply(agent, messages, sender);
  if (!result?.final) return { final: false };
  return result.reason === undefined
    ? { final: true, reply: result.reply }
    : { final: true, reply: result.reply, terminationReason: result.reason };
}

/**
 * AutoGen 0.2's `generate_code_execution_reply(messages, sender, config)`: runs the code found in `messages` with
 * `config` as `agent` would. `{ final: false, reply: null }` when `config` is false or no code was found.
 * @example await generateCodeExecutionReply(userProxy, { messages, config: { useDocker: false } });
 */
export async function generateCodeExecutionReply(
  agent: CodeExecutingAgent,
  options: GenerateCodeExecutionReplyOptions,
): Promise<CodeExecutionReply> {
  const execution = CodeExecution.from(agent.constructor.name, options.config);
  if (execution === undefined) return NOT_FINAL;
  return execution.generateReply(agent, options.messages, options.sender);
}
