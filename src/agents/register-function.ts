import type { z } from 'zod';
import { DefinitionError } from '../errors.js';
import { ConversableAgent } from './conversable-agent.js';
import { createTool, type JsonSchemaObject, type Tool, type ToolFunction, type ToolOptions } from './tool.js';

/** Options of {@link registerFunction}. */
export interface RegisterFunctionOptions<P extends z.ZodObject | JsonSchemaObject> extends ToolOptions<P> {
  /** The agent whose model may call the function (it needs an llmConfig). */
  caller: ConversableAgent;
  /** The agent that runs the function when asked. */
  executor: ConversableAgent;
}

/**
 * AutoGen's `register_function`: `caller` advertises the function to its model, `executor` runs it.
 * @example
 * registerFunction(({ city }) => `Sunny in ${city}`, {
 *   caller: assistant, executor: userProxy, name: 'weather_forecast',
 *   description: 'Weather forecast for a city', parameters: z.object({ city: z.string() }),
 * });
 */
export function registerFunction<S extends z.ZodObject>(
  fn: ToolFunction<z.output<S>>,
  options: RegisterFunctionOptions<S>,
): Tool;
export function registerFunction(fn: ToolFunction, options: RegisterFunctionOptions<JsonSchemaObject>): Tool;
export function registerFunction(
  fn: ToolFunction<never>,
  options: RegisterFunctionOptions<z.ZodObject | JsonSchemaObject>,
): Tool {
  if (typeof options !== 'object' || options === null) {
    throw new DefinitionError('TOOL_INVALID', 'registerFunction needs options { caller, executor, description }.');
  }
  const { caller, executor, ...toolOptions } = options;
  for (const [option, agent] of [
    ['caller', caller],
    ['executor', executor],
  ] as const) {
    if (!(agent instanceof ConversableAgent)) {
      throw new DefinitionError('TOOL_INVALID', `registerFunction option '${option}' must be a ConversableAgent.`);
    }
  }
  const tool = createTool(fn as ToolFunction, toolOptions as ToolOptions<JsonSchemaObject>);
  caller.registerForLlm(tool);
  executor.registerForExecution(tool);
  return tool;
}
