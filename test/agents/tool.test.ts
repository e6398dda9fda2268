import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversableAgent, createTool } from '../../src/agents/index.js';
import { DefinitionError } from '../../src/errors.js';

const context = { signal: new AbortController().signal, agent: new ConversableAgent({ name: 'a' }) };

describe('createTool', () => {
  it('turns a zod schema into a JSON schema whose required fields have no default', () => {
    function forecast({ city, days }: { city: string; days: number }): string {
      return `${city} ${days}`;
    }
    const tool = createTool(forecast, {
      description: 'Forecast',
      parameters: z.object({
        city: z.string().describe('the city'),
        days: z.number().int().min(1).default(1),
        unit: z.enum(['C', 'F']).optional(),
      }),
    });
    expect(tool.name).toBe('forecast');
    expect(tool.schema.function.parameters).not.toHaveProperty('$schema');
    expect(tool.schema).toMatchObject({
      type: 'function',
      function: {
        name: 'forecast',
        description: 'Forecast',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string', description: 'the city' }, days: { default: 1 } },
          required: ['city'],
        },
      },
    });
  });

  it('validates and fills in arguments before the call, and serialises results', async () => {
    const tool = createTool((args) => args, {
      name: 'echo',
      description: 'Echo',
      parameters: z.object({ n: z.number().default(7) }),
    });
    await expect(tool.call({}, context)).resolves.toBe('{"n":7}');
    await expect(tool.call({ n: 'x' }, context)).rejects.toThrow('expected number');
    await expect(tool.call([1], context)).rejects.toThrow('JSON object');
    const none = createTool(() => undefined, { name: 'none', description: 'Nothing' });
    await expect(none.call({}, context)).resolves.toBe('null');
  });

  it('takes a plain JSON schema as it is', () => {
    const parameters = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };
    expect(
      createTool(() => '', { name: 'search', description: 'Search', parameters }).schema.function.parameters,
    ).toEqual(parameters);
    expect(createTool(() => '', { name: 'noargs', description: 'No args' }).schema.function.parameters).toEqual({
      type: 'object',
      properties: {},
    });
  });

  it.each([
    [() => createTool((() => '') as never, { description: 'd' }), "'name'"],
    [() => createTool(() => '', { name: 'bad name', description: 'd' }), "'name'"],
    [() => createTool(() => '', { name: 'f' } as never), "'description'"],
    [() => createTool(() => '', { name: 'f', description: 'd', parameters: z.string() as never }), "'parameters'"],
    [() => createTool(() => '', { name: 'f', description: 'd', parameters: { type: 'string' } }), "'parameters'"],
  ])('rejects bad definitions (%#)', (make, option) => {
    expect(make).toThrow(DefinitionError);
    expect(make).toThrow(option);
  });
});
