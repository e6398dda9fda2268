import { afterEach, describe, expect, it } from 'vitest';
import { loadOnConnect } from '../../src/cli/load-on-connect.js';
import { tempDir } from './helpers/spawn-cli.js';

// JavaScript modules in-process; TypeScript ones go through the spawned CLI (serve-connect.test.ts), because tsx's
// loader hooks must not be registered inside the test runner.

let remove: (() => void) | undefined;
afterEach(() => remove?.());

function cwdWith(files: Record<string, string>): string {
  const made = tempDir(files);
  remove = made.remove;
  return made.dir;
}

describe('loadOnConnect', () => {
  it('takes the default export, else the onConnect export, else a CommonJS module’s', async () => {
    const cwd = cwdWith({
      'a.mjs': 'export default function a() { return "default"; }\nexport function onConnect() { return "named"; }\n',
      'b.mjs': 'export function onConnect() { return "named"; }\n',
      'c.cjs': 'exports.onConnect = () => "cjs";\n',
    });
    const call = async (file: string): Promise<unknown> => ((await loadOnConnect(file, cwd)) as () => unknown)();
    expect(await call('a.mjs')).toBe('default');
    expect(await call('./b.mjs')).toBe('named');
    expect(await call('c.cjs')).toBe('cjs');
  });

  it('MODULE_INVALID for a missing file, a module without a function, and one that throws on import', async () => {
    const cwd = cwdWith({ 'none.mjs': 'export const onConnect = 42;\n', 'throws.mjs': 'throw new Error("kaboom");\n' });
    await expect(loadOnConnect('missing.mjs', cwd)).rejects.toMatchObject({
      code: 'MODULE_INVALID',
      message: expect.stringContaining('Cannot find the on-connect module missing.mjs'),
    });
    await expect(loadOnConnect('none.mjs', cwd)).rejects.toMatchObject({
      code: 'MODULE_INVALID',
      message: expect.stringContaining('It exports: onConnect.'),
    });
    await expect(loadOnConnect('throws.mjs', cwd)).rejects.toMatchObject({
      code: 'MODULE_INVALID',
      message: 'Cannot load the on-connect module throws.mjs: kaboom',
    });
  });
});
