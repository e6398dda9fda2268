import type { Redis } from 'ioredis';
import { StoreError } from '../errors.js';
import type { DurableSink } from './session-store.js';

/** How long to wait before writing again after Redis failed a batch. */
const RETRY_MS = 200;

/** One command to store, and the frame it stores (if any) to hand on once Redis acknowledged it. */
interface Op {
  writer: BatchWriter;
  args: string[];
  frame: string | undefined;
  seq: number;
  size: number;
}

/** Redis's answer to an `XADD` of an id it has: the frame was stored by an earlier try of the same batch. */
function alreadyStored(error: Error): boolean {
  return error.message.includes('equal or smaller than the target stream top item');
}

/** The append script's answer when the session's owner is another process (it took the run over). */
export const NOT_OWNER = 'NOTOWNER';

/** What {@link WriteBatcher} needs of its options. */
export interface WriteBatcherOptions {
  maxUnstoredBytes: number;
  unavailableMs: number;
}

/**
 * One session's writes through a {@link WriteBatcher}: commands in order, frames handed to the sink once stored.
 */
export class BatchWriter {
  readonly #batcher: WriteBatcher;
  readonly sink: DurableSink;
  /** Commands given and not yet stored. */
  unstored = 0;
  /** A command added after this writer's frames in each batch that stores some (e.g. a PUBLISH telling followers). */
  announce: ((lastSeq: number) => string[]) | undefined;
  /**
   * One command that stores several of this writer's frames at once (a script), replacing their own commands: one
   * call per session per batch rather than one per streamed token.
   */
  appendMany: ((frames: readonly { seq: number; frame: string }[]) => string[]) | undefined;
  failed = false;
  #waiters: (() => void)[] = [];

  constructor(batcher: WriteBatcher, sink: DurableSink) {
    this.#batcher = batcher;
    this.sink = sink;
  }

  /** A command that stores no frame (metadata, expiry). `size` counts toward the bound while Redis is away. */
  command(args: string[], size: number): void {
    this.#add(args, undefined, 0, size);
  }

  /** A command that stores `frame` (its seq given): the sink gets the frame once Redis acknowledged it. */
  append(args: string[], frame: string, seq: number): void {
    this.#add(args, frame, seq, frame.length);
  }

