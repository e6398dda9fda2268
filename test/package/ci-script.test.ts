import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// .ci/run tests every Node version package.json supports, and its closing line counts every run.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Node the CI machine has (Debian 12's), on which .ci/run runs `npm test` first. */
const MACHINE_MAJOR = 20;

describe('.ci/run', () => {
  it('runs the test suite on each Node version in engines: the machine’s, then the others from npm', () => {
    const script = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    const majors = /^NODE_MAJORS=\(([\d ]+)\)$/m.exec(script)?.[1]?.split(' ').map(Number);
    expect(majors, 'NODE_MAJORS=(…) in .ci/run').toBeDefined();
    expect(script).toContain('npm install --prefix "$nodes/$major"');
    expect(script).toContain('"node-$platform@$major"');

    const { engines } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const supported = engines.node.split('||').map((range) => Number(/\d+/.exec(range)![0]));
    expect([MACHINE_MAJOR, ...majors!].sort()).toEqual(supported.sort());
  });

  it('closes with one line counting every run, a run without results as a failure', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentws-ci-'));
    try {
      const results = (passed: number, failed: number, skipped: number, success = failed === 0): string => {
        const file = path.join(dir, `${passed}-${failed}-${skipped}-${success}.json`);
        const counts = { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: 0 };
        writeFileSync(file, JSON.stringify({ ...counts, success }));
        return file;
      };
      const { stdout } = await run(process.execPath, [
        path.join(ROOT, '.ci', 'summary.mjs'),
        `node-20=${results(340, 0, 2)}`,
        `node-22=${results(338, 2, 2)}`,
        `node-24=${path.join(dir, 'missing.json')}`,
        `node-25=${results(0, 0, 0, false)}`,
      ]);
      expect(stdout.split('\n')).toEqual([
        'node-20: 340 passed, 0 failed, 2 skipped',
        'node-22: 338 passed, 2 failed, 2 skipped',
        'node-24: no results',
        'node-25: 0 passed, 1 failed, 0 skipped',
        '678 passed, 4 failed, 4 skipped',
        '',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
