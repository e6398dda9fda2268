import type { Redis } from 'ioredis';
import type { RedisChannels } from './redis-channels.js';
import type { RunLeases } from './run-leases.js';
import type { DurableSink, SessionWriter } from './session-store.js';
import { compareEntryIds, parseCommand, parseEntryId } from './store-messages.js';
import type { WriteBatcher } from './write-batcher.js';
import { NOT_OWNER } from './write-batcher.js';

/** What a session's writer needs of its store. */
export interface WriterContext {
  redis: Redis;
  channels: RedisChannels;
  batcher: WriteBatcher;
  runs: RunLeases;
  /** Ids of the sessions live here (their keys' expiry is renewed). */
  live: Set<string>;
  instanceId: string;
  keys: Record<'meta' | 'log' | 'inbox' | 'journal' | 'gone' | 'commands' | 'notes', string>;
  options: { liveTtlMs: number; maxLogEvents: number; tombstoneMs: number };
}

/** A stream entry as ioredis returns it: `[id, [field, value, …]]`. */
type StreamEntry = [string, string[]];

/**
 * Appends a run's frames to its log, each with its seq as the entry id, if this process still owns the session
 * (fencing: a process that lost the run to another, while stalled, can no longer write). An id at or below the top is
 * a frame stored by an earlier try of the same batch, and is skipped.
 */
const APPEND_COMMAND = 'agentwsAppend';
const APPEND = `
if redis.call('HGET', KEYS[2], 'owner') ~= ARGV[1] then return redis.error_reply('${NOT_OWNER} the session is run by another process') end
for i = 3, #ARGV, 2 do
  redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[i], 'f', ARGV[i + 1])
end
return #ARGV / 2 - 1`;

/** The scripts a store's connection defines (ioredis `scripts`). */
export const APPEND_SCRIPTS = { [APPEND_COMMAND]: { numberOfKeys: 2, lua: APPEND } };

/**
 * One session's handle on Redis (see {@link RedisSessionStore}): its frames appended through the store's batcher, by
 * one fenced script call per batch; its client frames received on its commands channel and from its inbox, each once;
 * its metadata, journal, notes and end.
 */
export function createRedisWriter(
  store: WriterContext,
  id: string,
  tokenHash: Buffer | undefined,
  sink: DurableSink,
): SessionWriter {
  const { keys, runs, live, instanceId } = store;
  const { liveTtlMs, maxLogEvents, tombstoneMs } = store.options;
  const writer = store.batcher.writer(sink);
  writer.announce = (lastSeq) => ['publish', keys.notes, JSON.stringify({ type: 'stored', lastSeq })];
  writer.appendMany = (frames) => {
    const args = [APPEND_COMMAND, keys.log, keys.meta, instanceId, String(maxLogEvents)];
    for (const { seq, frame } of frames) args.push(`0-${seq}`, frame);
    return args;
  };
  live.add(id);
  // Client frames come on the commands channel, each once: those kept in the inbox (answers, cancel) carry their
  // entry id, and the inbox's backlog (frames sent before this run subscribed) is read once subscribed.
  let lastInbox: [number, number] = [0, 0];
  const accept = (entryId: string | undefined, json: string, backlog: boolean): void => {
    if (entryId !== undefined) {
      const parsed = parseEntryId(entryId);
      if (!parsed || compareEntryIds(parsed, lastInbox) <= 0) return;
      lastInbox = parsed;
    }
    const command = parseCommand(json);
    if (command) sink.command?.(command, backlog);
  };
  const onCommand = (message: string): void => {
    const space = message.indexOf(' ');
    if (message.startsWith('{')) accept(undefined, message, false);
    else if (space > 0) accept(message.slice(0, space), message.slice(space + 1), false);
  };
  const subscribed = store.channels.subscribe(keys.commands, onCommand).then(async () => {
    const backlog = (await store.redis.xrange(keys.inbox, '-', '+')) as StreamEntry[];
    for (const [entryId, fields] of backlog) accept(entryId, fields[1] ?? '', true);
  });
  subscribed.catch(() => {}); // resubscribed by ioredis once Redis is back
  const stop = (): void => {
    live.delete(id);
    runs.forget(id);
    store.channels.unsubscribe(keys.commands, onCommand);
  };
  if (tokenHash) {
    writer.command(['hset', keys.meta, 'token_hash', tokenHash.toString('hex'), 'state', 'live'], 0);
    writer.command(['hset', keys.meta, 'created', String(Date.now()), 'owner', instanceId], 0);
    writer.command(runs.startCommand(id), 0);
    // Renewed once Redis has the run's owner (a renewal before would find another owner, and stop the run).
    void writer.flushed().then(() => {
      if (live.has(id) && !writer.failed) runs.own(id, keys.meta);
    });
  } else {
    // Taken over: claimed through the leases (owner set already), or by an explicit takeOver().
    writer.command(['hset', keys.meta, 'owner', instanceId], 0);
    runs.own(id, keys.meta);
  }
  writer.command(['pexpire', keys.meta, String(liveTtlMs)], 0);
  // A run taken over appends to a log that exists already.
  let first = tokenHash !== undefined;
  return {
    append: (seq, frame) => {
      writer.append(['xadd', keys.log, 'MAXLEN', '~', String(maxLogEvents), `0-${seq}`, 'f', frame], frame, seq);
      if (first) {
        first = false;
        writer.command(['pexpire', keys.log, String(liveTtlMs)], 0);
      }
    },
    flushed: () => writer.flushed(),
    record: (entry) => {
      const json = JSON.stringify(entry);
      writer.command(['rpush', keys.journal, json], json.length);
      writer.command(['pexpire', keys.journal, String(liveTtlMs)], 0);
    },
    pending: (ids) => writer.command(['hset', keys.meta, 'pending', JSON.stringify(ids)], 0),
    note: (note) => {
      const publish = ['publish', keys.notes, JSON.stringify(note)];
      // Followers answer `restarted` with `attach`: it must find this run subscribed.
      if (note.type === 'restarted') void subscribed.finally(() => writer.command(publish, 0));
      else writer.command(publish, 0);
    },
    end: (keepMs, closeCode = 1000) => {
      stop();
      writer.command(['hset', keys.meta, 'state', 'ended', 'close_code', String(closeCode)], 0);
      writer.command(runs.endCommand(id), 0);
      // The journal is needed only to take a live run over.
      writer.command(['del', keys.journal, keys.inbox], 0);
      if (keepMs > 0) {
        writer.command(['pexpire', keys.meta, String(keepMs)], 0);
        writer.command(['pexpire', keys.log, String(keepMs)], 0);
      } else writer.command(['del', keys.meta, keys.log], 0);
      writer.command(['set', keys.gone, '1', 'PX', String(Math.max(keepMs, 0) + tombstoneMs)], 0);
      writer.command(['publish', keys.notes, JSON.stringify({ type: 'ended', closeCode })], 0);
    },
    discard: () => {
      stop();
      writer.command(runs.endCommand(id), 0);
      writer.command(['del', keys.meta, keys.log, keys.journal, keys.inbox], 0);
    },
  };
}
