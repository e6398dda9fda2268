import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { invalid } from './executor-options.js';

/**
 * An executor's working folder: the one given, created at once if missing (its parent must exist, as AutoGen's
 * `mkdir(exist_ok=True)`), or a private temporary folder made on the first run, so that an agent that never runs
 * code leaves nothing behind, and removed by `remove()`.
 */
export class WorkFolder {
  readonly path: string;
  /** True when no folder was given: a temporary one is made on first use. */
  readonly temporary: boolean;
  #made: Promise<void> | undefined;

  constructor(className: string, given: unknown) {
    if (given === undefined) {
      this.path = path.join(tmpdir(), `agentws-code-${randomUUID()}`);
      this.temporary = true;
      return;
    }
    if (typeof given !== 'string' || given === '') throw invalid(className, 'workDir', 'must be a folder path.');
    try {
      mkdirSync(given);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw invalid(className, 'workDir', `'${given}' cannot be created: its parent folder does not exist.`);
      }
      if (code !== 'EEXIST') throw invalid(className, 'workDir', `'${given}' cannot be created (${code}).`);
    }
    if (!statSync(given).isDirectory()) throw invalid(className, 'workDir', `'${given}' is not a folder.`);
    this.path = given;
    this.temporary = false;
  }

  /** Resolves once the folder exists (a temporary one is made now, readable by this user only). */
  ready(): Promise<void> {
    if (!this.temporary) return Promise.resolve();
    this.#made ??= mkdir(this.path, { mode: 0o700 }).then(() => undefined);
    return this.#made;
  }

  /** Removes a temporary folder and everything in it; a given folder is left as it is. */
  remove(): void {
    if (!this.temporary || this.#made === undefined) return;
    this.#made = undefined;
    rmSync(this.path, { recursive: true, force: true });
  }
}
