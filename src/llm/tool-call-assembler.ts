import type { ToolCall } from '../protocol/events.js';

/**
 * One streamed `delta.tool_calls[]` item, OpenAI's shape. Every field may be absent: OpenAI always sends `index`, but
 * some Ollama and llama.cpp versions leave it out (each call then comes whole in one delta).
 */
export interface ToolCallDelta {
  index?: number | null;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

/**
 * Rebuilds tool calls from streamed deltas, by index, as AutoGen does: `id` and `type` are set when present, the
 * function `name` and `arguments` are concatenated (both may arrive in pieces; arguments always do). A delta without
 * an index continues the last call, unless it starts another: a new `id`, or a `name` when the last call has one. A
 * delta whose index holds a call with another `id` is another call too (servers that number every call 0).
 * @example
 * const tools = new ToolCallAssembler();
 * for await (const chunk of stream) if (chunk.choices[0]?.delta.tool_calls) tools.add(chunk.choices[0].delta.tool_calls);
 * const toolCalls = tools.result();
 */
export class ToolCallAssembler {
  readonly #calls: ToolCall[] = [];
  /** Where the last delta went: the call a delta without an index continues. */
  #last = -1;
  /** Indices the server reused for another call, and where that call is kept. */
  readonly #moved = new Map<number, number>();

  add(deltaToolCalls: readonly ToolCallDelta[]): void {
    for (const delta of deltaToolCalls) {
      const at = this.#slot(delta);
      let call = this.#calls[at];
      if (call === undefined) {
        call = { id: '', type: 'function', function: { name: '', arguments: '' } };
        this.#calls[at] = call;
      }
      this.#last = at;
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

  /** The index of the call `delta` belongs to. */
  #slot(delta: ToolCallDelta): number {
    const index = delta.index;
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0) {
      const slot = this.#moved.get(index) ?? index;
      const held = this.#calls[slot];
      if (held === undefined || !delta.id || held.id === '' || held.id === delta.id) return slot;
      this.#moved.set(index, this.#calls.length);
      return this.#calls.length;
    }
    const last = this.#calls[this.#last];
    if (last === undefined) return this.#calls.length;
    const otherId = Boolean(delta.id) && last.id !== '' && last.id !== delta.id;
    const anotherName = Boolean(delta.function?.name) && last.function.name !== '';
    return otherId || anotherName ? this.#calls.length : this.#last;
  }
}
