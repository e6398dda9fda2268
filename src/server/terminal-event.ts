import type { AgentEvent, ChatEndEvent, TerminationReason } from '../protocol/events.js';
import type { SessionOutcome } from './session.js';

/**
 * The terminal event of a run that ended with `outcome`: `run_completion` (fields from the last chat, `last`),
 * `termination` for a run stopped from outside, or none (a fatal error sent its own, a broken rule closed the socket,
 * nobody is left to tell).
 */
export function terminalEvent(
  outcome: SessionOutcome,
  last: ChatEndEvent['content'] | undefined,
): AgentEvent | undefined {
  const termination = (reason: TerminationReason, text: string): AgentEvent => ({
    type: 'termination',
    content: { reason, termination_reason: text },
  });
  switch (outcome) {
    case 'completed': {
      return {
        type: 'run_completion',
        content: {
          summary: last?.summary ?? null,
          history_length: last?.history.length ?? 0,
          cost: last?.cost ?? null,
          last_speaker: last?.history.at(-1)?.name ?? null,
          termination_reason: last?.termination_reason ?? null,
        },
      };
    }
    case 'cancelled':
      return termination('cancelled', 'The client cancelled the run.');
    case 'shutdown':
      return termination('shutdown', 'The server is shutting down.');
    case 'input_timeout':
      return termination('input_timeout', 'No answer to an input request in time.');
    default:
      return undefined;
  }
}
