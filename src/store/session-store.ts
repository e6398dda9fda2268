/**
 * Where sessions outlive their connections: each JSON session's event log (the encoded frames, by seq) and what a
 * resume needs to know of it. The seam between the server and its storage: the in-memory store is the default, and
 * the Redis store (`RedisSessionStore`) lets a session outlive its process and be resumed through any instance.
 *
 * Writes are write-ahead: a frame reaches a client only once the store holds it. The in-memory store holds a frame the
 * moment it is appended; the Redis store batches a tick's frames into one pipelined round trip and then hands them on.
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

/** Where a session's frames go once the store holds them, in the order they were appended. */
export interface DurableSink {
  /** The frame with that seq is stored: it may go to clients now. */
  durable(frame: string, seq: number): void;
  /**
   * The store cannot take this session's frames any more (Redis went away for longer than its buffer allows): the
   * frames not yet stored are lost, and the session must end.
   */
  failed(error: Error): void;
}

/** A session's handle on its record and log, held by the run that writes it. */
export interface SessionWriter {
  /** Appends one encoded frame; seqs are given by the session, contiguous from 1. */
  append(seq: number, frame: string): void;
  /** Resolves once every frame appended so far is stored (or the writer failed). */
  flushed(): Promise<void>;
  /** The run ended: the record and log are kept `keepMs` more (for a late resume), then dropped. */
  end(keepMs: number): void;
  /** Drops the session at once (a fresh session discarded for a resume). */
  discard(): void;
}

/** A session store. Reads of a session that does not exist say `unknown` or `expired`. */
export interface SessionStore {
  /** Starts a session's record and empty log; its frames reach `sink` once stored. */
  create(id: string, tokenHash: Buffer, sink: DurableSink): SessionWriter;
  get(id: string): Promise<SessionRecord | undefined>;
  /** Every frame with a seq above `after`, in order. */
  read(id: string, after: number): Promise<LogRead>;
  /** Resolves when the store answers now (for readiness checks); rejects with `STORE_UNAVAILABLE` when it does not. */
  ping(): Promise<void>;
  /** Drops (memory) or lets go of (Redis) everything, and stops timers. */
  close(): Promise<void>;
}
