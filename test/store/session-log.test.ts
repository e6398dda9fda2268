import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../src/store/memory-store.js';
import { SessionLog } from '../../src/store/session-log.js';

describe('SessionLog', () => {
  it('returns the frames after a seq, in order', () => {
    const log = new SessionLog(1024);
    for (let seq = 1; seq <= 5; seq++) log.append(seq, `f${seq}`);
    expect(log.after(0)).toEqual(['f1', 'f2', 'f3', 'f4', 'f5']);
    expect(log.after(3)).toEqual(['f4', 'f5']);
    expect(log.after(5)).toEqual([]);
    expect(log.lastSeq).toBe(5);
  });

  it('refuses a gap or a repeat: seqs are contiguous', () => {
    const log = new SessionLog(1024);
    log.append(1, 'a');
    expect(() => log.append(3, 'c')).toThrow(RangeError);
    expect(() => log.append(1, 'a')).toThrow(RangeError);
  });

  it('drops the oldest frames past its byte bound, and says so for a read that needs them', () => {
    const log = new SessionLog(10);
    for (let seq = 1; seq <= 6; seq++) log.append(seq, 'abcd'); // 4 bytes each: 2 fit
    expect(log.bytes).toBe(8);
    expect(log.firstSeq).toBe(5);
    expect(log.after(4)).toEqual(['abcd', 'abcd']);
    expect(log.after(3)).toBeUndefined();
    expect(log.after(0)).toBeUndefined();
  });

  it('keeps the newest frame even when it alone is over the bound', () => {
    const log = new SessionLog(4);
    log.append(1, 'ab');
    log.append(2, 'abcdefgh');
    expect(log.bytes).toBe(8);
    expect(log.after(1)).toEqual(['abcdefgh']);
    expect(log.after(0)).toBeUndefined();
  });

  it('stays correct across many evictions (compaction)', () => {
    const log = new SessionLog(100);
    for (let seq = 1; seq <= 10_000; seq++) log.append(seq, String(seq).padStart(10, '0'));
    expect(log.lastSeq).toBe(10_000);
    expect(log.after(9_995)).toEqual(['0000009996', '0000009997', '0000009998', '0000009999', '0000010000']);
    expect(log.after(9_989)).toBeUndefined();
  });
});

describe('MemorySessionStore', () => {
  /** A sink that records what the store hands on. */
  function recordingSink(): { frames: string[]; durable: (frame: string) => void; failed: () => void } {
    const frames: string[] = [];
    return { frames, durable: (frame) => frames.push(frame), failed: () => {} };
  }

  it('hands each frame on as it is stored, keeps an ended session for the keep time, then says expired', async () => {
    const store = new MemorySessionStore({ maxLogBytes: 1024 });
    const sink = recordingSink();
    const writer = store.create('s1', Buffer.alloc(32), sink);
    writer.append(1, 'one');
    expect(sink.frames).toEqual(['one']);
    await writer.flushed();
    expect(await store.read('s1', 0)).toEqual({ status: 'ok', frames: ['one'], lastSeq: 1 });
    expect((await store.get('s1'))?.state).toBe('live');
    writer.end(0);
    expect(await store.get('s1')).toBeUndefined();
    expect(await store.read('s1', 0)).toEqual({ status: 'expired' });
    expect(await store.read('nobody', 0)).toEqual({ status: 'unknown' });
    await store.close();
  });

  it('deletes a discarded session at once, and remembers a bounded number of expired ids', async () => {
    const store = new MemorySessionStore({ maxExpired: 2 });
    for (const id of ['a', 'b', 'c']) store.create(id, Buffer.alloc(32), recordingSink()).end(0);
    expect(await store.read('a', 0)).toEqual({ status: 'unknown' });
    expect(await store.read('c', 0)).toEqual({ status: 'expired' });
    store.create('d', Buffer.alloc(32), recordingSink()).discard();
    expect(await store.read('d', 0)).toEqual({ status: 'unknown' });
    expect(store.size).toBe(0);
    await store.close();
  });
});
