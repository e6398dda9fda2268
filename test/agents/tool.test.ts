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

  it("rejects unknown arguments in Python's words, unless the schema allows more", async () => {
    const unexpected = (name: string, key: string) => `${name}() got an unexpected keyword argument '${key}'`;
    const city = { city: 'Paris', town: 'Lyon' };
    const zodStrict = createTool((args) => args, {
      name: 'weather_forecast',
      description: 'Weather',
      parameters: z.object({ city: z.string() }),
    });
    await expect(zodStrict.call(city, context)).rejects.toThrow(unexpected('weather_forecast', 'town'));
    const zodLoose = createTool((args) => args, {
      name: 'loose',
      description: 'Loose',
      parameters: z.looseObject({ city: z.string() }),
    });
    await expect(zodLoose.call(city, context)).resolves.toBe('{"city":"Paris","town":"Lyon"}');
    const json = (parameters: Record<string, unknown>) =>
      createTool((args) => args, { name: 'json', description: 'JSON', parameters });
    const properties = { city: { type: 'string' } };
    await expect(json({ type: 'object', properties }).call(city, context)).rejects.toThrow(unexpected('json', 'town'));
    await expect(json({ properties, additionalProperties: true }).call(city, context)).resolves.toContain('Lyon');
    await expect(json({ type: 'object' }).call(city, context)).resolves.toContain('Lyon');
    const none = createTool(() => 'ok', { name: 'noargs', description: 'No arguments' });
    await expect(none.call({ x: 1 }, context)).rejects.toThrow(unexpected('noargs', 'x'));
    await expect(none.call({}, context)).resolves.toBe('ok');
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
