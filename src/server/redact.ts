import type { Logger } from './logger.js';

/** Removes secrets from text that leaves the process: log lines and error events. */
export type Redactor = (text: string) => string;

/**
 * Shapes that are secrets whatever the configuration says: OpenAI-style keys, bearer credentials, and the token
 * subprotocol entry. A last line of defence behind the known values, which are removed first.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/\bsk-[A-Za-z0-9_-]{12,}/g, 'sk-***'],
  [/\b(Bearer\s+)[^\s,;"']+/gi, '$1***'],
  [/\b(agentws\.token\.)[^\s,;"']+/g, '$1***'],
];

/** Secrets shorter than this are not scrubbed by value (they would mangle ordinary words); patterns still apply. */
const MIN_SECRET_LENGTH = 4;

/**
 * Builds a redactor for these secrets (the server token, API keys). Values are replaced by `***`, longest first so a
 * secret containing another is removed whole.
 */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const values = [...new Set(secrets)]
    .filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let safe = text;
    for (const value of values) if (safe.includes(value)) safe = safe.split(value).join('***');
    for (const [pattern, replacement] of PATTERNS) safe = safe.replace(pattern, replacement);
    return safe;
  };
}

/** A logger that passes every line through `redact` first. */
export function redactingLogger(logger: Logger, redact: Redactor): Logger {
  return {
    debug: (message) => logger.debug(redact(message)),
    info: (message) => logger.info(redact(message)),
    warn: (message) => logger.warn(redact(message)),
    error: (message) => logger.error(redact(message)),
  };
}
