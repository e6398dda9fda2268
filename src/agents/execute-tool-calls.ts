import { AbortedError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import { observeToolCall } from '../observability/tool-call.js';
import type { ChatMessage, ToolCall, ToolResponse } from '../protocol/events.js';
import type { Agent } from './agent.js';
import type { ReplyFunction } from './reply-functions.js';
import type { Tool } from './tool.js';

/** Where and for whom tool calls run. */
export interface ToolExecutionContext {
  /** The executing agent. */
  agent: Agent;
  /** The name of the agent that asked for the calls (the events' `recipient`). */
  requester: string;
  /** The executing agent's function map. */
  tools: ReadonlyMap<string, Tool>;
  iostream: IOStream;
  signal: AbortSignal;
}

/**
 * AutoGen's `_format_json_str`: drops newlines outside strings and escapes newlines and tabs inside them, because
 * models put raw control characters into argument strings that `JSON.parse` rejects.
 */
export function formatJsonStr(text: string): string {
  let out = '';
  let insideQuotes = false;
  let last = ' ';
  for (const char of text) {
    if (last !== '\\' && char === '"') insideQuotes = !insideQuotes;
    last = char;
    if (!insideQuotes && char === '\n') continue;
    if (insideQuotes && char === '\n') out += '\\n';
    else if (insideQuotes && char === '\t') out += '\\t';
    else out += char;
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves like `promise`, or rejects with AbortedError as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError(undefined, { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Parses a tool call's arguments; the error content AutoGen sends back when they are not JSON. */
function parseArguments(raw: string): { args: unknown } | { error: string } {
  try {
    return { args: JSON.parse(formatJsonStr(raw)) };
  } catch (error) {
    return { error: `Error: ${messageOf(error)}\n The argument must be in JSON format.` };
  }
}

/** AutoGen's `execute_function` for one tool call: the content sent back to the model, errors included. */
async function executeToolCall(call: ToolCall, context: ToolExecutionContext): Promise<string> {
  const { iostream, signal } = context;
  const { name: funcName, arguments: raw } = call.function;
  const base = { func_name: funcName, call_id: call.id, recipient: context.requester };
  const tool = context.tools.get(funcName);
  const parsed = tool === undefined ? undefined : parseArguments(raw);
  let args: unknown = raw;
  let content: string;
  let success = false;

  if (tool === undefined || parsed === undefined) {
    content = `Error: Function ${funcName} not found.`;
  } else if ('error' in parsed) {
    content = parsed.error;
  } else {
    args = parsed.args;
    const toolArgs = args;
    // As in AutoGen, "EXECUTING FUNCTION" only when the function exists and its arguments parsed.
    iostream.send({ type: 'execute_function', content: { ...base, arguments: args } });
    const run = async (): Promise<{ content: string; success: boolean }> => {
      try {
        return {
          content: await observeToolCall(call, tool, iostream, () =>
            untilAborted(tool.call(toolArgs, { signal, agent: context.agent }), signal),
          ),
          success: true,
        };
      } catch (error) {
        if (error instanceof AbortedError) throw error;
        if (signal.aborted) throw new AbortedError(undefined, { cause: error });
        return { content: `Error: ${messageOf(error)}`, success: false };
      }
    };
    // A durable run journals the result: a run taken over gets it replayed, and the tool never runs twice.
    ({ content, success } = iostream.journal ? await iostream.journal.step('tool', run) : await run());
  }
  iostream.send({
    type: 'executed_function',
    content: { ...base, arguments: args, content, is_exec_success: success },
  });
  return content;
}

/**
 * AutoGen's `generate_tool_calls_reply`: runs every tool call of `message` in order and returns the tool reply, or
 * `null` when the message has no tool calls.
 */
export async function executeToolCalls(
  message: ChatMessage,
  context: ToolExecutionContext,
): Promise<ChatMessage | null> {
  if (!message.tool_calls || message.tool_calls.length === 0) return null;
  const responses: ToolResponse[] = [];
  for (const call of message.tool_calls) {
    const content = await executeToolCall(call, context);
    responses.push({ tool_call_id: call.id, role: 'tool', content });
  }
  return { role: 'tool', tool_responses: responses, content: responses.map((r) => r.content).join('\n\n') };
}

/** The built-in reply function that runs the tool calls of the last message with the agent's function map. */
export const generateToolCallsReply: ReplyFunction = async (agent, messages, sender) => {
  const last = messages.at(-1);
  if (last === undefined) return { final: false };
  const iostream = IOStream.getDefault();
  const signal = iostream.signal ?? new AbortController().signal;
  const requester = sender?.name ?? 'the sender';
  const reply = await executeToolCalls(last, { agent, requester, tools: agent.functionMap, iostream, signal });
  return reply === null ? { final: false } : { final: true, reply };
};
