import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { LlmCache } from './llm-cache.js';

/** What one file holds: the key it answers (a person can see which request that is) and the value. */
interface CacheFile {
  key: string;
  value: unknown;
}

/**
 * A cache on disk (AutoGen's `DiskCache`): one JSON file per key in `directory`, named after the key's SHA-256, so a
 * CI job can keep the folder and replay a run. Writes go to a temporary file renamed into place: a reader never sees
 * half a file, and concurrent writers of one key leave one whole value. The folder is made when a value is stored.
 * @example const cache = new DiskCache('.cache/41');
 */
export class DiskCache implements LlmCache {
  /** The folder, resolved. */
  readonly directory: string;

  constructor(directory: string) {
    this.directory = path.resolve(directory);
  }

  /** The file that holds `key`'s value. */
  fileFor(key: string): string {
    return path.join(this.directory, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  /** A file that is missing, unreadable as JSON, or holds another key (a hash collision) is a miss. */
  async get(key: string, defaultValue?: unknown): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.fileFor(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultValue;
      throw error;
    }
    try {
      const stored = JSON.parse(text) as Partial<CacheFile> | null;
      if (stored?.key !== key || stored.value === undefined || stored.value === null) return defaultValue;
      return stored.value;
    } catch {
      return defaultValue;
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    // Every time: the folder may have been removed since (a CI job clearing its cache), and a reply is one write.
    await mkdir(this.directory, { recursive: true });
    const file = this.fileFor(key);
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const stored: CacheFile = { key, value };
    try {
      await writeFile(temporary, JSON.stringify(stored));
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Nothing stays open between calls. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
