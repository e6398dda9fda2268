import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './doc-project.js';

// The repository stands alone: a fresh clone has everything its tests, docs and sources refer to. No relative path
// may climb out of it, no file may name a path of the machine it was written on, and every link in the docs must
// lead to a file in it.

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'test-results', 'results']);
const TEXT = /\.(ts|js|mjs|cjs|md|json|html|css|py|sh)$/;

/** Every text file of the repository (besides installed and generated ones, and the lock file). */
function repositoryFiles(dir = ROOT): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...repositoryFiles(full));
    } else if (
      entry.name !== 'package-lock.json' &&
      (TEXT.test(entry.name) || /^(bin|\.ci)$/.test(path.basename(dir)))
    ) {
      files.push(full);
    }
  }
  return files;
}

const FILES = repositoryFiles();
const relative = (file: string): string => path.relative(ROOT, file);
const inside = (target: string): boolean => !path.relative(ROOT, target).startsWith('..');

describe('the repository stands alone', () => {
  it('has the files this test looks through', () => {
    for (const file of ['README.md', 'docs/cli.md', 'test/cli/connect.test.ts', '.ci/run', 'bin/agentws.js']) {
      expect(FILES.map(relative)).toContain(file);
    }
  });

  it('no relative path in a test, doc or source file leads out of it', () => {
    const outside: string[] = [];
    for (const file of FILES) {
      const text = readFileSync(file, 'utf8');
      // A path written as a literal: right after a quote, backtick or parenthesis (markdown links, new URL('../x')).
      for (const match of text.matchAll(/(?<=['"`(])(\.\.?\/[^'"`)\s]*)/g)) {
        if (!inside(path.resolve(path.dirname(file), match[1]!))) outside.push(`${relative(file)}: ${match[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("no file names a path on this machine outside the repository (such as the repository's parent folder)", () => {
    const parent = path.dirname(ROOT.replace(/\/$/, ''));
    expect(parent, 'the repository is not at the root of the file system').not.toBe('/');
    const named: string[] = [];
    for (const file of FILES) {
      if (readFileSync(file, 'utf8').includes(`${parent}/`)) named.push(relative(file));
    }
    expect(named).toEqual([]);
  });

  it('every relative link in the markdown files leads to a file in the repository', () => {
    const broken: string[] = [];
    for (const file of FILES.filter((f) => f.endsWith('.md'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        const resolved = path.resolve(path.dirname(file), target);
        if (!inside(resolved) || !existsSync(resolved)) broken.push(`${relative(file)}: ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