  /** Resolves once everything given so far is stored, or the writer failed. */
  flushed(): Promise<void> {
    if (this.unstored === 0 || this.failed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** @internal The batcher stored `count` of this writer's commands. */
  stored(count: number): void {
    this.unstored -= count;
    if (this.unstored === 0) this.#wake();
  }

  /** @internal The batcher gave up on this writer's commands. */
  fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.unstored = 0;
    this.#wake();
    this.sink.failed(error);
  }

  /** @internal Redis refused this writer's frames: another process owns its session now. */
  lose(): void {
    if (this.failed) return;
    this.failed = true;
    this.unstored = 0;
    this.#wake();
    if (this.sink.lost) this.sink.lost();
    else this.sink.failed(new StoreError('STORE_UNAVAILABLE', 'Another process runs this session now.'));
  }

  #add(args: string[], frame: string | undefined, seq: number, size: number): void {
    if (this.failed) return;
    this.unstored += 1;
    this.#batcher.enqueue({ writer: this, args, frame, seq, size });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Write-ahead batching: the commands of one tick (every session's) go to Redis in one pipelined round trip, one batch
 * at a time; once Redis acknowledged a batch, its frames go on to their sessions' sinks in order. So the hot path
 * (one frame per streamed token) pays no round trip of its own, and no client ever sees a frame Redis does not hold.
 *
 * A failed batch is retried (every command is idempotent: frames are added with their seq as the Stream id). While
 * Redis is away, commands wait; once they pass `maxUnstoredBytes`, or Redis stayed away `unavailableMs`, the
 * sessions with commands waiting are failed (their sinks told) and their commands dropped.
 */
export class WriteBatcher {
  readonly #redis: Redis;
  readonly #options: WriteBatcherOptions;
  #pending: Op[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #inFlight = false;
  /** When the first failed batch of the current outage was written. */
  #downSince: number | undefined;
  #retry: NodeJS.Timeout | undefined;
  #idle: (() => void)[] = [];

  constructor(redis: Redis, options: WriteBatcherOptions) {
    this.#redis = redis;
    this.#options = options;
  }

  writer(sink: DurableSink): BatchWriter {
    return new BatchWriter(this, sink);
  }

  /** @internal Called by {@link BatchWriter}. */
  enqueue(op: Op): void {
    this.#pending.push(op);
    this.#pendingBytes += op.size;
    if (this.#downSince !== undefined && this.#pendingBytes > this.#options.maxUnstoredBytes) {
      this.#giveUp(
        `more than ${this.#options.maxUnstoredBytes} characters of events waited for Redis, the limit`,
        undefined,
      );
      return;
    }
    this.#schedule();
  }

  /** Resolves once nothing waits to be written, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.#pending.length === 0 && !this.#inFlight) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#idle.push(done);
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight || this.#retry !== undefined) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#inFlight || this.#pending.length === 0) {
      this.#wakeIdle();
      return;
    }
    const batch = this.#pending;
    const batchBytes = batch.reduce((sum, op) => sum + op.size, 0);
    this.#pending = [];
    this.#pendingBytes -= batchBytes;
    this.#inFlight = true;
    let failure: Error | undefined;
    try {
      const { commands, writers } = WriteBatcher.#commands(batch);
      const results = await this.#redis.pipeline(commands).exec();
      if (!results) failure = new Error('the pipeline was aborted');
      else {
        for (const [index, [error]] of results.entries()) {
          if (!error || alreadyStored(error)) continue;
          if (error.message.startsWith(NOT_OWNER)) writers[index]?.lose();
          else {
            failure = error;
            break;
          }
        }
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    this.#inFlight = false;
    if (failure) {
      const again = batch.filter((op) => !op.writer.failed);
      this.#pending = again.concat(this.#pending);
      this.#pendingBytes += again.reduce((sum, op) => sum + op.size, 0);
      this.#failed(failure);
      return;
    }
    this.#downSince = undefined;
    const counts = new Map<BatchWriter, number>();
    for (const op of batch) {
      if (op.writer.failed) continue;
      counts.set(op.writer, (counts.get(op.writer) ?? 0) + 1);
      if (op.frame !== undefined) op.writer.sink.durable(op.frame, op.seq);
    }
    for (const [writer, count] of counts) writer.stored(count);
    if (this.#pending.length > 0) this.#schedule();
    else this.#wakeIdle();
  }

  /**
   * The batch's commands, by writer (the order of each writer's commands kept; sessions are independent), each run of
   * a writer's frames in one command when it has `appendMany`, its announcement after its last frame; and the writer
   * of each command.
   */
  static #commands(batch: readonly Op[]): { commands: string[][]; writers: (BatchWriter | undefined)[] } {
    const byWriter = new Map<BatchWriter, Op[]>();
    for (const op of batch) {
      const ops = byWriter.get(op.writer);
      if (ops) ops.push(op);
      else byWriter.set(op.writer, [op]);
    }
    const commands: string[][] = [];
    const writers: (BatchWriter | undefined)[] = [];
    for (const [writer, ops] of byWriter) {
      let run: { seq: number; frame: string }[] = [];
      const endRun = (): void => {
        if (run.length === 0) return;
        commands.push(writer.appendMany!(run));
        writers.push(writer);
        run = [];
      };
      let lastSeq: number | undefined;
      for (const op of ops) {
        if (op.frame !== undefined) lastSeq = op.seq;
        if (op.frame !== undefined && writer.appendMany) {
          run.push({ seq: op.seq, frame: op.frame });
          continue;
        }
        endRun();
        commands.push(op.args);
        writers.push(writer);
      }
      endRun();
      if (lastSeq !== undefined && writer.announce) {
        commands.push(writer.announce(lastSeq));
        writers.push(undefined);
      }
    }
    return { commands, writers };
  }

  #failed(error: Error): void {
    const now = Date.now();
    this.#downSince ??= now;
    if (now - this.#downSince >= this.#options.unavailableMs) {
      this.#giveUp(`Redis did not take writes for ${this.#options.unavailableMs} ms`, error);
      return;
    }
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#schedule();
    }, RETRY_MS);
    this.#retry.unref();
  }

  /** Fails every writer with commands waiting, drops those commands, and starts over. */
  #giveUp(why: string, cause: Error | undefined): void {
    const detail = cause ? ` (last error: ${cause.message})` : '';
    const error = new StoreError(
      'STORE_UNAVAILABLE',
      `The session store failed: ${why}${detail}. The events not yet stored are lost.`,
      { cause },
    );
    const writers = new Set(this.#pending.map((op) => op.writer));
    this.#pending = [];
    this.#pendingBytes = 0;
    // Writes given from now on get a whole window of their own.
    this.#downSince = undefined;
    for (const writer of writers) writer.fail(error);
    this.#wakeIdle();
  }

  #wakeIdle(): void {
    if (this.#pending.length > 0 || this.#inFlight) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const done of idle) done();
  }
}
