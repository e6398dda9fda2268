/**
 * Where servers report what happens. Messages from the server never hold secrets (keys, tokens) or raw control
 * characters: it wraps the logger it is given with `redactingLogger`.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * What a line is about, for structured logs (`agentws serve --log-format json` writes them as keys beside `msg`):
 * `session` (its id), `outcome`, `duration_ms`, ... Text logs leave them out: the message says the same in words.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** Library default: warnings and errors to stderr, nothing else. */
export const consoleLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message) => console.error(`agentws: ${message}`),
  error: (message) => console.error(`agentws: ${message}`),
};

/** Drops everything. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
