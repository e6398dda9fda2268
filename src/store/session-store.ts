/**
 * Where sessions outlive their connections: each JSON session's event log (the encoded frames, by seq) and what a
 * resume needs to know of it. The seam between the server and its storage: the in-memory store is the default, and
 * the Redis store (`RedisSessionStore`) lets a session outlive its process and be resumed through any instance.
 *
 * Writes are write-ahead: a frame reaches a client only once the store holds it. The in-memory store holds a frame the
 * moment it is appended; the Redis store batches a tick's frames into one pipelined round trip and then hands them on.
 */

import type { JournalEntry } from '../io/run-journal.js';
import type { LlmCache } from '../llm/cache/llm-cache.js';

/** What the store keeps of a session besides its log. */
export interface SessionRecord {
  readonly id: string;
  /** SHA-256 of the resume token: the token itself is never stored. */
  readonly tokenHash: Buffer;
  /** `live` while its run goes on, `ended` once its terminal event is in the log. */
  state: 'live' | 'ended';
  /** Ids of the run's input requests waiting for an answer, as the run last stored them (shared stores). */
  pendingInputs?: readonly string[];
  /** How the run closed its client's connection, once ended (shared stores). */
  closeCode?: number;
}

/** A client's frame for its session's run, which may be on another instance. */
export type RunCommand =
  | { type: 'input_response'; id: string; value: string }
  | { type: 'text'; value: string }
  | { type: 'cancel' }
  /** A connection on another instance resumed the session (`view` names it): it holds the session now. */
  | { type: 'attach'; view: string }
  /** That connection closed: the session is detached again. */
  | { type: 'detach'; view: string };

/** What a connection following a run on another instance is told. */
export type FollowNote =
  /** Frames up to `lastSeq` are stored. */
  | { type: 'stored'; lastSeq: number }
  /** The run ended; its terminal event is stored; close the client's connection with `closeCode`. */
  | { type: 'ended'; closeCode: number }
  /** Another connection took the session over from the connection `view`. */
  | { type: 'taken'; view: string }
  /** Another process took the run over (its first died or restarted): say again that you hold the session. */
  | { type: 'restarted' };

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
  /** Another process runs the session now (it took the run over): nothing more of this run is stored. */
  lost?(): void;
  /**
   * A client's frame sent through another instance (shared stores). `backlog`: sent before this run started (kept in
   * the session's inbox), possibly to a process that ran it before.
   */
  command?(command: RunCommand, backlog: boolean): void;
}

/** A session's handle on its record and log, held by the run that writes it. */
export interface SessionWriter {
  /** Appends one encoded frame; seqs are given by the session, contiguous from 1. */
  append(seq: number, frame: string): void;
  /** Resolves once every frame appended so far is stored (or the writer failed). */
  flushed(): Promise<void>;
  /** Appends a step to the run's journal (durable runs), after the frames appended so far. */
  record(entry: JournalEntry): void;
  /** The run's input requests waiting for an answer changed (shared stores keep them for other instances). */
  pending(ids: readonly string[]): void;
  /** Tells the connections following the run from other instances (a takeover of one of them, a restarted run). */
  note(note: FollowNote): void;
  /**
   * The run ended and closed its client with `closeCode`: the record and log are kept `keepMs` more (for a late
   * resume), then dropped.
   */
  end(keepMs: number, closeCode?: number): void;
  /** Drops the session at once (a fresh session discarded for a resume). */
  discard(): void;
}

/** What an instance that runs durable sessions is told by the store's leases. */
export interface LeaseOwner {
  /** How many more runs this instance takes now. */
  capacity(): number;
  /** Runs this instance just claimed (their process died, or gave them back): take them over. */
  claimed(ids: string[]): void;
  /** Runs whose lease this instance lost (another took them while it was stalled): stop them here. */
  lost(ids: string[]): void;
}

/** The leases of durable runs in a shared store. */
export interface RunOwnership {
  /** Starts renewing this instance's leases and taking over lapsed runs. */
  start(owner: LeaseOwner): void;
  /** Stops renewing and scanning. */
  stop(): void;
  /** Gives runs back at once (a restart): another instance takes them over now. */
  release(ids: readonly string[]): Promise<void>;
}

/** A session store. Reads of a session that does not exist say `unknown` or `expired`. */
export interface SessionStore {
  /**
   * Starts a session's record and empty log; its frames reach `sink` once stored. Without `tokenHash`, takes over the
   * session's existing record and log (shared stores: a run taken over from another process).
   */
  create(id: string, tokenHash: Buffer | undefined, sink: DurableSink): SessionWriter;
  get(id: string): Promise<SessionRecord | undefined>;
  /** Every frame with a seq above `after`, in order. */
  read(id: string, after: number): Promise<LogRead>;
  /**
   * Shared stores (Redis): follows a session whose run is on another instance. `listener` gets a note for each batch
   * stored, the run's end, and takeovers; resolves once following (no later note is missed) with a function that stops.
   */
  follow?(id: string, listener: (note: FollowNote) => void): Promise<() => void>;
  /**
   * Shared stores: everything a process needs to take a session's run over, or undefined when the session is gone:
   * its frames by seq (index 0 is seq 1; undefined for frames trimmed from the log) and its journal.
   */
  loadRun?(id: string): Promise<{ frames: (string | undefined)[]; journal: JournalEntry[] } | undefined>;
  /**
   * Shared stores: starts a session that another instance runs (a front-only instance): its record, its first frame
   * (seq 1, the session event, without the token) and a run lease any instance may claim now.
   */
  dispatch?(id: string, tokenHash: Buffer, sessionFrame: string): Promise<void>;
  /** Shared stores: who runs each durable session, and the takeover of runs whose process died or restarted. */
  readonly runs?: RunOwnership;
  /** Shared stores: the cache of model replies for `llmConfig.cacheSeed`, shared by every instance. */
  llmCache?(seed: string): LlmCache;
  /** Shared stores: sends a client's command to the session's run, wherever it runs. */
  command?(id: string, command: RunCommand): void;
  /** Resolves when the store answers now (for readiness checks); rejects with `STORE_UNAVAILABLE` when it does not. */
  ping(): Promise<void>;
  /** Drops (memory) or lets go of (Redis) everything, and stops timers. */
  close(): Promise<void>;
}
