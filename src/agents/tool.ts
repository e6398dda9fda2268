import type { z } from 'zod';
import { DefinitionError } from '../errors.js';
import type { ToolSchema } from '../llm/llm-client.js';
import type { Agent } from './agent.js';

/** What a tool function gets besides its arguments. */
export interface ToolContext {
  /** Aborts when the run is cancelled (the current IOStream's signal); long-running tools should honour it. */
  signal: AbortSignal;
  /** The agent executing the tool. */
  agent: Agent;
}

/** A function an agent can run for the model. Its result is sent back as is (strings) or as JSON. */
export type ToolFunction<A = Record<string, unknown>> = (args: A, context: ToolContext) => unknown;

/** A JSON schema of the tool's arguments object. */
export type JsonSchemaObject = Record<string, unknown>;

/** How a tool's arguments are described: a zod object schema (validated, defaults applied) or a JSON schema. */
export type ToolParameters = z.ZodObject | JsonSchemaObject;

/** Options of {@link createTool}. */
export interface ToolOptions<P extends ToolParameters = ToolParameters> {
  /** The name the model calls. Default: the function's name. Letters, digits, `_` and `-`, at most 64. */
  name?: string;
  /** What the tool does, for the model. Required. */
  description: string;
  /** The arguments. Default: no arguments. */
  parameters?: P;
}

/** A function packaged for the model: its schema, and a call that validates arguments and serialises the result. */
export interface Tool {
  readonly name: string;
  readonly description: string;
  /** What the caller advertises to its model. */
  readonly schema: ToolSchema;
  /** Runs the function on the parsed JSON arguments; rejects with a readable message when they are invalid. */
  call(args: unknown, context: ToolContext): Promise<string>;
}

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converted schemas, so a schema shared by many sessions' tools is converted once. */
const convertedSchemas = new WeakMap<z.ZodObject, JsonSchemaObject>();

/**
 * Zod schemas are recognised by shape, not `instanceof`: the user's zod may be another copy than any agentws could
 * import, and agentws need not load zod at all (a fifth of an idle server's start-up) unless the user does.
 */
function isZodSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === 'object' &&
    value !== null &&
    '_zod' in value &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

function isZodObject(value: z.ZodType): value is z.ZodObject {
  return (value as { _zod: { def?: { type?: unknown } } })._zod.def?.type === 'object';
}

/** Zod's `prettifyError` format: one "✖ message" line per issue, with "→ at path" when the issue has a path. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.length > 0 ? `\n  → at ${issue.path.map(String).join('.')}` : '';
      return `✖ ${issue.message}${at}`;
    })
    .join('\n');
}

function jsonSchemaOf(parameters: ToolParameters | undefined, name: string): JsonSchemaObject {
  if (parameters === undefined) return { type: 'object', properties: {} };
  if (isZodSchema(parameters)) {
    if (!isZodObject(parameters)) {
      throw new DefinitionError('TOOL_INVALID', `Tool '${name}': 'parameters' must be a zod object schema.`);
    }
    const cached = convertedSchemas.get(parameters);
    if (cached) return cached;
    // "input" makes fields with defaults optional, as AutoGen leaves parameters with defaults out of `required`.
    const { $schema: _ignored, ...schema } = parameters.toJSONSchema({ io: 'input' });
    convertedSchemas.set(parameters, schema);
    return schema;
  }
  if (!isPlainObject(parameters) || (parameters.type !== undefined && parameters.type !== 'object')) {
    throw new DefinitionError(
      'TOOL_INVALID',
      `Tool '${name}': 'parameters' must be a zod object schema or a JSON schema of type "object".`,
    );
  }
  return { type: 'object', ...parameters };
}

/**
 * The argument names a tool takes, or `undefined` when it takes any: a zod object's keys unless it is loose
 * (`z.looseObject`, `.passthrough()`, `.catchall()`), a JSON schema's `properties` unless `additionalProperties` allows
 * more. Unknown arguments are an error by default, as a Python function rejects unknown keyword arguments.
 */
