import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { StoreError } from '../errors.js';
import type {
  DurableSink,
  FollowNote,
  LogRead,
  RunCommand,
  SessionRecord,
  SessionStore,
  SessionWriter,
} from './session-store.js';
import { describeRedisUrl, parseRedisUrl } from './redis-url.js';
import { WriteBatcher } from './write-batcher.js';
import { APPEND_SCRIPTS, createRedisWriter } from './redis-session-writer.js';
import { RunLeases } from './run-leases.js';
import { INBOX, parseNote, parsePending } from './store-messages.js';
import { RedisChannels } from './redis-channels.js';
import { RedisLlmCache } from './redis-cache.js';
import type { LlmCache } from '../llm/cache/llm-cache.js';
import type { JournalEntry } from '../io/run-journal.js';

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** Prefix of every key, so that several deployments can share one Redis. [the URL's `?prefix=`, else 'agentws:'] */
  keyPrefix?: string;
  /** Events kept per session's Stream (`XADD … MAXLEN ~`); older ones are trimmed (a resume then fails). [100000] */
  maxLogEvents?: number;
  /** Characters of frames held while Redis is away; past it, the sessions writing them end. [16 Mi] */
  maxUnstoredBytes?: number;
  /** How long Redis may be away before the sessions with frames not yet stored end, in ms. [10 s] */
  unavailableMs?: number;
  /**
   * How long a live session's keys live without being refreshed, in ms: the keys of a session whose process died
   * without ending it go away after this. Refreshed every third of it while the run goes on. [1 h]
   */
  liveTtlMs?: number;
  /** How long a late resume of a dropped session is told `expired` rather than `unknown`, in ms. [24 h] */
  tombstoneMs?: number;
  /**
   * How long a durable run's lease lasts without renewal, in ms: a run whose process died (kill -9, out of memory, the
   * machine lost) is taken over by another instance after this. Renewed every third of it. [3 s]
   */
  leaseMs?: number;
  /** How often each instance looks for lapsed runs to take over, in ms. [500] */
  scanMs?: number;
  /** How long connecting may take at start, in ms. [5 s] */
  connectTimeoutMs?: number;
  /** Told once when the connection to Redis is lost, and once when it is back. [nothing is told] */
  logger?: { warn(message: string): void; info(message: string): void };
}

const DEFAULTS = {
  keyPrefix: 'agentws:',
  maxLogEvents: 100_000,
  maxUnstoredBytes: 16 * 1024 * 1024,
  unavailableMs: 10_000,
  liveTtlMs: 60 * 60 * 1000,
  tombstoneMs: 24 * 60 * 60 * 1000,
  leaseMs: 3_000,
  scanMs: 500,
  connectTimeoutMs: 5_000,
};

type Resolved = typeof DEFAULTS & Pick<RedisSessionStoreOptions, 'logger'>;

/** A stream entry as ioredis returns it: `[id, [field, value, …]]`. */
type StreamEntry = [string, string[]];

/** The seq of a log entry: entries are added with the id `0-<seq>`, so the id says the seq. */
function seqOf(entry: StreamEntry): number {
  return Number(entry[0].slice(2));
}

/**
 * Sessions on Redis, so they outlive their process and any instance can resume any of them. Per session: a hash of
 * its metadata (state, owner instance, the SHA-256 of the resume token — never the token), a Stream of its frames
 * (added with the id `0-<seq>`, bounded with `MAXLEN ~`), and after it ended a small tombstone key. Keys are
 * `<prefix>{<session id>}:meta|log|gone` (one hash slot per session, for Redis Cluster).
 *
 * Writes of one tick are pipelined in one round trip ({@link WriteBatcher}); a frame goes on to clients only once
 * Redis acknowledged its batch. While Redis is away frames wait, bounded by `maxUnstoredBytes` and `unavailableMs`;
 * past either, the sessions whose frames wait are told the store failed.
 * @example const store = await RedisSessionStore.connect('redis://127.0.0.1:6379/0');
 */
export class RedisSessionStore implements SessionStore {
  /** A random id for this process, kept as the owner of the sessions it runs. */
  readonly instanceId = randomUUID();
  /** The Redis URL without its password, for messages. */
  readonly where: string;
  readonly #redis: Redis;
  /** The connection in subscriber mode: commands for the runs here, notes for the connections following runs elsewhere. */
  readonly #channels: RedisChannels;
  readonly #options: Resolved;
  readonly #batcher: WriteBatcher;
  readonly #live = new Set<string>();
  readonly runs: RunLeases;
  readonly #refresh: NodeJS.Timeout;

