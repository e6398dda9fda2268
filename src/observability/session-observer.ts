import type { ResumeFailure } from '../protocol/events.js';

/**
 * What sessions tell an observer (the server's metrics) besides how they start and end, which the endpoint's
 * `session-start` and `session-end` events say. Called where the session logs the same thing; each call is cheap and
 * must not throw.
 */
export interface SessionObserver {
  /** A JSON session's connection dropped; its run goes on, waiting for a resume. */
  detached(sessionId: string): void;
  /** A connection resumed the session (a running one, or an ended one whose log is replayed). */
  resumed(sessionId: string): void;
  /** A resume was refused, and why. */
  resumeRefused(reason: ResumeFailure): void;
  /**
   * A client frame was refused without ending the session (a `PROTOCOL_ERROR` event: not JSON, an unknown type, an
   * answer to no pending input request, a misplaced resume). Frames that end the session show in its outcome.
   */
  frameRejected(reason: 'invalid_frame'): void;
}

/** Observes nothing: the default. */
export const noopSessionObserver: SessionObserver = {
  detached: () => {},
  resumed: () => {},
  resumeRefused: () => {},
  frameRejected: () => {},
};

/** An observer that tells both `first` and `second`. */
export function bothObservers(first: SessionObserver, second: SessionObserver): SessionObserver {
  return {
    detached: (sessionId) => {
      first.detached(sessionId);
      second.detached(sessionId);
    },
    resumed: (sessionId) => {
      first.resumed(sessionId);
      second.resumed(sessionId);
    },
    resumeRefused: (reason) => {
      first.resumeRefused(reason);
      second.resumeRefused(reason);
    },
    frameRejected: (reason) => {
      first.frameRejected(reason);
      second.frameRejected(reason);
    },
  };
}
