import type { ResumeFrame } from '../protocol/events.js';
import type { SessionStore } from '../store/session-store.js';
import type { SessionObserver } from '../observability/session-observer.js';
import type { Connection } from './connection.js';
import type { InputTimeoutAction, IOWebsockets } from './io-websockets.js';
import type { Logger } from './logger.js';
import type { Redactor } from './redact.js';
import type { Session } from './session.js';

/** What runs for every connection. */
export type OnConnect = (iostream: IOWebsockets) => unknown;

/** How a session ended (logged by `agentws serve`, given to `session-end` listeners). */
export type SessionOutcome =
  | 'completed'
  | 'cancelled'
  | 'input_timeout'
  | 'shutdown'
  | 'disconnected'
  | 'error'
  | 'rate_limited'
  | 'slow_consumer'
  | 'invalid_data'
  | 'message_too_big'
  | 'protocol_error'
  | 'unresponsive'
  | 'abandoned'
  | 'superseded'
  | 'store_unavailable'
  | 'moved';

/** @internal Limits and behaviour every session of an endpoint shares. */
export interface SessionSettings {
  onConnect: OnConnect;
  logger: Logger;
  maxMessageSize: number;
  maxFramesPerSecond: number;
  inputTimeoutMs: number | null;
  inputTimeoutAction: InputTimeoutAction;
  maxBufferedBytes: number;
  slowConsumerMs: number;
  /** How long a JSON session's run goes on without a connection, waiting for a resume; 0 aborts at once. */
  resumeWindowMs: number;
  /** Keeps the log of resumable sessions. */
  store: SessionStore;
  /** A connection's first frame asks to resume a session (handled by the endpoint, which knows them all). */
  onResume: (frame: ResumeFrame, connection: Connection, fresh: Session) => void;
  /** Told of detaches, resumes and refused frames (the server's metrics). */
  observer: SessionObserver;
  /** Scrubs secrets from error events and log lines. */
  redact: Redactor;
  /** Whether agents may run code (each session's `iostream.allowsCodeExecution`). [false] */
  allowCodeExecution?: boolean;
}
