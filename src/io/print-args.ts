import { inspect } from 'node:util';

/** Options of `IOStream.print`, as Python's print has them. */
export interface PrintOptions {
  /** Put between objects. Default `' '`. */
  sep?: string;
  /** Put after the last object. Default `'\n'`. */
  end?: string;
  /** Accepted for AutoGen compatibility; every print is sent at once. */
  flush?: boolean;
}

/** Turns one of print's objects into the string Python's print would show. */
export function formatPrintObject(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return inspect(value, { depth: 4, breakLength: Infinity });
}

const PRINT_OPTION_KEYS = new Set(['sep', 'end', 'flush']);

function isPrintOptions(value: unknown): value is PrintOptions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => PRINT_OPTION_KEYS.has(k));
}

/** Splits print's trailing options object off its arguments, AutoGen style: `print(a, b, { sep: '', end: '' })`. */
export function splitPrintArgs(args: unknown[]): { objects: string[]; sep: string; end: string } {
  let sep = ' ';
  let end = '\n';
  let count = args.length;
  const last = args[count - 1];
  if (isPrintOptions(last)) {
    count -= 1;
    if (last.sep !== undefined) sep = last.sep;
    if (last.end !== undefined) end = last.end;
  }
  const objects = new Array<string>(count);
  for (let i = 0; i < count; i++) objects[i] = formatPrintObject(args[i]);
  return { objects, sep, end };
}
