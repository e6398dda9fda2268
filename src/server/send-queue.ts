import type { Connection } from './connection.js';

/** Why a client was judged a slow consumer. */
export interface SlowConsumer {
  /** `stalled`: nothing delivered for `slowConsumerMs` while over the limit; `ceiling`: over the hard ceiling. */
  reason: 'stalled' | 'ceiling';
  /** Bytes not yet handed to the operating system at that moment. */
  unsent: number;
}

/** @internal Built by IOWebsockets for each connection. */
export interface SendQueueInit {
  /** Where the frames go; corked for a tick while frames are sent, so a burst of frames is one write. */
  connection: Connection;
  /** Unsent bytes above which a client that makes no progress for `slowConsumerMs` is dropped. */
  maxBufferedBytes: number;
  /** How long unsent data may stay above `maxBufferedBytes` with nothing delivered; 0 drops at once. */
  slowConsumerMs: number;
  /** Called once when the client is judged a slow consumer (the queue is emptied first). */
  onSlowConsumer: (slow: SlowConsumer) => void;
}

/** Unsent data past this many times `maxBufferedBytes` ends the session even while the client reads. */
export const CEILING_FACTOR = 32;
/** The queue tops the socket's buffer up to about this much, so progress shows at this grain and pings get through. */
const LOW_WATER = 256 * 1024;
/** Frames longer than this go out as websocket fragments of this many bytes (one huge write shows no progress). */
const FRAGMENT = 64 * 1024;
/**
 * A stall is this many checks in a row, `slowConsumerMs / STALL_CHECKS` apart, with nothing delivered: an event loop
 * blocked for longer than the window (a synchronous tool, a huge JSON.stringify) then counts once, not as a stall.
 */
const STALL_CHECKS = 3;

interface Queued {
  data: string | Buffer;
  bytes: number;
}

/**
 * The frames of one connection on their way out. Small frames go straight to the socket while it keeps up; the rest
 * wait here and are handed over as the socket drains, big ones in fragments. That makes delivery visible at a fine
 * grain, so a slow consumer is told apart from a reader that got a burst: the client is dropped only when its unsent
 * data stays above `maxBufferedBytes` for `slowConsumerMs` with nothing delivered, or passes the ceiling.
 */
