import { DefinitionError } from '../../errors.js';

/** Output kept per run by default: enough for any useful result, bounded for the model's context and the wire. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

/** AutoGen 0.2's execution policy of the command-line executors: shells and Python run, the rest is only saved. */
export const DEFAULT_EXECUTION_POLICY: Readonly<Record<string, boolean>> = {
  bash: true,
  shell: true,
  sh: true,
  pwsh: true,
  powershell: true,
  ps1: true,
  python: true,
  javascript: false,
  html: false,
  css: false,
};

/** Languages that can only be saved: no program runs them. */
const SAVE_ONLY = new Set(['html', 'css']);

export function invalid(className: string, option: string, message: string): DefinitionError {
  return new DefinitionError('CODE_EXECUTION_INVALID', `${className} option '${option}' ${message}`);
}

/** AutoGen's rule: at least one second. */
export function checkTimeout(className: string, timeout: unknown): number {
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 1) {
    throw invalid(className, 'timeout', `must be a number of seconds >= 1 (got ${String(timeout)}).`);
  }
  return timeout;
}

export function checkMaxOutputBytes(className: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(className, 'maxOutputBytes', `must be a whole number of bytes >= 1 (got ${String(value)}).`);
  }
  return value;
}

/** The default policy with `given` over it; unknown languages and running html/css are refused. */
export function resolvePolicies(className: string, given: unknown): Record<string, boolean> {
  const policies = { ...DEFAULT_EXECUTION_POLICY };
  if (given === undefined) return policies;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw invalid(className, 'executionPolicies', 'must be an object such as { python: true, javascript: false }.');
  }
  for (const [language, run] of Object.entries(given)) {
    if (!(language in DEFAULT_EXECUTION_POLICY)) {
      const known = Object.keys(DEFAULT_EXECUTION_POLICY).join(', ');
      throw invalid(className, 'executionPolicies', `names an unknown language '${language}' (known: ${known}).`);
    }
    if (typeof run !== 'boolean') throw invalid(className, 'executionPolicies', `'${language}' must be true or false.`);
    if (run && SAVE_ONLY.has(language)) {
      throw invalid(
        className,
        'executionPolicies',
        `'${language}' cannot be run, only saved: its policy must be false.`,
      );
    }
    policies[language] = run;
  }
  return policies;
}

/** Options object check shared by the executors: an object (or nothing) with known keys only. */
export function checkOptionKeys(className: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DefinitionError('CODE_EXECUTION_INVALID', `${className} needs an options object.`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw invalid(className, key, `is unknown (known: ${known.join(', ')}).`);
  }
}
