import type { LogFields, Logger } from './logger.js';

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

/** C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators some log viewers break lines at. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Writes control characters as visible escapes (`\n`, `\x1b`, `\u2028`), so text from clients and models cannot
 * start a forged log line or send escape sequences to the terminal reading the log. Backslashes are left as they are.
 * @example escapeControlChars('hi\nagentws: error: x') // 'hi\\nagentws: error: x'
 */
export function escapeControlChars(text: string): string {
  return text.replace(CONTROL_CHARS, (char) => {
    const code = char.charCodeAt(0);
    return (
      SHORT_ESCAPES[char] ?? (code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`)
    );
  });
}

/**
 * A logger that passes every line (and its fields' text) through `redact`, then {@link escapeControlChars}: every
 * line the server logs may carry client or model text (an error's message, a stack), and stays one line. The
 * logger's own colours are added after, by the logger.
 */
export function redactingLogger(logger: Logger, redact: Redactor): Logger {
  const safe = (message: string): string => escapeControlChars(redact(message));
  const safeFields = (fields: LogFields | undefined): LogFields | undefined => {
    if (fields === undefined) return undefined;
    const copy: Record<string, string | number | boolean | undefined> = {};
    for (const [key, value] of Object.entries(fields)) copy[key] = typeof value === 'string' ? safe(value) : value;
    return copy;
  };
  return {
    debug: (message, fields) => logger.debug(safe(message), safeFields(fields)),
    info: (message, fields) => logger.info(safe(message), safeFields(fields)),
    warn: (message, fields) => logger.warn(safe(message), safeFields(fields)),
    error: (message, fields) => logger.error(safe(message), safeFields(fields)),
  };
}
