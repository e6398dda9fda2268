import { AbortedError, DefinitionError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import { LlmClient, type LlmConfig, type ToolSchema } from '../llm/llm-client.js';
import type { ChatMessage, HumanInputMode, UsageSummary } from '../protocol/events.js';
import type { Agent, AgentMessage, GenerateReplyOptions } from './agent.js';
import { resolveAgentOptions, type ConversableAgentOptions } from './agent-options.js';
import { lastMessageSummary, mergeUsage, type ChatResult } from './chat-result.js';
import {
  chatOptionError,
  checkChatOptions,
  type InitiateChatOptions,
  type SummaryArgs,
  type SummaryMethod,
} from './initiate-chat-options.js';
import { executeToolCalls } from './execute-tool-calls.js';
import { toLlmMessages, toReply, toStoredMessage } from './oai-messages.js';
import type { Tool } from './tool.js';
import { CodeExecution } from './coding/code-execution-reply.js';
import type { CodeExecutor } from './coding/code-executor.js';

export type { ConversableAgentOptions } from './agent-options.js';

/** What one `initiateChat` shares between its two agents. */
interface ChatState {
  terminationReason: string | null;
  humanInput: string[];
}

/**
 * AutoGen 0.2's ConversableAgent: on each received message it checks termination and asks a human (per
 * `humanInputMode`), else runs the requested tools, else asks its model, else sends `defaultAutoReply`.
 * It never formats text: everything it shows is an event sent to `IOStream.getDefault()`.
 * @example
 * const assistant = new ConversableAgent({ name: 'assistant', llmConfig: { configList } });
 * const user = new ConversableAgent({ name: 'user', humanInputMode: 'ALWAYS' });
 * const result = await user.initiateChat(assistant, { message: 'Hi!' });
 */
export class ConversableAgent implements Agent {
  static readonly DEFAULT_SUMMARY_PROMPT =
    'Summarize the takeaway from the conversation. Do not add any introductory phrases.';

  readonly name: string;
  description: string;
  readonly systemMessage: string;
  readonly llmConfig: LlmConfig | false;
  readonly humanInputMode: HumanInputMode;
  readonly maxConsecutiveAutoReply: number;
  readonly #isTerminationMsg: (message: ChatMessage) => boolean;
  readonly #defaultAutoReply: AgentMessage;
  readonly #history = new Map<Agent, ChatMessage[]>();
  readonly #autoReplyCount = new Map<Agent, number>();
  readonly #replyAtReceive = new Map<Agent, boolean>();
  readonly #llmTools = new Map<string, Tool>();
  readonly #functionMap = new Map<string, Tool>();
  readonly #codeExecution: CodeExecution | undefined;
  #client: LlmClient | undefined;
  #chat: ChatState | undefined;

  constructor(options: ConversableAgentOptions) {
    const resolved = resolveAgentOptions(new.target.name, options);
    this.name = resolved.name;
    this.description = resolved.description;
    this.systemMessage = resolved.systemMessage;
    this.llmConfig = resolved.llmConfig;
    this.humanInputMode = resolved.humanInputMode;
    this.maxConsecutiveAutoReply = resolved.maxConsecutiveAutoReply;
    this.#isTerminationMsg = resolved.isTerminationMsg;
    this.#defaultAutoReply = resolved.defaultAutoReply;
    this.#codeExecution = CodeExecution.from(new.target.name, resolved.codeExecutionConfig);
  }

  /** The executor that runs received code blocks, when `codeExecutionConfig` has one (AutoGen's `code_executor`). */
  get codeExecutor(): CodeExecutor | undefined {
    return this.#codeExecution?.executor;
  }

  /** The history with `agent` (AutoGen's `chat_messages[agent]`). */
  chatMessages(agent: Agent): readonly ChatMessage[] {
    return this.#history.get(agent) ?? [];
  }

  /** The last message exchanged with `agent`. */
  lastMessage(agent: Agent): ChatMessage | undefined {
    return this.#history.get(agent)?.at(-1);
  }

  /** Forgets the history with `agent`, or with everyone. */
  clearHistory(agent?: Agent): void {
    if (agent === undefined) this.#history.clear();
    else this.#history.delete(agent);
  }

  /** Resets the consecutive auto-reply counter for `agent`, or for everyone. */
  resetConsecutiveAutoReplyCounter(agent?: Agent): void {
    if (agent === undefined) this.#autoReplyCount.clear();
    else this.#autoReplyCount.delete(agent);
  }

  /** Token usage and cost of this agent's model so far. */
  get usage(): UsageSummary {
    return this.#client?.usage ?? { total_cost: 0, models: {} };
  }

  /** The tool schemas this agent advertises to its model. */
  get toolSchemas(): ToolSchema[] {
    return [...this.#llmTools.values()].map((tool) => tool.schema);
  }

  /** Advertises `tool` to this agent's model (AutoGen's `register_for_llm`); a tool of the same name is replaced. */
  registerForLlm(tool: Tool): void {
    if (this.llmConfig === false) {
      throw new DefinitionError(
        'TOOL_INVALID',
        `Cannot register tool '${tool.name}' for the model of agent '${this.name}': the agent has no llmConfig.`,
      );
    }
    this.#llmTools.set(tool.name, tool);
  }

  /** Lets this agent run `tool` when asked (AutoGen's `register_for_execution`); a tool of the same name is replaced. */
  registerForExecution(tool: Tool): void {
    this.#functionMap.set(tool.name, tool);
  }

  /** Whether this agent can run a tool of that name. */
  canExecuteFunction(name: string): boolean {
    return this.#functionMap.has(name);
  }

  /** The names of the tools this agent runs (AutoGen's `function_map` keys). */
  get functionNames(): string[] {
    return [...this.#functionMap.keys()];
  }

  /** Asks the human through the current IOStream and records the answer in the chat's `humanInput`. */
  async getHumanInput(prompt: string): Promise<string> {
    const io = IOStream.getDefault();
    const answer = await io.input(prompt, io.signal ? { signal: io.signal } : {});
    this.#chat?.humanInput.push(answer);
    return answer;
  }

  /**
   * Sends `message` to `recipient`. Replies go back and forth until one side has none; they are run in this loop
   * rather than by receive → send recursion (AutoGen's), with the same order of events.
   */
  async send(message: AgentMessage, recipient: Agent, requestReply?: boolean, silent = false): Promise<void> {
    return ConversableAgent.#relay(this, recipient, message, requestReply, silent);
  }

  static async #relay(
    from: ConversableAgent,
    to: Agent,
    message: AgentMessage,
    requestReply: boolean | undefined,
    silent: boolean,
  ): Promise<void> {
    for (;;) {
      from.#record(message, to, 'assistant', from.name);
      if (!(to instanceof ConversableAgent)) return to.receive(message, from, requestReply, silent);
      const reply = await to.#receiveOnce(message, from, requestReply, silent);
      if (reply === null) return;
      [from, to, message, requestReply] = [to, from, reply, undefined];
    }
  }

  /** Records and shows `message`; replies when `requestReply` is true, or is unset and this chat replies on receipt. */
  async receive(message: AgentMessage, sender: Agent, requestReply?: boolean, silent = false): Promise<void> {
    const reply = await this.#receiveOnce(message, sender, requestReply, silent);
    if (reply !== null) await this.send(reply, sender, undefined, silent);
  }

  /**
   * The reply to the last message: human input or termination first, then tool calls, then the model, else
   * `defaultAutoReply`. `null` ends the conversation. Throws AbortedError once the current IOStream's run is aborted.
   */
  async generateReply({ sender, messages }: GenerateReplyOptions): Promise<AgentMessage | null> {
    this.#throwIfAborted();
    const history = messages ?? this.chatMessages(sender);
    const human = await this.#checkTerminationAndHumanReply(history, sender);
    if (human.final) return human.reply;
    this.#throwIfAborted();
    const last = history.at(-1);
    if (last !== undefined) {
      const io = IOStream.getDefault();
      const signal = io.signal ?? new AbortController().signal;
      const context = { agent: this, requester: sender, tools: this.#functionMap, iostream: io, signal };
      const toolReply = await executeToolCalls(last, context);
      if (toolReply !== null) return toolReply;
    }
    // AutoGen's order: after tool calls, before the model. All of it lives in coding/code-execution-reply.ts.
    const code = await this.#codeExecution?.generateReply(this, history, sender);
    if (code?.final) {
      if (code.reply === null && this.#chat !== undefined) this.#chat.terminationReason = code.reason ?? null;
      return code.reply;
    }
    const llmReply = await this.#generateLlmReply(history);
    return llmReply ?? this.#defaultAutoReply;
  }

  /**
   * Starts a chat with `recipient` and resolves when it ends, then emits `chat_end` (and `usage_summary` when a
   * model was used).
   * @example const result = await userProxy.initiateChat(assistant, { message: 'Plan a trip', maxTurns: 2 });
   */
  async initiateChat(recipient: ConversableAgent, options: InitiateChatOptions = {}): Promise<ChatResult> {
    checkChatOptions(options);
    const { message, maxTurns, clearHistory = true, summaryMethod = 'last_msg', summaryArgs = {}, silent } = options;
    if (summaryMethod === 'reflection_with_llm' && this.llmConfig === false && recipient.llmConfig === false) {
      throw chatOptionError(`'summaryMethod' 'reflection_with_llm' needs an llmConfig on the recipient or the sender.`);
    }
    const chat: ChatState = { terminationReason: null, humanInput: [] };
    this.#chat = chat;
    recipient.#chat = chat;
    try {
      if (maxTurns !== undefined) {
        this.#prepareChat(recipient, clearHistory, false);
        let turn = 0;
        for (; turn < maxTurns; turn++) {
          const next = turn === 0 ? await this.#initMessage(message) : await this.generateReply({ sender: recipient });
          if (next === null) break;
          await this.send(next, recipient, true, silent);
        }
        if (turn === maxTurns) chat.terminationReason = `Maximum turns (${maxTurns}) reached`;
      } else {
        this.#prepareChat(recipient, clearHistory, true);
        await this.send(await this.#initMessage(message), recipient, undefined, silent);
      }
      const summary = await this.#summarize(summaryMethod, summaryArgs, recipient);
      const history = [...this.chatMessages(recipient)];
      const cost = mergeUsage(this.usage, recipient.usage);
      const terminationReason = chat.terminationReason ?? 'no reply';
      const io = IOStream.getDefault();
      io.send({
        type: 'chat_end',
        content: {
          sender: this.name,
          recipient: recipient.name,
          termination_reason: terminationReason,
          summary,
          cost,
          history,
        },
      });
      if (Object.keys(cost.models).length > 0) io.send({ type: 'usage_summary', content: cost });
      return { chatHistory: history, summary, cost, humanInput: [...chat.humanInput], terminationReason };
    } finally {
      if (this.#chat === chat) this.#chat = undefined;
      if (recipient.#chat === chat) recipient.#chat = undefined;
    }
  }

  #prepareChat(recipient: ConversableAgent, clearHistory: boolean, replyAtReceive: boolean): void {
    for (const [agent, partner] of [
      [this, recipient],
      [recipient, this],
    ] as const) {
      agent.resetConsecutiveAutoReplyCounter(partner);
      agent.#replyAtReceive.set(partner, replyAtReceive);
      if (clearHistory) agent.clearHistory(partner);
    }
    this.chatStarting(recipient, clearHistory);
    recipient.chatStarting(this, clearHistory);
  }

  /**
   * Called on both agents of a chat as it starts, once their state with each other is reset (AutoGen's
   * `_prepare_chat`): a subclass readies what it keeps per chat, as GroupChatManager readies its group.
   */
  protected chatStarting(_partner: ConversableAgent, _clearHistory: boolean): void {}

  /** Says why the current chat ended, for its ChatResult and `chat_end`: for a subclass that ends chats itself. */
  protected setTerminationReason(reason: string): void {
    if (this.#chat !== undefined) this.#chat.terminationReason = reason;
  }

  async #initMessage(message: AgentMessage | undefined): Promise<AgentMessage> {
    return message ?? (await this.getHumanInput('>'));
  }

  /** Appends `message` to the history with `partner`, as AutoGen does on either side. */
  #record(message: AgentMessage, partner: Agent, role: 'user' | 'assistant', senderName: string): ChatMessage {
    const stored = toStoredMessage(message, role, senderName);
    if (stored === null) {
      throw new DefinitionError(
        'MESSAGE_INVALID',
        "Message can't be converted into a valid ChatCompletion message. Either content or tool_calls must be provided.",
      );
    }
    let history = this.#history.get(partner);
    if (history === undefined) this.#history.set(partner, (history = []));
    history.push(stored);
    return stored;
  }

  /** One `receive` without the reply being sent: records, shows, and returns the reply if one is due. */
  async #receiveOnce(
    message: AgentMessage,
    sender: Agent,
    requestReply: boolean | undefined,
    silent: boolean,
  ): Promise<AgentMessage | null> {
    const stored = this.#record(message, sender, 'user', sender.name);
    if (!silent) this.#emitReceived(stored, sender);
    const replies = requestReply ?? this.#replyAtReceive.get(sender) === true;
    return replies ? this.generateReply({ sender }) : null;
  }

  /** AutoGen's `_print_received_message`, as one event. */
  #emitReceived(message: ChatMessage, sender: Agent): void {
    const io = IOStream.getDefault();
    const names = { sender: sender.name, recipient: this.name };
    if (message.tool_responses && message.tool_responses.length > 0) {
      const content = { role: 'tool' as const, tool_responses: message.tool_responses, content: message.content ?? '' };
      io.send({ type: 'tool_response', content: { ...content, ...names } });
    } else if (message.tool_calls && message.tool_calls.length > 0) {
      io.send({ type: 'tool_call', content: { content: message.content, tool_calls: message.tool_calls, ...names } });
    } else {
      io.send({ type: 'text', content: { content: message.content, ...names } });
    }
  }

  #throwIfAborted(): void {
    const signal = IOStream.getDefault().signal;
    if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
  }

  /** AutoGen 0.2's `check_termination_and_human_reply`; prompts and termination reasons are AutoGen's and AG2's. */
  async #checkTerminationAndHumanReply(
    messages: readonly ChatMessage[],
    sender: Agent,
  ): Promise<{ final: boolean; reply: AgentMessage | null }> {
    const message = messages.at(-1);
    if (message === undefined) return { final: false, reply: null };
    const them = sender.name;
    const count = this.#autoReplyCount.get(sender) ?? 0;
    const metReason = `Termination message condition on agent '${this.name}' met`;
    const stopPrompt = `Please give feedback to ${them}. Press enter or type 'exit' to stop the conversation: `;
    let answer: string | undefined;
    let reply = '';
    let reason: string | null = null;

    if (this.humanInputMode === 'ALWAYS') {
      answer = await this.getHumanInput(
        `Replying as ${this.name}. Provide feedback to ${them}. Press enter to skip and use auto-reply, or type 'exit' to end the conversation: `,
      );
      reply = answer;
      if (answer === 'exit') reason = 'User requested to end the conversation';
      else if (answer === '' && this.#isTerminationMsg(message)) [reply, reason] = ['exit', metReason];
    } else if (count >= this.maxConsecutiveAutoReply) {
      if (this.humanInputMode === 'NEVER') {
        [reply, reason] = ['exit', 'Maximum number of consecutive auto-replies reached'];
      } else {
        const terminate = this.#isTerminationMsg(message);
        answer = await this.getHumanInput(
          terminate
            ? stopPrompt
            : `Please give feedback to ${them}. Press enter to skip and use auto-reply, or type 'exit' to stop the conversation: `,
        );
        reply = answer;
        if (answer === 'exit') reason = 'User requested to end the conversation';
        else if (answer === '' && terminate) [reply, reason] = ['exit', `${metReason} and no human input provided`];
      }
    } else if (this.#isTerminationMsg(message)) {
      if (this.humanInputMode === 'NEVER') {
        [reply, reason] = ['exit', metReason];
      } else {
        answer = await this.getHumanInput(stopPrompt);
        reply = answer === '' ? 'exit' : answer;
        if (reply === 'exit') reason = `${metReason} and no human input provided`;
      }
    }

    const io = IOStream.getDefault();
    if (answer === '') io.send({ type: 'no_human_input', content: { sender: this.name, recipient: them } });

    if (reply === 'exit') {
      this.#autoReplyCount.set(sender, 0);
      if (this.#chat !== undefined) this.#chat.terminationReason = reason;
      return { final: true, reply: null };
    }
    if (reply !== '' || this.maxConsecutiveAutoReply === 0) {
      this.#autoReplyCount.set(sender, 0);
      const response: ChatMessage = { role: 'user', content: reply };
      // Tool calls the human cut short still need answers, or the model API rejects the next request.
      if (message.tool_calls && message.tool_calls.length > 0) {
        response.tool_responses = message.tool_calls.map((call) => ({
          tool_call_id: call.id,
          role: 'tool',
          content: 'USER INTERRUPTED',
        }));
      }
      return { final: true, reply: response };
    }
    this.#autoReplyCount.set(sender, count + 1);
    if (this.humanInputMode !== 'NEVER') {
      io.send({
        type: 'using_auto_reply',
        content: { human_input_mode: this.humanInputMode, sender: them, recipient: this.name },
      });
    }
    return { final: false, reply: null };
  }

  #llm(): LlmClient {
    if (this.llmConfig === false) throw new DefinitionError('AGENT_INVALID', `Agent '${this.name}' has no llmConfig.`);
    this.#client ??= new LlmClient(this.llmConfig);
    return this.#client;
  }

  /** AutoGen's `generate_oai_reply`: the system message, the history in API form, and this agent's tools. */
  async #generateLlmReply(messages: readonly ChatMessage[]): Promise<AgentMessage | null> {
    if (this.llmConfig === false) return null;
    const tools = this.toolSchemas;
    const signal = IOStream.getDefault().signal;
    const result = await this.#llm().create({
      messages: [{ role: 'system', content: this.systemMessage }, ...toLlmMessages(messages)],
      ...(tools.length > 0 ? { tools } : {}),
      ...(signal ? { signal } : {}),
      agent: this.name,
    });
    return toReply(result);
  }

  async #summarize(method: SummaryMethod, args: SummaryArgs, recipient: ConversableAgent): Promise<string> {
    if (typeof method === 'function') return method(this, recipient, args);
    if (method === 'last_msg') return lastMessageSummary(recipient.chatMessages(this));
    // reflection_with_llm: the recipient's model if it has one, else the sender's; no system message, as in AutoGen.
    const agent = recipient.llmConfig !== false ? recipient : this;
    const signal = IOStream.getDefault().signal;
    const result = await agent.#llm().create({
      messages: [
        ...toLlmMessages(recipient.chatMessages(this)),
        { role: args.summaryRole ?? 'system', content: args.summaryPrompt ?? ConversableAgent.DEFAULT_SUMMARY_PROMPT },
      ],
      ...(signal ? { signal } : {}),
      agent: agent.name,
    });
    return result.content ?? '';
  }
}
