import { SessionLog } from './session-log.js';
import type { LogRead, SessionRecord, SessionStore } from './session-store.js';

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

/** The default store: every session of this process in memory. */
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

  create(id: string, tokenHash: Buffer): void {
    this.#entries.set(id, {
      record: { id, tokenHash, state: 'live' },
      log: new SessionLog(this.#maxLogBytes),
      timer: undefined,
    });
  }

  get(id: string): SessionRecord | undefined {
    return this.#entries.get(id)?.record;
  }

  append(id: string, seq: number, frame: string): void {
    this.#entries.get(id)?.log.append(seq, frame);
  }

  read(id: string, after: number): LogRead {
    const entry = this.#entries.get(id);
    if (!entry) return { status: this.#expired.has(id) ? 'expired' : 'unknown' };
    const frames = entry.log.after(after);
    return frames === undefined ? { status: 'evicted' } : { status: 'ok', frames, lastSeq: entry.log.lastSeq };
  }

  end(id: string, keepMs: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.record.state = 'ended';
    if (entry.timer) clearTimeout(entry.timer);
    if (keepMs <= 0) {
      this.#expire(id);
      return;
    }
    entry.timer = setTimeout(() => this.#expire(id), keepMs);
    entry.timer.unref();
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry?.timer) clearTimeout(entry.timer);
    this.#entries.delete(id);
  }

  close(): void {
    for (const entry of this.#entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.#entries.clear();
    this.#expired.clear();
  }

  #expire(id: string): void {
    this.delete(id);
    this.#expired.set(id, true);
    if (this.#expired.size > this.#maxExpired) {
      const oldest = this.#expired.keys().next().value;
      if (oldest !== undefined) this.#expired.delete(oldest);
    }
  }
}
