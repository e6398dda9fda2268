import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskCache } from '../../../src/llm/cache/disk-cache.js';

const root = mkdtempSync(path.join(tmpdir(), 'agentws-disk-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** A folder of its own for each case: the seed AutoGen's tests give DiskCache. */
const seedDir = (): string => path.join(root, `test_seed_${dirs++}`);

// AutoGen 0.2's test/cache/test_disk_cache.py, ported: AutoGen mocks diskcache.Cache; these use real files.
describe("AutoGen's test_disk_cache.py", () => {
  it('test_init: the cache lives in the folder it is given, made when a value is stored', async () => {
    const dir = seedDir();
    const cache = new DiskCache(dir);
    expect(cache.directory).toBe(path.resolve(dir));
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
    await cache.set('key', 'value');
    expect(readdirSync(dir)).toEqual([path.basename(cache.fileFor('key'))]);
  });

  it('test_get', async () => {
    const cache = new DiskCache(seedDir());
    await cache.set('key', 'value');
    expect(await cache.get('key')).toBe('value');
    expect(await cache.get('other', null)).toBeNull();
    expect(await cache.get('other')).toBeUndefined();
  });

  it('test_set', async () => {
    const cache = new DiskCache(seedDir());
    await cache.set('key', 'value');
    await cache.set('key', { replaced: ['by', 'this'] });
    expect(await cache.get('key')).toEqual({ replaced: ['by', 'this'] });
    expect(JSON.parse(readFileSync(cache.fileFor('key'), 'utf8'))).toEqual({
      key: 'key',
      value: { replaced: ['by', 'this'] },
    });
  });

  it('test_context_manager: what was set inside the block is on disk after it', async () => {
    const dir = seedDir();
    {
      await using cache = new DiskCache(dir);
      expect(cache).toBeInstanceOf(DiskCache);
      await cache.set('key', 'value');
    }
    expect(await new DiskCache(dir).get('key')).toBe('value');
  });

  it('test_close: nothing stays open, the files are the cache', async () => {
    const dir = seedDir();
    const cache = new DiskCache(dir);
    await cache.set('key', 'value');
    await cache.close();
    expect(await new DiskCache(dir).get('key')).toBe('value');
  });
});

describe('DiskCache', () => {
  it('a file that is not whole JSON, or answers another key, is a miss', async () => {
    const cache = new DiskCache(seedDir());
    await cache.set('key', 'value');
    writeFileSync(cache.fileFor('key'), '{"key":"key","val');
    expect(await cache.get('key', 'miss')).toBe('miss');
    writeFileSync(cache.fileFor('key'), JSON.stringify({ key: 'another key', value: 'theirs' }));
    expect(await cache.get('key', 'miss')).toBe('miss');
  });

  it('concurrent writers of one key leave one whole value and no temporary file', async () => {
    const dir = seedDir();
    const writers = Array.from({ length: 20 }, (_, i) =>
      new DiskCache(dir).set('key', `value ${i} ${'x'.repeat(50_000)}`),
    );
    await Promise.all(writers);
    const value = (await new DiskCache(dir).get('key')) as string;
    expect(value).toMatch(/^value \d+ x{50000}$/);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('makes the folder again when it was removed', async () => {
    const dir = seedDir();
    const cache = new DiskCache(dir);
    await cache.set('a', 1);
    rmSync(dir, { recursive: true });
    await cache.set('b', 2);
    expect(await cache.get('b')).toBe(2);
  });

  it('a read error other than a missing file is not hidden', async () => {
    const cache = new DiskCache(seedDir());
    // A folder where the file should be: EISDIR, which must reach the caller.
    mkdirSync(cache.fileFor('key'), { recursive: true });
    await expect(cache.get('key')).rejects.toThrow(/EISDIR/);
  });
});
