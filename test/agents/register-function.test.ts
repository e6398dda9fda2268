import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversableAgent, UserProxyAgent, registerFunction } from '../../src/agents/index.js';
import { DefinitionError } from '../../src/errors.js';

const llmConfig = { configList: [{ model: 'gpt-4', api_key: 'sk-test' }] };

describe('registerFunction', () => {
  it('advertises the tool to the caller and lets the executor run it', () => {
    const caller = new ConversableAgent({ name: 'caller', llmConfig });
    const executor = new UserProxyAgent({ name: 'executor' });
    const tool = registerFunction(({ city }) => `sunny in ${city}`, {
      caller,
      executor,
      name: 'weather_forecast',
      description: 'Weather forecast for a city',
      parameters: z.object({ city: z.string() }),
    });
    expect(caller.toolSchemas).toEqual([tool.schema]);
    expect(executor.toolSchemas).toEqual([]);
    expect(executor.canExecuteFunction('weather_forecast')).toBe(true);
    expect(caller.canExecuteFunction('weather_forecast')).toBe(false);
  });

  it('replaces a tool registered under the same name', () => {
    const caller = new ConversableAgent({ name: 'caller', llmConfig });
    for (const description of ['first', 'second']) {
      registerFunction(() => '', { caller, executor: caller, name: 't', description });
    }
    expect(caller.toolSchemas.map((t) => t.function.description)).toEqual(['second']);
  });

  it('needs a caller with an llmConfig, and agents for caller and executor', () => {
    const noModel = new UserProxyAgent({ name: 'user' });
    const options = { name: 't', description: 'd' };
    expect(() => registerFunction(() => '', { ...options, caller: noModel, executor: noModel })).toThrow(/llmConfig/);
    expect(() => registerFunction(() => '', { ...options, caller: {} as never, executor: noModel })).toThrow(
      "registerFunction option 'caller'",
    );
    expect(() =>
      registerFunction(() => '', {
        caller: new ConversableAgent({ name: 'c', llmConfig }),
        executor: noModel,
      } as never),
    ).toThrow(DefinitionError);
  });
});
