import { AbortedError, DefinitionError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import { LlmClient, type LlmConfig, type ToolSchema } from '../llm/llm-client.js';
import type { HumanInputMode, UsageSummary } from '../protocol/events.js';
import type { Agent, AgentMessage, HistoryMessage } from './agent.js';
import { resolveAgentOptions, type ConversableAgentOptions } from './agent-options.js';
import { handleCarryover, type Carryover } from './carryover.js';
import type { ChatResult } from './chat-result.js';
import { initiateChats, withDefaultSender, type ChatQueueEntry } from './chats.js';
import { DEFAULT_SUMMARY_PROMPT } from './chat-summary.js';
import { codeExecutionReply, CodeExecution } from './coding/code-execution-reply.js';
import type { CodeExecutor } from './coding/code-executor.js';
import { generateToolCallsReply } from './execute-tool-calls.js';
import { Hooks, type HookableMethod, type HookFunctions } from './hooks.js';
import { checkTerminationAndHumanReply } from './human-reply.js';
import { Conversations, forget, type ChatState } from './conversations.js';
import { checkChatOptions, checkSummaryModel, type InitiateChatOptions } from './initiate-chat-options.js';
import { nestedChatsRegistration, type NestedChat, type RegisterNestedChatsOptions } from './nested-chats.js';
import { clientConfig, generateOaiReply } from './llm-reply.js';
import { allowsFormatTemplates } from './message-context.js';
import { receivedEvent } from './received-event.js';
import {
  ReplyFunctionList,
  type ConversableReplyOptions,
  type RegisterReplyOptions,
  type ReplyFunction,
  type ReplyFunctionEntry,
  type ReplyTrigger,
} from './reply-functions.js';
import type { Tool, ToolFunction } from './tool.js';
import { ToolRegistry } from './tool-registry.js';
import { runTwoAgentChat } from './two-agent-chat.js';

export type { ConversableAgentOptions } from './agent-options.js';

/**
 * AutoGen 0.2's ConversableAgent: on each received message it tries its reply functions in order (by default:
 * termination and human reply per `humanInputMode`, the requested tools, code execution when `codeExecutionConfig`
 * enables it, its model), else sends `defaultAutoReply`.
 * It never formats text: everything it shows is an event sent to `IOStream.getDefault()`.
 * @example
 * const assistant = new ConversableAgent({ name: 'assistant', llmConfig: { configList } });
 * const user = new ConversableAgent({ name: 'user', humanInputMode: 'ALWAYS' });
 * const result = await user.initiateChat(assistant, { message: 'Hi!' });
 */
export class ConversableAgent implements Agent {
  /** AutoGen's instruction for the "reflection_with_llm" summary. */
  static readonly DEFAULT_SUMMARY_PROMPT = DEFAULT_SUMMARY_PROMPT;

  /** Built-in reply function: ends the chat or answers with the human's input (see `humanInputMode`). */
  static readonly checkTerminationAndHumanReply: ReplyFunction = (agent, messages, sender) =>
    checkTerminationAndHumanReply(agent, agent.#conversations, messages, sender);

  /** Built-in reply function: runs the tool calls of the last message. */
  static readonly generateToolCallsReply: ReplyFunction = generateToolCallsReply;

  /**
   * Built-in reply function, registered when `codeExecutionConfig` enables code execution: runs the code blocks of
   * the messages received (AutoGen's `generate_code_execution_reply`); see docs/code-execution.md.
   */
  static readonly generateCodeExecutionReply: ReplyFunction = (agent, messages, sender) =>
    codeExecutionReply(agent.#codeExecution, agent, messages, sender);

  /** Built-in reply function: asks the agent's model (AutoGen's `generate_oai_reply`). */
  static readonly generateOaiReply: ReplyFunction = generateOaiReply;

  readonly name: string;
  description: string;
  readonly llmConfig: LlmConfig | false;
  readonly humanInputMode: HumanInputMode;
  /** Whether a received message ends the conversation (the `isTerminationMsg` option). */
  readonly isTerminationMsg: (message: HistoryMessage) => boolean;
  #systemMessage: string;
  readonly #defaultAutoReply: AgentMessage;
  readonly #conversations: Conversations;
  readonly #tools: ToolRegistry;
  readonly #codeExecution: CodeExecution | undefined;
  readonly #replies = new ReplyFunctionList();
  readonly #hooks = new Hooks();
  #finishedChats: ChatResult[] = [];
  #client: LlmClient | undefined;

  constructor(options: ConversableAgentOptions) {
    const resolved = resolveAgentOptions(new.target.name, options);
    this.name = resolved.name;
    this.description = resolved.description;
    this.#systemMessage = resolved.systemMessage;
    this.llmConfig = resolved.llmConfig;
    this.humanInputMode = resolved.humanInputMode;
    this.isTerminationMsg = resolved.isTerminationMsg;
    this.#defaultAutoReply = resolved.defaultAutoReply;
    this.#conversations = new Conversations(resolved.maxConsecutiveAutoReply, resolved.chatMessages);
    this.#tools = new ToolRegistry(this.name, this.llmConfig !== false);
    this.#tools.registerFunction(resolved.functionMap);
    const tools = this.llmConfig === false ? undefined : (this.llmConfig.tools as ToolSchema[] | undefined);
    for (const schema of tools ?? []) this.#tools.updateToolSignature(schema);
    this.#codeExecution = CodeExecution.from(new.target.name, resolved.codeExecutionConfig);
    // AutoGen's order, position 0 tried first: termination and human reply, tool calls, code execution, the model.
    this.#replies.register(undefined, ConversableAgent.generateOaiReply);
    if (this.#codeExecution) this.#replies.register(undefined, ConversableAgent.generateCodeExecutionReply);
    this.#replies.register(undefined, ConversableAgent.generateToolCallsReply);
    this.#replies.register(undefined, ConversableAgent.checkTerminationAndHumanReply);
  }

  /** Sent first in every model request. */
  get systemMessage(): string {
    return this.#systemMessage;
  }

  /** Replaces the system message (AutoGen's `update_system_message`). */
  updateSystemMessage(systemMessage: string): void {
    if (typeof systemMessage !== 'string') {
      throw new DefinitionError('AGENT_INVALID', 'The system message must be a string.');
    }
    this.#systemMessage = systemMessage;
  }

  /** The limit of auto-replies in a row, for partners without a limit of their own. */
  get maxConsecutiveAutoReply(): number {
    return this.#conversations.maxAutoReply;
  }

  /** The limit of auto-replies in a row to `sender` (AutoGen's `max_consecutive_auto_reply(sender)`). */
  maxConsecutiveAutoReplyFor(sender?: Agent): number {
    return this.#conversations.maxAutoReplyFor(sender);
  }

  /** Sets the limit for `sender`, or for everyone (partner limits included) when no sender is given. */
  updateMaxConsecutiveAutoReply(value: number, sender?: Agent): void {
    this.#conversations.updateMaxAutoReply(value, sender);
  }

  /** Every conversation, by partner (AutoGen's `chat_messages`); with an agent, the history with it. */
  chatMessages(): ReadonlyMap<Agent, readonly HistoryMessage[]>;
  chatMessages(agent: Agent): readonly HistoryMessage[];
  chatMessages(agent?: Agent): ReadonlyMap<Agent, readonly HistoryMessage[]> | readonly HistoryMessage[] {
    const history = this.#conversations.history;
    return agent === undefined ? history : (history.get(agent) ?? []);
  }

  /** The messages a summary of the chat with `agent` reads (a group chat manager gives the whole group's). */
  chatMessagesForSummary(agent: Agent): readonly HistoryMessage[] {
    return this.chatMessages(agent);
  }

  /** The last message exchanged with `agent`; without one, of the only conversation (an error when there are more). */
  lastMessage(agent?: Agent): HistoryMessage | undefined {
    return this.#conversations.lastMessage(this.name, agent);
  }

  /** Forgets the history with `agent`, or with everyone. */
  clearHistory(agent?: Agent): void {
    forget(this.#conversations.history, agent);
  }

  /** Resets the consecutive auto-reply counter for `agent`, or for everyone. */
  resetConsecutiveAutoReplyCounter(agent?: Agent): void {
    forget(this.#conversations.autoReplies, agent);
  }

  /** Whether a message from `sender` gets a reply when `receive` is not told (AutoGen's `reply_at_receive[sender]`). */
  replyAtReceive(sender: Agent): boolean {
    return this.#conversations.replyAtReceive.get(sender) === true;
  }

  /** Stops replying on receipt to `sender`, or to everyone. */
  stopReplyAtReceive(sender?: Agent): void {
    forget(this.#conversations.replyAtReceive, sender);
  }

  /** AutoGen's `reset`: history, counters, reply-at-receive, usage and reply function configs. */
  reset(): void {
    this.clearHistory();
    this.resetConsecutiveAutoReplyCounter();
    this.stopReplyAtReceive();
    this.#client = undefined;
    this.#replies.resetConfigs();
  }

  /** The client of this agent's model, made at first use; `undefined` without an llmConfig (AutoGen's `client`). */
  get client(): LlmClient | undefined {
    if (this.llmConfig === false) return undefined;
    this.#client ??= new LlmClient(clientConfig(this.llmConfig));
    return this.#client;
  }

  /** Token usage and cost of this agent's model so far. */
  get usage(): UsageSummary {
    return this.#client?.usage ?? { total_cost: 0, models: {} };
  }

  /** The tool schemas this agent advertises to its model. */
  get toolSchemas(): ToolSchema[] {
    return this.#tools.schemas;
  }

  /** The functions this agent runs when asked, by name (AutoGen's `function_map`). */
  get functionMap(): ReadonlyMap<string, Tool> {
    return this.#tools.functionMap;
  }

  /** The executor that runs received code blocks, when `codeExecutionConfig` has one (AutoGen's `code_executor`). */
  get codeExecutor(): CodeExecutor | undefined {
    return this.#codeExecution?.executor;
  }

  /** Advertises `tool` to this agent's model (AutoGen's `register_for_llm`); a tool of the same name is replaced. */
  registerForLlm(tool: Tool): void {
    this.#tools.updateToolSignature(tool.schema);
  }

  /**
   * Advertises a tool schema to the model, or with `isRemove` stops advertising the tool of that name (AutoGen's
   * `update_tool_signature`). Removing a tool the agent does not advertise is an error.
   * @example assistant.updateToolSignature('weather_forecast', true);
   */
  updateToolSignature(toolSig: ToolSchema | string, isRemove = false): void {
    this.#tools.updateToolSignature(toolSig, isRemove);
  }

  /** Lets this agent run `tool` when asked (AutoGen's `register_for_execution`); a tool of the same name is replaced. */
  registerForExecution(tool: Tool): void {
    this.#tools.registerFunction({ [tool.name]: tool });
  }

  /** Adds functions this agent runs, by name; `null` removes one (AutoGen's `register_function(function_map)`). */
  registerFunction(functionMap: Readonly<Record<string, Tool | ToolFunction | null>>): void {
    this.#tools.registerFunction(functionMap);
  }

  /** Whether this agent can run the function(s) of that name. */
  canExecuteFunction(name: string | readonly string[]): boolean {
    return this.#tools.canExecute(name);
  }

  /** The reply functions, position 0 tried first (AutoGen's `_reply_func_list`). */
  get replyFunctions(): ReadonlyArray<Readonly<ReplyFunctionEntry>> {
    return this.#replies.entries;
  }

  /**
   * Adds a reply function, tried for senders `trigger` matches (AutoGen's `register_reply`). Built in, in order:
   * {@link ConversableAgent.checkTerminationAndHumanReply}, {@link ConversableAgent.generateToolCallsReply},
   * {@link ConversableAgent.generateCodeExecutionReply} (with `codeExecutionConfig`),
   * {@link ConversableAgent.generateOaiReply}; a function registered later is tried earlier unless `position` says.
   * @example
   * agent.registerReply(ConversableAgent, () => ({ final: true, reply: 'hello' }));
   * // just before the model: position of generateOaiReply
   * const llm = agent.replyFunctions.findIndex((e) => e.replyFunc === ConversableAgent.generateOaiReply);
   * agent.registerReply(undefined, myReply, { position: llm });
   */
  registerReply<C = unknown>(
    trigger: ReplyTrigger,
    replyFunc: ReplyFunction<C>,
    options?: RegisterReplyOptions<C>,
  ): void {
    this.#replies.register(trigger, replyFunc, options);
  }

  /** Makes every entry of `oldReplyFunc` call `newReplyFunc` (AutoGen's `replace_reply_func`). */
  replaceReplyFunc(oldReplyFunc: ReplyFunction<never>, newReplyFunc: ReplyFunction<never>): void {
    this.#replies.replace(oldReplyFunc, newReplyFunc);
  }

  /**
   * Replies to senders `trigger` matches by running a queue of chats and answering with the last one's summary
   * (AutoGen's `register_nested_chats`).
   * @example assistant.registerNestedChats([{ sender: critic, recipient: writer, maxTurns: 1 }], { trigger: user });
   */
  registerNestedChats<C = unknown>(chatQueue: readonly NestedChat[], options: RegisterNestedChatsOptions<C>): void {
    const { trigger, replyFunc, replyOptions } = nestedChatsRegistration(chatQueue, options);
    this.registerReply(trigger, replyFunc, replyOptions);
  }

  /** Adds a hook to a hookable method; hooks run in registration order (AutoGen's `register_hook`). */
  registerHook<M extends HookableMethod>(hookableMethod: M, hook: HookFunctions[M]): void {
    this.#hooks.register(hookableMethod, hook);
  }

  /** Asks the human through the current IOStream and records the answer in the chat's `humanInput`. */
  async getHumanInput(prompt: string): Promise<string> {
    const io = IOStream.getDefault();
    const answer = await io.input(prompt, io.signal ? { signal: io.signal } : {});
    this.#conversations.chat?.humanInput.push(answer);
    return answer;
  }

  /**
   * Sends `message` to `recipient`. Replies go back and forth until one side has none; they are run in this loop
   * rather than by receive → send recursion (AutoGen's), with the same order of events. A subclass that overrides
   * `send` or `receive` has its method called.
   */
  async send(message: AgentMessage, recipient: Agent, requestReply?: boolean, silent = false): Promise<void> {
    let [from, to, requested]: [ConversableAgent, Agent, boolean | undefined] = [this, recipient, requestReply];
    for (;;) {
      message = await from.#hooks.processMessageBeforeSend({ sender: from, message, recipient: to, silent });
      from.#conversations.record(message, to, 'assistant', from.name);
      if (!(to instanceof ConversableAgent) || to.receive !== ConversableAgent.prototype.receive) {
        return to.receive(message, from, requested, silent);
      }
      const reply = await to.#receiveOnce(message, from, requested, silent);
      if (reply === null) return;
      if (to.send !== ConversableAgent.prototype.send) return to.send(reply, from, undefined, silent);
      [from, to, message, requested] = [to, from, reply, undefined];
    }
  }

  /** Records and shows `message`; replies when `requestReply` is true, or is unset and this chat replies on receipt. */
  async receive(message: AgentMessage, sender: Agent, requestReply?: boolean, silent = false): Promise<void> {
    const reply = await this.#receiveOnce(message, sender, requestReply, silent);
    if (reply !== null) await this.send(reply, sender, undefined, silent);
  }

  /**
   * The reply to the last message: the first reply function whose trigger matches the sender and that gives a final
   * reply, else `defaultAutoReply`; `null` ends the conversation. The hooks see the messages first. Needs `sender`,
   * `messages` or both. Throws AbortedError once the current IOStream's run is aborted.
   */
  async generateReply(options: ConversableReplyOptions = {}): Promise<AgentMessage | null> {
    const { sender, messages, exclude = [] } = options;
    if (messages === undefined && sender === undefined) {
      throw new DefinitionError(
        'OPTION_INVALID',
        'generateReply needs messages or a sender (got neither): pass the agent to reply to, the messages, or both.',
      );
    }
    this.#throwIfAborted();
    let history = messages ?? this.chatMessages(sender!);
    history = await this.#hooks.processLastReceivedMessage(history);
    history = await this.#hooks.processAllMessagesBeforeReply(history);
    const result = await this.#replies.firstFinal(this, history, sender, exclude, () => this.#throwIfAborted());
    if (result === undefined) return this.#defaultAutoReply;
    if (result.reply === null) this.#conversations.chatEnded(result.terminationReason);
    return result.reply;
  }

  /** The first message of a chat: `message`, else asked from the human (prompt ">"), with the carryover appended. */
  async generateInitMessage(message?: AgentMessage, carryover?: Carryover): Promise<AgentMessage> {
    return handleCarryover(message ?? (await this.getHumanInput('>')), carryover);
  }

  /**
   * Starts a chat with `recipient` and resolves when it ends, then emits `chat_end` (and `usage_summary` when a
   * model was used).
   * @example const result = await userProxy.initiateChat(assistant, { message: 'Plan a trip', maxTurns: 2 });
   */
  async initiateChat(recipient: ConversableAgent, options: InitiateChatOptions = {}): Promise<ChatResult> {
    checkChatOptions(options);
    checkSummaryModel(this, recipient, options);
    const chat: ChatState = { terminationReason: null, humanInput: [] };
    // A chat inside a reply (a nested chat) puts the outer chat's state back when it ends.
    const restore = this.#conversations.share(recipient.#conversations, chat);
    try {
      return await runTwoAgentChat(this, recipient, options, chat);
    } finally {
      restore();
    }
  }

  /**
   * Readies this agent for a chat with `partner` (AutoGen's `_prepare_chat`, one side): the auto-reply counter starts
   * over, replies on receipt are on or off, and the history is cleared when asked. `initiateChat` calls it on both
   * agents; a subclass that speaks for others (a group chat manager) overrides it to ready them too.
   */
  prepareChat(partner: Agent, clearHistory: boolean, replyAtReceive: boolean): void {
    this.#conversations.prepare(partner, clearHistory, replyAtReceive);
  }

  /**
   * Runs chats one after another with this agent as the default sender, carrying each chat's summary over to the next
   * (AutoGen's `initiate_chats`); see {@link initiateChats}. The results are kept for {@link getChatResults}.
   */
  async initiateChats(
    chatQueue: ReadonlyArray<Omit<ChatQueueEntry, 'sender'> & { sender?: ConversableAgent }>,
  ): Promise<ChatResult[]> {
    this.#finishedChats = await initiateChats(withDefaultSender(chatQueue, this));
    return this.#finishedChats;
  }

  /** The results of this agent's last `initiateChats`, or one of them (a negative index counts from the end). */
  getChatResults(): ChatResult[];
  getChatResults(index: number): ChatResult | undefined;
  getChatResults(index?: number): ChatResult[] | ChatResult | undefined {
    return index === undefined ? [...this.#finishedChats] : this.#finishedChats.at(index);
  }

  /** One `receive` without the reply being sent: records, shows, and returns the reply if one is due. */
  async #receiveOnce(message: AgentMessage, sender: Agent, requestReply?: boolean, silent = false) {
    const stored = this.#conversations.record(message, sender, 'user', sender.name);
    const allowFormat = allowsFormatTemplates(this.llmConfig);
    if (!silent) IOStream.getDefault().send(receivedEvent(stored, sender.name, this.name, allowFormat));
    const replies = requestReply ?? this.replyAtReceive(sender);
    return replies ? this.generateReply({ sender, messages: this.chatMessages(sender) }) : null;
  }

  #throwIfAborted(): void {
    const signal = IOStream.getDefault().signal;
    if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
  }
}
