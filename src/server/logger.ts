/**
 * Where servers report what happens. Messages from the server never hold secrets (keys, tokens) or raw control
 * characters: it wraps the logger it is given with `redactingLogger`.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Library default: warnings and errors to stderr, nothing else. */
export const consoleLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message) => console.error(`agentws: ${message}`),
  error: (message) => console.error(`agentws: ${message}`),
};

/** Drops everything. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