function argumentNames(parameters: ToolParameters | undefined): ReadonlySet<string> | undefined {
  if (parameters === undefined) return new Set();
  if (isZodSchema(parameters)) {
    const catchall = (parameters as { _zod: { def: { catchall?: { _zod?: { def?: { type?: unknown } } } } } })._zod.def
      .catchall;
    if (catchall !== undefined && catchall._zod?.def?.type !== 'never') return undefined;
    return new Set(Object.keys((parameters as z.ZodObject).shape));
  }
  const { properties, additionalProperties } = parameters;
  if (!isPlainObject(properties) || (additionalProperties !== undefined && additionalProperties !== false)) {
    return undefined;
  }
  return new Set(Object.keys(properties));
}

/** AutoGen's `serialize_to_str`: strings as they are, anything else as JSON. */
function serializeResult(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

/**
 * Packages `fn` as a tool. With a zod schema, arguments are validated and defaults applied before the call.
 * @example const weather = createTool(({ city }) => `Sunny in ${city}`, { name: 'weather_forecast',
 *   description: 'Weather forecast for a city', parameters: z.object({ city: z.string() }) });
 */
export function createTool<S extends z.ZodObject>(fn: ToolFunction<z.output<S>>, options: ToolOptions<S>): Tool;
export function createTool(fn: ToolFunction, options: ToolOptions<JsonSchemaObject>): Tool;
export function createTool(fn: ToolFunction<never>, options: ToolOptions): Tool {
  if (typeof fn !== 'function') throw new DefinitionError('TOOL_INVALID', 'A tool needs a function.');
  if (!isPlainObject(options)) throw new DefinitionError('TOOL_INVALID', 'A tool needs options.');
  const name = options.name ?? fn.name;
  if (typeof name !== 'string' || name === '') {
    throw new DefinitionError('TOOL_INVALID', "A tool needs a 'name' (the function has none).");
  }
  if (!VALID_NAME.test(name)) {
    throw new DefinitionError(
      'TOOL_INVALID',
      `Invalid tool 'name': ${name}. Only letters, numbers, '_' and '-' are allowed, at most 64 characters.`,
    );
  }
  const { description, parameters } = options;
  if (typeof description !== 'string' || description.trim() === '') {
    throw new DefinitionError('TOOL_INVALID', `Tool '${name}' needs a 'description'.`);
  }
  const schema: ToolSchema = {
    type: 'function',
    function: { name, description, parameters: jsonSchemaOf(parameters, name) },
  };
  const validator = isZodSchema(parameters) ? parameters : undefined;
  const names = argumentNames(parameters);
  const call = fn as ToolFunction<unknown>;

  return {
    name,
    description,
    schema,
    async call(args, context) {
      if (!isPlainObject(args)) throw new TypeError('The arguments must be a JSON object.');
      const unexpected = names === undefined ? undefined : Object.keys(args).find((key) => !names.has(key));
      // Python's words for it, which AutoGen sends back to the model as "Error: ...".
      if (unexpected !== undefined) throw new TypeError(`${name}() got an unexpected keyword argument '${unexpected}'`);
      let parsed: unknown = args;
      if (validator) {
        const result = validator.safeParse(args);
        if (!result.success) throw new Error(describeIssues(result.error));
        parsed = result.data;
      }
      return serializeResult(await call(parsed, context));
    },
  };
}

/**
 * A plain function an agent runs under `name` (AutoGen's `function_map` entry): it gets the model's arguments object
 * unchecked, and advertises no schema of its own.
 */
export function functionMapTool(name: string, fn: ToolFunction): Tool {
  if (typeof name !== 'string' || !VALID_NAME.test(name)) {
    throw new DefinitionError(
      'TOOL_INVALID',
      `Invalid function name: ${String(name)}. Only letters, numbers, '_' and '-' are allowed, at most 64 characters.`,
    );
  }
  if (typeof fn !== 'function') {
    throw new DefinitionError('TOOL_INVALID', `Function '${name}' of the function map must be a function or a tool.`);
  }
  const schema: ToolSchema = { type: 'function', function: { name, parameters: { type: 'object', properties: {} } } };
  return {
    name,
    description: '',
    schema,
    async call(args, context) {
      if (!isPlainObject(args)) throw new TypeError('The arguments must be a JSON object.');
      return serializeResult(await fn(args, context));
    },
  };
}
