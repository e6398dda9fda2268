import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversableAgent, createTool } from '../../src/agents/index.js';
import { IOStream } from '../../src/io/iostream.js';
import type { ToolCall } from '../../src/protocol/events.js';
import { CapturingIOStream } from './capturing-iostream.js';

const llmConfig = { configList: [{ model: 'gpt-4' }] };
const schema = (name: string) => ({
  type: 'function' as const,
  function: { name, description: name, parameters: { type: 'object', properties: {} } },
});

describe("an agent's tools", () => {
  it('advertises, replaces and removes schemas by name, keeping their order', () => {
    const agent = new ConversableAgent({ name: 'a', llmConfig });
    agent.updateToolSignature(schema('one'));
    agent.updateToolSignature(schema('two'));
    agent.updateToolSignature({ ...schema('one'), function: { ...schema('one').function, description: 'new' } });
    expect(agent.toolSchemas.map((t) => [t.function.name, t.function.description])).toEqual([
      ['one', 'new'],
      ['two', 'two'],
    ]);
    agent.updateToolSignature('one', true);
    expect(agent.toolSchemas.map((t) => t.function.name)).toEqual(['two']);
  });

  it.each([
    [
      () => new ConversableAgent({ name: 'a' }).updateToolSignature('x', true),
      "Cannot remove tool 'x' from the model of agent 'a': the agent has no llmConfig.",
    ],
    [
      () => new ConversableAgent({ name: 'a', llmConfig }).updateToolSignature('x', true),
      "Agent 'a' has no tool 'x' to remove (its tools: none).",
    ],
    [
      () => new ConversableAgent({ name: 'a', llmConfig }).updateToolSignature(schema('x'), true),
      'To remove a tool, give its name',
    ],
    [
      () => new ConversableAgent({ name: 'a', llmConfig }).updateToolSignature({ name: 'x' } as never),
      'A tool signature must be { type: "function"',
    ],
    [
      () => new ConversableAgent({ name: 'a', llmConfig }).updateToolSignature(schema('bad name')),
      'Invalid tool name: bad name.',
    ],
    [
      () => new ConversableAgent({ name: 'a' }).registerFunction({ x: null }),
      "Agent 'a' has no function 'x' to remove (its functions: none).",
    ],
    [
      () => new ConversableAgent({ name: 'a' }).registerFunction({ 'bad name': () => 1 }),
      'Invalid function name: bad name.',
    ],
    [
      () => new ConversableAgent({ name: 'a' }).registerFunction({ x: 'nope' as never }),
      "Function 'x' of the function map must be a function or a tool.",
    ],
    [
      () => new ConversableAgent({ name: 'a', functionMap: [] as never }),
      "ConversableAgent option 'functionMap' must be an object",
    ],
    [
      () => new ConversableAgent({ name: 'a', chatMessages: {} as never }),
      "ConversableAgent option 'chatMessages' must be a Map",
    ],
  ])('says what was wrong (%#)', (act, message) => {
    expect(act).toThrow(message);
  });

  it('runs plain functions of the function map with the arguments object, and tools under their map name', async () => {
    const tool = createTool(({ n }) => n * 2, {
      name: 'double',
      description: 'Doubles',
      parameters: z.object({ n: z.number() }),
    });
    const executor = new ConversableAgent({
      name: 'executor',
      humanInputMode: 'NEVER',
      functionMap: { add: ({ a, b }) => Number(a) + Number(b), twice: tool },
    });
    expect([...executor.functionMap.keys()]).toEqual(['add', 'twice']);
    expect(executor.canExecuteFunction('add')).toBe(true);
    expect(executor.canExecuteFunction(['add', 'missing'])).toBe(false);
    const asker = new ConversableAgent({ name: 'asker', humanInputMode: 'NEVER' });
    const call = (id: string, name: string, args: string): ToolCall => ({
      id,
      type: 'function',
      function: { name, arguments: args },
    });
    const io = new CapturingIOStream();
    await IOStream.withDefault(io, () =>
      asker.initiateChat(executor, {
        message: {
          content: null,
          tool_calls: [
            call('c1', 'add', '{"a":2,"b":3,"extra":1}'),
            call('c2', 'twice', '{"n":4}'),
            call('c3', 'twice', '{"n":4,"m":1}'),
          ],
        },
        maxTurns: 1,
      }),
    );
    // A plain function takes what it is given (AutoGen's function_map); a tool checks its arguments.
    expect(io.of('tool_response')[0]!.content.tool_responses.map((r) => r.content)).toEqual([
      '5',
      '8',
      "Error: double() got an unexpected keyword argument 'm'",
    ]);
  });
});
