import { CommanderError } from 'commander';
import { AgentwsError } from '../errors.js';

/**
 * The exit codes of `agentws`, stable for shell scripts (listed in docs/cli.md and the README).
 * 0–6 can come from any command; 10–14 from `agentws connect`; 130 when a second Ctrl-C stops at once.
 */
export const ExitCode = {
  /** The command finished normally (`serve`: stopped by SIGINT/SIGTERM; `connect`: the run completed). */
  OK: 0,
  /** An unexpected internal error (a bug: please report it with the output of --verbose). */
  INTERNAL: 1,
  /** Usage error: unknown flag, bad flag value, missing or extra argument, no message to send. */
  USAGE: 2,
  /** Config error: the config list is missing, unreadable or invalid, no model is configured, or the filter matched nothing. */
  CONFIG: 3,
  /** `serve` cannot listen: the port is in use, or the address cannot be bound. */
  LISTEN: 4,
  /** `serve --on-connect`: the module was not found, failed to load, or exports no onConnect function. */
  MODULE: 5,
  /** `serve --store`: the store (Redis) cannot be reached at start. */
  STORE: 6,
  /**
   * `connect` cannot connect: refused, host not found, or the server refused the upgrade (401, 403, 503...); or the
   * connection dropped and could not be resumed within the server's resume window.
   */
  CANNOT_CONNECT: 10,
  /** `connect` timed out: no frame from the server for --timeout seconds. */
  TIMED_OUT: 11,
  /** `connect`: the server reported a fatal error or closed the connection abnormally (1011, 1006, 1008...). */
  SERVER_ERROR: 12,
  /** `connect`: the run was stopped before it completed (cancelled, server shutdown, input timeout). */
  STOPPED: 13,
  /**
   * `connect`: the connection dropped and the server could not resume the session (it no longer knows it, its missed
   * events no longer fit the server's log, or it refused the resume token), or another connection took it over.
   */
  SESSION_LOST: 14,
  /** A second Ctrl-C: stopped at once (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A CLI outcome with its exit code and a message for stderr. Thrown by command actions and mapped to the process's
 * exit code in one place (`main.ts`). It is control flow of the CLI, not a library error: the library throws
 * {@link AgentwsError}s, whose codes {@link exitCodeFor} maps.
 */
export class ExitError extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(exitCode: ExitCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** The exit code for an error that reached the top of the CLI. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  if (error instanceof AgentwsError) {
    switch (error.code) {
      case 'CONFIG_NOT_FOUND':
      case 'CONFIG_INVALID':
      case 'CONFIG_EMPTY':
        return ExitCode.CONFIG;
      case 'PORT_IN_USE':
      case 'LISTEN_FAILED':
        return ExitCode.LISTEN;
      case 'MODULE_INVALID':
        return ExitCode.MODULE;
      case 'STORE_UNAVAILABLE':
        return ExitCode.STORE;
      case 'OPTION_INVALID':
        return ExitCode.USAGE;
      default:
        return ExitCode.INTERNAL;
    }
  }
  return ExitCode.INTERNAL;
}
