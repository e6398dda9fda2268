import type { SessionEvent } from '../protocol/events.js';
import { VERSION } from '../version.js';
import type { SessionSettings } from './session-settings.js';

/**
 * A session's first event (seq 1): its id, the protocol, the server, its limits, and what a resume needs (the token
 * and window of a resumable session; null and 0 otherwise).
 */
export function sessionEvent(
  id: string,
  settings: Pick<SessionSettings, 'maxMessageSize' | 'inputTimeoutMs' | 'resumeWindowMs'>,
  resumeToken: string | null,
): SessionEvent {
  return {
    type: 'session',
    content: {
      id,
      protocol: 'agentws.v1',
      server: { name: 'agentws', version: VERSION },
      limits: { max_message_size: settings.maxMessageSize, input_timeout_ms: settings.inputTimeoutMs },
      resume_token: resumeToken,
      resume_window_ms: resumeToken === null ? 0 : settings.resumeWindowMs,
    },
  };
}
