import { InvalidArgumentError } from 'commander';

/**
 * Parsers for commander options: each turns the flag's text into a value or throws commander's
 * InvalidArgumentError, which commander reports as `error: option '--x <n>' argument 'y' is invalid. <reason>`.
 */

/** An integer in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const trimmed = value.trim();
    const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return parsed;
  };
}

/** A number of seconds, at least 0 (fractions allowed). */
export function seconds(value: string): number {
  const trimmed = value.trim();
  const parsed = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError('Expected a number of seconds (0 or more).');
  return parsed;
}

/** A byte count such as `1048576`, `512k`, `1m` (binary units). */
export function bytes(value: string): number {
  const match = /^(\d+)\s*([kmg]i?b?|b)?$/i.exec(value.trim());
  const unit = match?.[2]?.[0]?.toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const parsed = match ? Number(match[1]) * factor : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('Expected a size in bytes, such as 1048576, 512k or 1m.');
  }
  return parsed;
}

/** Collects a repeatable option into a list (`--model a --model b` → `['a', 'b']`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Collects `key=value` pairs of a repeatable `--filter`; the same key twice means either value. */
export function keyValue(value: string, previous: Array<[string, string]> | undefined): Array<[string, string]> {
  const index = value.indexOf('=');
  if (index <= 0) throw new InvalidArgumentError('Expected key=value, for example tags=local or api_type=openai.');
  return [...(previous ?? []), [value.slice(0, index).trim(), value.slice(index + 1).trim()]];
}
