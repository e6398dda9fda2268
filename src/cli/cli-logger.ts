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

/** Writes lines to a stream until it fails (its reader went away: EPIPE), then drops them; `onGone` runs once. */
function lineWriter(stream: CliOutput, onGone: (error: NodeJS.ErrnoException) => void): (line: string) => void {
  let gone = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (gone) return;
    gone = true;
    onGone(error);
  });
  return (line) => {
    const { destroyed } = stream as { destroyed?: boolean };
    if (!gone && destroyed !== true) stream.write(line + '\n');
  };
}

/**
 * The CLI's logger: info lines to stdout (for people, and for scripts that wait for "listening on"), warnings and
 * errors to stderr, each prefixed `agentws:`; colours only when asked. When the reader of one stream goes away, the
 * logger stops writing there and says so once on the other: a server must not stop, or crash, because a log pipe
 * closed.
 */
export function createCliLogger(options: CliLoggerOptions): CliLogger {
  const paint = new Chalk({ level: options.color ? 1 : 0 });
  const { level } = options;
  const gone = (name: string, error: NodeJS.ErrnoException): string =>
    `standard ${name} went away (${error.code ?? error.message}); still running, no longer writing to it`;
  const out = lineWriter(options.stdout, (error) => logger.warn(gone('output', error)));
  const err = lineWriter(options.stderr, (error) =>
    logger.info(paint.yellow(`agentws: warning: ${gone('error', error)}`)),
  );
  const logger: CliLogger = {
    level,
    paint,
    debug(message) {
      if (level === 'verbose') out(paint.gray(message));
    },
    info(message) {
      if (level !== 'quiet') out(message);
    },
    warn(message) {
      if (level !== 'quiet') err(paint.yellow(`agentws: warning: ${message}`));
    },
    error(message) {
      err(paint.red(`agentws: error: ${message}`));
    },
  };
  return logger;
}