  private constructor(redis: Redis, subscriber: Redis, where: string, options: Resolved) {
    this.#redis = redis;
    this.#channels = new RedisChannels(subscriber);
    this.where = where;
    this.#options = options;
    this.#batcher = new WriteBatcher(redis, options);
    this.runs = new RunLeases(redis, this.instanceId, options);
    const nudge = (): void => void this.runs.scan();
    this.#channels.subscribe(this.runs.nudgeChannel, nudge).catch(() => {});
    this.#refresh = setInterval(() => this.#refreshLive(), Math.max(1_000, options.liveTtlMs / 3));
    this.#refresh.unref();
    let lost = false;
    redis.on('error', (error: Error) => {
      if (lost) return;
      lost = true;
      options.logger?.warn(`lost the connection to Redis at ${where} (${error.message}); retrying`);
    });
    redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      options.logger?.info(`Redis at ${where} answers again`);
    });
  }

  /**
   * Connects to Redis at `url` (`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS) and checks that
   * it answers. Throws {@link StoreError} `STORE_UNAVAILABLE` saying what failed when it does not.
   */
  static async connect(url: string, options: RedisSessionStoreOptions = {}): Promise<RedisSessionStore> {
    const target = parseRedisUrl(url);
    const resolved: Resolved = {
      ...DEFAULTS,
      ...(target.keyPrefix === undefined ? {} : { keyPrefix: target.keyPrefix }),
      ...options,
    };
    const where = describeRedisUrl(target);
    const redis = new Redis({
      scripts: APPEND_SCRIPTS,
      ...target.options,
      lazyConnect: true,
      connectTimeout: resolved.connectTimeoutMs,
      // Commands fail at once while Redis is away: the batcher keeps the frames, bounded, and retries them.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    let lastError: unknown;
    const onError = (error: unknown): void => {
      lastError = error;
    };
    redis.on('error', onError);
    // Subscriptions wait for Redis rather than fail: ioredis subscribes them again after a reconnect.
    const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: true });
    try {
      await redis.connect();
      await redis.ping();
      await subscriber.connect();
    } catch (error) {
      redis.disconnect();
      subscriber.disconnect();
      const reason = (lastError ?? error) instanceof Error ? ((lastError ?? error) as Error).message : String(error);
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `Cannot reach Redis at ${where} (${reason}). Start Redis there, or fix --store / AGENTWS_STORE.`,
        { cause: error },
      );
    }
    return new RedisSessionStore(redis, subscriber, where, resolved);
  }

  /** The keys of a session. */
  keys(id: string): Record<'meta' | 'log' | 'inbox' | 'journal' | 'gone' | 'commands' | 'notes', string> {
    const base = `${this.#options.keyPrefix}{${id}}`;
    return {
      meta: `${base}:meta`,
      log: `${base}:log`,
      /** Stream: client frames for the run (answers, plain text, cancel), `MAXLEN ~ 1000`. */
      inbox: `${base}:inbox`,
      /** List: the durable run's journal (model replies, answers, tool results), never trimmed. */
      journal: `${base}:journal`,
      gone: `${base}:gone`,
      /** Pub/sub channel: client frames for the run, from any instance. */
      commands: `${base}:commands`,
      /** Pub/sub channel: notes for connections following the run from other instances. */
      notes: `${base}:notes`,
    };
  }

  /** Resolves when Redis answers a PING now; rejects with `STORE_UNAVAILABLE` when it does not. */
  async ping(): Promise<void> {
    await this.#call(() => this.#redis.ping());
  }

  create(id: string, tokenHash: Buffer | undefined, sink: DurableSink): SessionWriter {
    return createRedisWriter(
      {
        redis: this.#redis,
        channels: this.#channels,
        batcher: this.#batcher,
        runs: this.runs,
        live: this.#live,
        instanceId: this.instanceId,
        keys: this.keys(id),
        options: this.#options,
      },
      id,
      tokenHash,
      sink,
    );
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const meta = await this.#call(() => this.#redis.hgetall(this.keys(id).meta));
    if (meta.token_hash === undefined) return undefined;
    const record: SessionRecord = {
      id,
      tokenHash: Buffer.from(meta.token_hash, 'hex'),
      state: meta.state === 'ended' ? 'ended' : 'live',
      pendingInputs: parsePending(meta.pending),
    };
    if (meta.close_code !== undefined) record.closeCode = Number(meta.close_code);
    return record;
  }

  llmCache(seed: string): LlmCache {
    return new RedisLlmCache(this.#redis, `${this.#options.keyPrefix}cache:${seed}:`);
  }

  async dispatch(id: string, tokenHash: Buffer, sessionFrame: string): Promise<void> {
    const keys = this.keys(id);
    const ttl = String(this.#options.liveTtlMs);
    await this.#call(async () => {
      const results = await this.#redis
        .multi()
        .hset(
          keys.meta,
          'token_hash',
          tokenHash.toString('hex'),
          'state',
          'live',
          'owner',
          '',
          'created',
          String(Date.now()),
        )
        .pexpire(keys.meta, ttl)
        .xadd(keys.log, 'MAXLEN', '~', String(this.#options.maxLogEvents), '0-1', 'f', sessionFrame)
        .pexpire(keys.log, ttl)
        .zadd(`${this.#options.keyPrefix}runs`, 0, id)
        .publish(this.runs.nudgeChannel, 'dispatched')
        .exec();
      for (const [error] of results ?? []) if (error) throw error;
    });
  }

  async follow(id: string, listener: (note: FollowNote) => void): Promise<() => void> {
    const channel = this.keys(id).notes;
    const onNote = (message: string): void => {
      const note = parseNote(message);
      if (note) listener(note);
    };
    await this.#channels.subscribe(channel, onNote);
    return () => this.#channels.unsubscribe(channel, onNote);
  }

  async loadRun(id: string): Promise<{ frames: (string | undefined)[]; journal: JournalEntry[] } | undefined> {
    const keys = this.keys(id);
    const [exists, entries, journal] = await this.#call(async () => {
      const results = await this.#redis
        .multi()
        .exists(keys.meta)
        .xrange(keys.log, '-', '+')
        .lrange(keys.journal, 0, -1)
        .exec();
      if (!results) throw new StoreError('STORE_UNAVAILABLE', 'Redis aborted a read of the session.');
      for (const [error] of results) if (error) throw new StoreError('STORE_UNAVAILABLE', error.message);
      return results.map(([, value]) => value) as [number, StreamEntry[], string[]];
    });
    if (exists === 0) return undefined;
    // A log trimmed by MAXLEN lacks its first frames: the replay cannot compare those (it takes them as they were).
    const first = entries[0] === undefined ? 1 : seqOf(entries[0]);
    const frames: (string | undefined)[] = new Array<undefined>(first - 1).fill(undefined);
    for (const [, fields] of entries) frames.push(fields[1] ?? '');
    return {
      frames,
      journal: journal.map((json) => JSON.parse(json) as JournalEntry),
    };
  }

  command(id: string, command: RunCommand): void {
    const keys = this.keys(id);
    const json = JSON.stringify(command);
    // Fire and forget: a command lost while Redis is away is like one lost in a dropped connection (the client
    // sends its answers again from `pending_inputs` when it resumes). Which connection holds the session is said on
    // the channel only; answers, plain text and cancel are also kept in the inbox, for a run not started yet or
    // taken over since.
    if (command.type === 'attach' || command.type === 'detach') {
      this.#redis.publish(keys.commands, json).catch(() => {});
    } else {
      this.#redis.eval(INBOX, 2, keys.inbox, keys.commands, json, String(this.#options.liveTtlMs)).catch(() => {});
    }
  }

  async read(id: string, after: number): Promise<LogRead> {
    const keys = this.keys(id);
    const results = await this.#call(() =>
      this.#redis
        .multi()
        .exists(keys.meta)
        .xrange(keys.log, `(0-${Math.max(0, Math.floor(after))}`, '+')
        .xrevrange(keys.log, '+', '-', 'COUNT', 1)
        .exists(keys.gone)
        .exec(),
    );
    if (!results) throw new StoreError('STORE_UNAVAILABLE', 'Redis aborted a read of the session log.');
    for (const [error] of results) if (error) throw new StoreError('STORE_UNAVAILABLE', error.message);
    const [exists, entries, last, gone] = results.map(([, value]) => value) as [
      number,
      StreamEntry[],
      StreamEntry[],
      number,
    ];
    if (exists === 0) return { status: gone === 1 ? 'expired' : 'unknown' };
    const lastSeq = last[0] ? seqOf(last[0]) : 0;
    const first = entries[0];
    if (after < lastSeq && (first === undefined || seqOf(first) !== Math.max(0, after) + 1)) {
      return { status: 'evicted' };
    }
    return { status: 'ok', frames: entries.map(([, fields]) => fields[1] ?? ''), lastSeq };
  }

  /** Stores what waits (for up to `unavailableMs`), then closes the connections. */
  async close(): Promise<void> {
    clearInterval(this.#refresh);
    this.runs.stop();
    await this.#batcher.drain(this.#options.unavailableMs);
    this.#channels.close();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** Keeps the keys of live sessions from expiring while their runs go on (see `liveTtlMs`). */
  #refreshLive(): void {
    const ttl = String(this.#options.liveTtlMs);
    const pipeline = this.#redis.pipeline();
    for (const id of this.#live) {
      const keys = this.keys(id);
      pipeline.pexpire(keys.meta, ttl).pexpire(keys.log, ttl).pexpire(keys.journal, ttl).pexpire(keys.inbox, ttl);
    }
    if (pipeline.length > 0) void pipeline.exec().catch(() => {});
  }

  async #call<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreError('STORE_UNAVAILABLE', `Redis at ${this.where} did not answer (${reason}).`, {
        cause: error,
      });
    }
  }
}