export class SendQueue {
  readonly #init: SendQueueInit;
  readonly #conn: Connection;
  readonly #ceiling: number;
  readonly #queue: Queued[] = [];
  #head = 0;
  /** Bytes of the head frame already handed over (a fragmented frame in progress). */
  #offset = 0;
  #queuedBytes = 0;
  /** Our writes the socket has not completed yet. */
  #inFlight = 0;
  #corked = false;
  #disposed = false;
  /** Over the limit, or flushing: the stall checks run. */
  #watching = false;
  /** Something was delivered since the last check. */
  #progressed = false;
  /** Checks in a row that saw nothing delivered. */
  #quiet = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushWaiters: Array<() => void> = [];
  readonly #uncork = (): void => {
    this.#corked = false;
    this.#conn.uncork();
  };
  readonly #written = (error?: Error | null): void => this.#onWritten(error);

  constructor(init: SendQueueInit) {
    this.#init = init;
    this.#conn = init.connection;
    this.#ceiling = init.maxBufferedBytes * CEILING_FACTOR;
  }

  /** Bytes queued here or in the socket, not yet handed to the operating system. */
  get unsent(): number {
    return this.#queuedBytes + this.#conn.bufferedAmount;
  }

  /** Sends one text frame after those before it. Never throws; does nothing once the socket is closing. */
  send(frame: string): void {
    if (this.#disposed || !this.#conn.open) return;
    this.#cork();
    if (this.#head === this.#queue.length && frame.length <= FRAGMENT && this.#conn.bufferedAmount < LOW_WATER) {
      this.#write(frame);
    } else {
      const bytes = Buffer.byteLength(frame);
      this.#queue.push({ data: frame, bytes });
      this.#queuedBytes += bytes;
      this.#pump(false);
    }
    if (this.unsent > this.#init.maxBufferedBytes) this.#over();
  }

  /**
   * Resolves once everything sent so far reached the operating system, or the socket closed, or the client stopped
   * draining for `slowConsumerMs` (over the limit it is then dropped; under it the caller just goes on). Never rejects.
   */
  flushed(): Promise<void> {
    if (this.#drained()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#flushWaiters.push(resolve);
      this.#watch();
    });
  }

  /** Hands everything queued to the socket at once, e.g. before a close frame whose handshake has its own timeout. */
  flushNow(): void {
    this.#pump(true);
  }

  /** Drops what is queued and stops watching: the connection closed, or is about to be destroyed. Call it then. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#queue.length = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#queuedBytes = 0;
    this.#stopWatching();
    this.#resolveFlush();
  }

  #cork(): void {
    if (this.#corked) return;
    // One write (one syscall) for all frames of this tick: a model's network chunk holds many tokens.
    this.#corked = true;
    this.#conn.cork();
    process.nextTick(this.#uncork);
  }

  #write(data: string | Buffer, fin?: boolean): void {
    this.#inFlight += 1;
    this.#conn.send(data, fin, this.#written);
  }

  /** Hands queued frames to the socket while its buffer is below LOW_WATER (or all of them when `all`). */
  #pump(all: boolean): void {
    while (this.#head < this.#queue.length && (all || this.#conn.bufferedAmount < LOW_WATER)) {
      if (!this.#conn.open) return;
      this.#cork();
      const entry = this.#queue[this.#head]!;
      if (this.#offset === 0 && entry.data.length <= FRAGMENT) {
        this.#write(entry.data);
        this.#next(entry.bytes);
        continue;
      }
      // Fragments are cut from the UTF-8 bytes: a text message may split a character across fragments.
      if (typeof entry.data === 'string') entry.data = Buffer.from(entry.data, 'utf8');
      const end = Math.min(this.#offset + FRAGMENT, entry.data.length);
      const fin = end === entry.data.length;
      this.#write(entry.data.subarray(this.#offset, end), fin);
      this.#queuedBytes -= end - this.#offset;
      if (fin) this.#next(0);
      else this.#offset = end;
    }
  }

  #next(bytes: number): void {
    this.#queuedBytes -= bytes;
    this.#offset = 0;
    this.#head += 1;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #onWritten(error: Error | null | undefined): void {
    this.#inFlight -= 1;
    if (error || this.#disposed) return;
    this.#pump(false);
    if (!this.#watching) return;
    if (this.#flushWaiters.length > 0 && this.#drained()) {
      this.#stopWatching();
      this.#resolveFlush();
    } else if (this.#flushWaiters.length === 0 && this.unsent <= this.#init.maxBufferedBytes) {
      this.#stopWatching();
    } else {
      this.#progressed = true;
    }
  }

  /** Unsent data passed the limit: drop past the ceiling, else watch for progress. */
  #over(): void {
    const unsent = this.unsent;
    if (unsent > this.#ceiling) this.#drop('ceiling', unsent);
    else this.#watch();
  }

  /** Starts the stall checks: one timer while over the limit or flushing, none per send. */
  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    this.#progressed = false;
    this.#quiet = 0;
    if (this.#init.slowConsumerMs === 0) {
      this.#stalled();
      return;
    }
    this.#timer = setInterval(() => this.#check(), Math.max(1, Math.ceil(this.#init.slowConsumerMs / STALL_CHECKS)));
    this.#timer.unref();
  }

  #check(): void {
    if (this.#progressed) {
      this.#progressed = false;
      this.#quiet = 0;
    } else if (++this.#quiet >= STALL_CHECKS) {
      this.#stalled();
    }
  }

  /** Nothing was delivered for a whole window. */
  #stalled(): void {
    const unsent = this.unsent;
    if (unsent > this.#init.maxBufferedBytes) {
      this.#drop('stalled', unsent);
      return;
    }
    // Under the limit the client is not a slow consumer; a flush just stops waiting for it.
    this.#stopWatching();
    this.#resolveFlush();
  }

  #drop(reason: SlowConsumer['reason'], unsent: number): void {
    this.dispose();
    this.#init.onSlowConsumer({ reason, unsent });
  }

  #drained(): boolean {
    return this.#disposed || !this.#conn.open || (this.#head === this.#queue.length && this.#inFlight === 0);
  }

  #stopWatching(): void {
    this.#watching = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #resolveFlush(): void {
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
