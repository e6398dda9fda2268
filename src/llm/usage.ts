import { ConfigError } from '../errors.js';
import type { ModelUsage, UsageSummary } from '../protocol/events.js';
import type { CompletionResult } from './chat-model.js';
import type { LlmConfigEntry } from './config-list.js';

/** An entry's `price`: dollars per 1,000 prompt tokens and per 1,000 completion tokens (AutoGen's). */
export type Price = readonly [promptPer1k: number, completionPer1k: number];

/** The entry's `price`, checked: `[promptPer1k, completionPer1k]`, or `undefined` for none. */
export function priceOf(entry: LlmConfigEntry, index: number, source: string): Price | undefined {
  const price = entry.price;
  if (price === undefined) return undefined;
  if (Array.isArray(price) && price.length === 2 && price.every(Number.isFinite)) return price as unknown as Price;
  throw new ConfigError(
    'CONFIG_INVALID',
    `Entry ${index} (${entry.model}) of ${source}: "price" must be [promptPer1k, completionPer1k].`,
  );
}

/** Token usage of a stream without a usage chunk: no prompt count, one completion token per content delta. */
export function estimatedUsage(deltas: number): CompletionResult['usage'] {
  return { prompt_tokens: 0, completion_tokens: deltas, total_tokens: deltas };
}

/**
 * Adds up tokens and cost per model, as AutoGen's usage summary does: keyed by the model name the API reported,
 * cost from the entry's `price` (0 without one).
 */
export class UsageTracker {
  readonly #models: Record<string, ModelUsage> = {};
  #totalCost = 0;

  record(result: CompletionResult, price: Price | undefined): void {
    const { prompt_tokens, completion_tokens, total_tokens } = result.usage;
    const cost = price ? (prompt_tokens * price[0] + completion_tokens * price[1]) / 1000 : 0;
    const usage = (this.#models[result.model] ??= { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0 });
    usage.prompt_tokens += prompt_tokens;
    usage.completion_tokens += completion_tokens;
    usage.total_tokens += total_tokens;
    usage.cost += cost;
    this.#totalCost += cost;
  }

  /** A copy of the totals so far. */
  summary(): UsageSummary {
    const models: Record<string, ModelUsage> = {};
    for (const [model, usage] of Object.entries(this.#models)) models[model] = { ...usage };
    return { total_cost: this.#totalCost, models };
  }
}
