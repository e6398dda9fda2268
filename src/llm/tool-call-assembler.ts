import type { ToolCall } from '../protocol/events.js';

/** One streamed `delta.tool_calls[]` item, OpenAI's shape (every field but `index` may be absent). */
export interface ToolCallDelta {
  index: number;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

/**
 * Rebuilds tool calls from streamed deltas, by index, as AutoGen does: `id` and `type` are set when present, the
 * function `name` and `arguments` are concatenated (both may arrive in pieces; arguments always do).
 * @example
 * const tools = new ToolCallAssembler();
 * for await (const chunk of stream) if (chunk.choices[0]?.delta.tool_calls) tools.add(chunk.choices[0].delta.tool_calls);
 * const toolCalls = tools.result();
 */
export class ToolCallAssembler {
  readonly #calls: ToolCall[] = [];

  add(deltaToolCalls: readonly ToolCallDelta[]): void {
    for (const delta of deltaToolCalls) {
      let call = this.#calls[delta.index];
      if (call === undefined) {
        call = { id: '', type: 'function', function: { name: '', arguments: '' } };
        this.#calls[delta.index] = call;
      }
      if (delta.id) call.id = delta.id;
      if (delta.type) call.type = delta.type as ToolCall['type'];
      const fn = delta.function;
      if (fn) {
        if (fn.name) call.function.name += fn.name;
        if (fn.arguments) call.function.arguments += fn.arguments;
      }
    }
  }

  /** The assembled calls in index order, or `undefined` when no delta carried a tool call. */
  result(): ToolCall[] | undefined {
    // Indices need not be dense; holes are dropped.
    const calls = this.#calls.filter((call) => call !== undefined);
    return calls.length > 0 ? calls : undefined;
  }
}
