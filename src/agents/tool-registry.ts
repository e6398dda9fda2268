import { DefinitionError } from '../errors.js';
import type { ToolSchema } from '../llm/llm-client.js';
import { functionMapTool, type Tool, type ToolFunction } from './tool.js';

const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function isTool(value: unknown): value is Tool {
  return typeof value === 'object' && value !== null && typeof (value as { call?: unknown }).call === 'function';
}

function list(names: Iterable<string>): string {
  return [...names].join(', ') || 'none';
}

/**
 * An agent's tools: the schemas it advertises to its model (AutoGen's `llm_config["tools"]`) and the functions it runs
 * when asked (AutoGen's `function_map`). A name registered again replaces the earlier one.
 */
export class ToolRegistry {
  readonly #schemas = new Map<string, ToolSchema>();
  readonly #functions = new Map<string, Tool>();

  /** `agentName` and `hasModel` make the error messages; an agent without a model advertises nothing. */
  constructor(
    readonly agentName: string,
    readonly hasModel: boolean,
  ) {}

  /** The advertised schemas, in registration order. */
  get schemas(): ToolSchema[] {
    return [...this.#schemas.values()];
  }

  /** The functions by name. */
  get functionMap(): ReadonlyMap<string, Tool> {
    return this.#functions;
  }

  /** AutoGen's `update_tool_signature`: advertises a schema, or with `isRemove` stops advertising the named tool. */
  updateToolSignature(toolSig: ToolSchema | string, isRemove = false): void {
    const name = typeof toolSig === 'string' ? toolSig : toolSig?.function?.name;
    if (!this.hasModel) {
      const action = isRemove ? `remove tool '${name}' from` : `register tool '${name}' for`;
      throw new DefinitionError(
        'TOOL_INVALID',
        `Cannot ${action} the model of agent '${this.agentName}': the agent has no llmConfig.`,
      );
    }
    if (isRemove) {
      if (typeof toolSig !== 'string') {
        throw new DefinitionError('TOOL_INVALID', 'To remove a tool, give its name: updateToolSignature(name, true).');
      }
      if (!this.#schemas.delete(toolSig)) {
        throw new DefinitionError(
          'TOOL_INVALID',
          `Agent '${this.agentName}' has no tool '${toolSig}' to remove (its tools: ${list(this.#schemas.keys())}).`,
        );
      }
      return;
    }
    if (typeof toolSig !== 'object' || toolSig === null || toolSig.type !== 'function' || typeof name !== 'string') {
      throw new DefinitionError(
        'TOOL_INVALID',
        'A tool signature must be { type: "function", function: { name, description, parameters } } (OpenAI\'s shape).',
      );
    }
    if (!VALID_NAME.test(name)) {
      throw new DefinitionError(
        'TOOL_INVALID',
        `Invalid tool name: ${name}. Only letters, numbers, '_' and '-' are allowed, at most 64 characters.`,
      );
    }
    this.#schemas.set(name, toolSig);
  }

  /**
   * AutoGen's `register_function`: adds the functions by name (a plain function gets the arguments object unchecked);
   * `null` removes the function of that name.
   */
  registerFunction(functionMap: Readonly<Record<string, Tool | ToolFunction | null>>): void {
    if (typeof functionMap !== 'object' || functionMap === null) {
      throw new DefinitionError('TOOL_INVALID', 'registerFunction needs an object of functions by name.');
    }
    for (const [name, fn] of Object.entries(functionMap)) {
      if (fn === null) {
        if (!this.#functions.delete(name)) {
          throw new DefinitionError(
            'TOOL_INVALID',
            `Agent '${this.agentName}' has no function '${name}' to remove (its functions: ${list(this.#functions.keys())}).`,
          );
        }
      } else {
        this.#functions.set(name, isTool(fn) ? fn : functionMapTool(name, fn));
      }
    }
  }

  /** AutoGen's `can_execute_function`: whether every named function is registered. */
  canExecute(name: string | readonly string[]): boolean {
    return (typeof name === 'string' ? [name] : name).every((n) => this.#functions.has(n));
  }
}
