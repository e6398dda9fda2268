import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversableAgent, createTool, type ToolContext } from '../../src/agents/index.js';
import { formatJsonStr } from '../../src/agents/execute-tool-calls.js';
import { AbortedError } from '../../src/errors.js';
import { IOStream } from '../../src/io/iostream.js';
import type { ToolCall } from '../../src/protocol/events.js';
import { CapturingIOStream } from './capturing-iostream.js';

function call(id: string, name: string, args: string): ToolCall {
  return { id, type: 'function', function: { name, arguments: args } };
}

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('valid JSON');
}

/** `asker` sends `calls` to an executor with `tools`; the executor's tool reply comes back and the chat ends. */
async function executeCalls(tools: ReturnType<typeof createTool>[], calls: ToolCall[], io = new CapturingIOStream()) {
  const asker = new ConversableAgent({ name: 'asker', humanInputMode: 'NEVER' });
  const executor = new ConversableAgent({ name: 'executor', humanInputMode: 'NEVER' });
  for (const tool of tools) executor.registerForExecution(tool);
  const result = await IOStream.withDefault(io, () =>
    asker.initiateChat(executor, { message: { content: null, tool_calls: calls }, maxTurns: 1 }),
  );
  return { io, result, executor };
}

const add = createTool(({ a, b }) => ({ sum: a + b }), {
  name: 'add',
  description: 'Adds two numbers',
  parameters: z.object({ a: z.number(), b: z.number().default(1) }),
});
const boom = createTool(
  () => {
    throw new Error('kaboom');
  },
  { name: 'boom', description: 'Always fails' },
);
const slow = createTool(
  async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    return `done after ${String(ms)} ms`;
  },
  { name: 'slow', description: 'Waits', parameters: { properties: { ms: { type: 'number' } }, required: ['ms'] } },
);

describe('executeToolCalls', () => {
  it("returns AutoGen's contents for every outcome, in order", async () => {
    const { io, result } = await executeCalls(
      [add, boom, slow],
      [
        call('c1', 'missing', '{}'),
        call('c2', 'add', '{bad'),
        call('c3', 'boom', '{}'),
        call('c4', 'add', '{"a":"x"}'),
        call('c5', 'add', '{"a":2}'),
        call('c6', 'slow', '{"ms":5}'),
      ],
    );
    const contents = [
      'Error: Function missing not found.',
      `Error: ${jsonError('{bad')}\n The argument must be in JSON format.`,
      'Error: kaboom',
      'Error: ✖ Invalid input: expected number, received string\n  → at a',
      '{"sum":3}',
      'done after 5 ms',
    ];
    const response = io.of('tool_response')[0]!.content;
    expect(response.tool_responses).toEqual(
      contents.map((content, i) => ({ tool_call_id: `c${i + 1}`, role: 'tool', content })),
    );
    expect(response.content).toBe(contents.join('\n\n'));
    expect(response).toMatchObject({ sender: 'executor', recipient: 'asker' });

    // EXECUTING FUNCTION only when the function exists and its arguments parsed, as in AutoGen.
    expect(io.of('execute_function').map((e) => e.content.call_id)).toEqual(['c3', 'c4', 'c5', 'c6']);
    expect(io.of('execute_function')[2]!.content).toEqual({
      func_name: 'add',
      call_id: 'c5',
      arguments: { a: 2 },
      recipient: 'asker',
    });
    const executed = io.of('executed_function').map((e) => [e.content.call_id, e.content.is_exec_success]);
    expect(executed).toEqual([
      ['c1', false],
      ['c2', false],
      ['c3', false],
      ['c4', false],
      ['c5', true],
      ['c6', true],
    ]);
    expect(io.of('executed_function')[1]!.content.arguments).toBe('{bad');
    expect(result.chatHistory.at(-1)).toMatchObject({ role: 'tool', name: 'executor' });
  });

  it('sends an unexpected argument back to the model as an error, without running the tool', async () => {
    const { io } = await executeCalls([add], [call('c1', 'add', '{"a":1,"c":2}')]);
    expect(io.of('tool_response')[0]!.content.tool_responses).toEqual([
      { tool_call_id: 'c1', role: 'tool', content: "Error: add() got an unexpected keyword argument 'c'" },
    ]);
    expect(io.of('executed_function')[0]!.content.is_exec_success).toBe(false);
  });

  it('passes the run signal and the executing agent to tools', async () => {
    let seen: ToolContext | undefined;
    const spy = createTool(
      (_args, context) => {
        seen = context;
        return 'ok';
      },
      { name: 'spy', description: 'Records its context' },
    );
    const io = new CapturingIOStream();
    const { executor } = await executeCalls([spy], [call('c1', 'spy', '{}')], io);
    expect(seen!.signal).toBe(io.signal);
    expect(seen!.agent).toBe(executor);
  });

  it('throws AbortedError when the run is aborted during a tool', async () => {
    const io = new CapturingIOStream();
    const stuck = createTool(
      () => {
        setTimeout(() => io.controller.abort(), 5);
        return new Promise(() => {});
      },
      { name: 'stuck', description: 'Never finishes' },
    );
    await expect(executeCalls([stuck], [call('c1', 'stuck', '{}')], io)).rejects.toBeInstanceOf(AbortedError);
    expect(io.types).toEqual(['tool_call', 'execute_function']);
  });

  it('treats an error thrown after the abort as the abort', async () => {
    const io = new CapturingIOStream();
    const cooperative = createTool(
      (_args, { signal }) => {
        setTimeout(() => io.controller.abort(), 5);
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped'))));
      },
      { name: 'cooperative', description: 'Stops on abort' },
    );
    await expect(executeCalls([cooperative], [call('c1', 'cooperative', '{}')], io)).rejects.toBeInstanceOf(
      AbortedError,
    );
  });
});

describe('formatJsonStr', () => {
  it('drops newlines outside strings and escapes control characters inside them', () => {
    expect(formatJsonStr('{\n  "q": "a\nb\tc"\n}')).toBe('{  "q": "a\\nb\\tc"}');
    expect(JSON.parse(formatJsonStr('{"q": "say \\"hi\\"\n"}'))).toEqual({ q: 'say "hi"\n' });
  });
});
