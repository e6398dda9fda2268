/**
 * Where sessions outlive their connections: each JSON session's event log (the encoded frames, by seq) and what a
 * resume needs to know of it. The seam between the server and its storage: the in-memory store is the default, and
 * other stores (Redis, for many instances) implement the same interface.
 */

/** What the store keeps of a session besides its log. */
export interface SessionRecord {
  readonly id: string;
  /** SHA-256 of the resume token: the token itself is never stored. */
  readonly tokenHash: Buffer;
  /** `live` while its run goes on, `ended` once its terminal event is in the log. */
  state: 'live' | 'ended';
}

/** The frames after a seq, or why they cannot be had. */
export type LogRead =
  | { status: 'ok'; frames: string[]; lastSeq: number }
  | { status: 'evicted' }
  | { status: 'unknown' }
  | { status: 'expired' };

/** A session store. Calls for a session that does not exist are ignored (reads say `unknown` or `expired`). */
export interface SessionStore {
  /** Starts a session's record and empty log. */
  create(id: string, tokenHash: Buffer): void;
  get(id: string): SessionRecord | undefined;
  /** Appends one encoded frame; seqs are given by the session, contiguous from 1. */
  append(id: string, seq: number, frame: string): void;
  /** Every frame with a seq above `after`, in order. */
  read(id: string, after: number): LogRead;
  /** The run ended: the record and log are kept `keepMs` more (for a late resume), then dropped. */
  end(id: string, keepMs: number): void;
  /** Drops a session at once (a fresh session discarded for a resume). */
  delete(id: string): void;
  /** Drops everything and stops timers. */
  close(): void;
}
