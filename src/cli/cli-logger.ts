import { Chalk, type ChalkInstance } from 'chalk';
import { pino, stdTimeFunctions, type Logger as Pino } from 'pino';
import type { LogFields, Logger } from '../server/logger.js';
import type { CliOutput } from './cli-io.js';

/** How much `agentws serve` prints: `quiet` errors only, `normal` adds what happens, `verbose` adds details. */
export type LogLevel = 'quiet' | 'normal' | 'verbose';

/** How lines look: `text` for people (`agentws: warning: ...`), `json` one object per line for log collectors. */
export type LogFormat = 'text' | 'json';

/** Options of {@link createCliLogger}. */
export interface CliLoggerOptions {
  level: LogLevel;
  /** Info and debug lines. */
  stdout: CliOutput;
  /** Warnings and errors. */
  stderr: CliOutput;
  color: boolean;
  /** ['text'] */
  format?: LogFormat;
}

/** A {@link Logger} for the terminal, plus the colour functions its lines use. */
export interface CliLogger extends Logger {
  readonly level: LogLevel;
  /** chalk, with colours on or off as the options said. */
  readonly paint: ChalkInstance;
}

/** Writes to a stream until it fails (its reader went away: EPIPE), then drops the text; `onGone` runs once. */
function streamWriter(stream: CliOutput, onGone: (error: NodeJS.ErrnoException) => void): (text: string) => void {
  let gone = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (gone) return;
    gone = true;
    onGone(error);
  });
  return (text) => {
    const { destroyed } = stream as { destroyed?: boolean };
    if (!gone && destroyed !== true) stream.write(text);
  };
}

function goneMessage(name: string, error: NodeJS.ErrnoException): string {
  return `standard ${name} went away (${error.code ?? error.message}); still running, no longer writing to it`;
}

/**
 * The CLI's logger: info lines to stdout (for people, and for scripts that wait for "listening on"), warnings and
 * errors to stderr; in text, each prefixed `agentws:`, colours only when asked; in JSON, one object per line with
 * `level`, `time`, `msg` and the line's fields (`session`, `outcome`, `duration_ms`). When the reader of one stream
 * goes away, the logger stops writing there and says so once on the other: a server must not stop, or crash,
 * because a log pipe closed.
 */
export function createCliLogger(options: CliLoggerOptions): CliLogger {
  return options.format === 'json' ? jsonLogger(options) : textLogger(options);
}

function textLogger(options: CliLoggerOptions): CliLogger {
  const paint = new Chalk({ level: options.color ? 1 : 0 });
  const { level } = options;
  const toOut = streamWriter(options.stdout, (error) => logger.warn(goneMessage('output', error)));
  const toErr = streamWriter(options.stderr, (error) =>
    logger.info(paint.yellow(`agentws: warning: ${goneMessage('error', error)}`)),
  );
  const out = (line: string): void => toOut(line + '\n');
  const err = (line: string): void => toErr(line + '\n');
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

const PINO_LEVELS: Record<LogLevel, string> = { quiet: 'error', normal: 'info', verbose: 'debug' };

/**
 * JSON lines through pino, written synchronously to the CLI's streams (through the same writers as text, so a closed
 * pipe is handled the same way). Messages are trimmed: the text banner's indentation means nothing in JSON.
 */
function jsonLogger(options: CliLoggerOptions): CliLogger {
  const settings = {
    level: PINO_LEVELS[options.level],
    base: undefined,
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const out: Pino = pino(settings, {
    write: streamWriter(options.stdout, (error) => logger.warn(goneMessage('output', error))),
  });
  const err: Pino = pino(settings, {
    write: streamWriter(options.stderr, (error) => logger.info(goneMessage('error', error))),
  });
  const line = (to: Pino, method: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) =>
    to[method]({ ...fields }, message.trim());
  const logger: CliLogger = {
    level: options.level,
    paint: new Chalk({ level: 0 }),
    debug: line(out, 'debug'),
    info: line(out, 'info'),
    warn: line(err, 'warn'),
    error: line(err, 'error'),
  };
  return logger;
}
