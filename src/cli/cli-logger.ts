import { Chalk, type ChalkInstance } from 'chalk';
import type { Logger } from '../server/logger.js';
import type { CliOutput } from './cli-io.js';

/** How much `agentws serve` prints: `quiet` errors only, `normal` adds what happens, `verbose` adds details. */
export type LogLevel = 'quiet' | 'normal' | 'verbose';

/** Options of {@link createCliLogger}. */
export interface CliLoggerOptions {
  level: LogLevel;
  /** Info and debug lines. */
  stdout: CliOutput;
  /** Warnings and errors. */
  stderr: CliOutput;
  color: boolean;
}

/** A {@link Logger} for the terminal, plus the colour functions its lines use. */
export interface CliLogger extends Logger {
  readonly level: LogLevel;
  /** chalk, with colours on or off as the options said. */
  readonly paint: ChalkInstance;
}

/**
 * The CLI's logger: info lines to stdout (for people, and for scripts that wait for "listening on"), warnings and
 * errors to stderr, each prefixed `agentws:`; colours only when asked.
 */
export function createCliLogger(options: CliLoggerOptions): CliLogger {
  const paint = new Chalk({ level: options.color ? 1 : 0 });
  const { level, stdout, stderr } = options;
  return {
    level,
    paint,
    debug(message) {
      if (level === 'verbose') stdout.write(paint.gray(message) + '\n');
    },
    info(message) {
      if (level !== 'quiet') stdout.write(message + '\n');
    },
    warn(message) {
      if (level !== 'quiet') stderr.write(paint.yellow(`agentws: warning: ${message}`) + '\n');
    },
    error(message) {
      stderr.write(paint.red(`agentws: error: ${message}`) + '\n');
    },
  };
}
