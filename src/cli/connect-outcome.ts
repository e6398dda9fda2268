import type { AgentEvent } from '../protocol/events.js';
import type { ExitCodeValue } from './exit-codes.js';
import { ExitCode } from './exit-codes.js';

/** How an `agentws connect` run ended: the exit code and, when not 0, why. */
export interface Outcome {
  code: ExitCodeValue;
  message?: string;
}

const CLOSE_NAMES: Record<number, string> = {
  1001: 'going away',
  1006: 'connection lost without a close frame',
  1007: 'invalid data',
  1008: 'policy violation',
  1009: 'message too big',
  1011: 'internal server error',
  1013: 'try again later',
  4001: 'the session was resumed by another connection',
};

/** The outcome a terminal event (`run_completion`, `termination`, fatal `error`) gives. */
export function outcomeOfTerminal(event: AgentEvent): Outcome {
  if (event.type === 'termination') {
    return {
      code: ExitCode.STOPPED,
      message: `The run was stopped (${event.content.reason}): ${event.content.termination_reason}`,
    };
  }
  if (event.type === 'error') {
    return { code: ExitCode.SERVER_ERROR, message: `The server reported an error: ${event.content.error}` };
  }
  return { code: ExitCode.OK };
}

/** The outcome of a close that ended the run before any terminal event. */
export function outcomeOfClose(code: number, reason: string, lastError: string | undefined): Outcome {
  if (code === 1000 || code === 1005) return { code: ExitCode.OK };
  const why = `${code} ${CLOSE_NAMES[code] ?? 'unexpected close code'}${reason ? `: ${reason}` : ''}`;
  if (code === 1001) return { code: ExitCode.STOPPED, message: `The server closed the connection (${why}).` };
  if (code === 4001) {
    return { code: ExitCode.SESSION_LOST, message: `The server closed the connection (${why}).` };
  }
  const detail = lastError ? ` (${lastError})` : '';
  return { code: ExitCode.SERVER_ERROR, message: `The server closed the connection abnormally (${why})${detail}.` };
}
