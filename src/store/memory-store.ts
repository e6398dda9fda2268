import { SessionLog } from './session-log.js';
import type { DurableSink, LogRead, SessionRecord, SessionStore, SessionWriter } from './session-store.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Bytes of frames kept per session; older frames are dropped past it. [8 MiB] */
  maxLogBytes?: number;
  /** Ids of dropped sessions remembered, so a late resume is told `expired` rather than `unknown`. [10000] */
  maxExpired?: number;
}

interface Entry {
  record: SessionRecord;
  log: SessionLog;
  timer: NodeJS.Timeout | undefined;
}

/** The default store: every session of this process in memory. A frame is stored the moment it is appended. */
export class MemorySessionStore implements SessionStore {
  readonly #maxLogBytes: number;
  readonly #maxExpired: number;
  readonly #entries = new Map<string, Entry>();
  /** Ids dropped after their keep time, oldest first (a Map keeps insertion order). */
  readonly #expired = new Map<string, true>();

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#maxLogBytes = options.maxLogBytes ?? 8 * 1024 * 1024;
    this.#maxExpired = options.maxExpired ?? 10_000;
  }

  /** Sessions held now (live, or ended and kept for a late resume). */
  get size(): number {
    return this.#entries.size;
  }

  create(id: string, tokenHash: Buffer, sink: DurableSink): SessionWriter {
    const entry: Entry = {
      record: { id, tokenHash, state: 'live' },
      log: new SessionLog(this.#maxLogBytes),
      timer: undefined,
    };
    this.#entries.set(id, entry);
    const stored = Promise.resolve();
    return {
      append: (seq, frame) => {
        entry.log.append(seq, frame);
        sink.durable(frame, seq);
      },
      flushed: () => stored,
      // One process: the run's own session knows its pending inputs and its connections.
      pending: () => {},
      taken: () => {},
      end: (keepMs) => this.#end(entry, keepMs),
      discard: () => this.#delete(entry),
    };
  }

  get(id: string): Promise<SessionRecord | undefined> {
    return Promise.resolve(this.#entries.get(id)?.record);
  }

  read(id: string, after: number): Promise<LogRead> {
    const entry = this.#entries.get(id);
    if (!entry) return Promise.resolve({ status: this.#expired.has(id) ? 'expired' : 'unknown' });
    const frames = entry.log.after(after);
    return Promise.resolve(
      frames === undefined ? { status: 'evicted' } : { status: 'ok', frames, lastSeq: entry.log.lastSeq },
    );
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    for (const entry of this.#entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.#entries.clear();
    this.#expired.clear();
    return Promise.resolve();
  }

  #end(entry: Entry, keepMs: number): void {
    if (this.#entries.get(entry.record.id) !== entry) return;
    entry.record.state = 'ended';
    if (entry.timer) clearTimeout(entry.timer);
    if (keepMs <= 0) {
      this.#expire(entry);
      return;
    }
    entry.timer = setTimeout(() => this.#expire(entry), keepMs);
    entry.timer.unref();
  }

  #delete(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    if (this.#entries.get(entry.record.id) === entry) this.#entries.delete(entry.record.id);
  }

  #expire(entry: Entry): void {
    this.#delete(entry);
    this.#expired.set(entry.record.id, true);
    if (this.#expired.size > this.#maxExpired) {
      const oldest = this.#expired.keys().next().value;
      if (oldest !== undefined) this.#expired.delete(oldest);
    }
  }
}
