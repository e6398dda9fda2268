import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, killAll, runCli, startServe } from './helpers/spawn-cli.js';

// `agentws serve --on-connect` with modules that import agentws, in the two kinds of project people have: CommonJS
// (what `npm init -y` makes) and ESM ("type": "module"). Each module prints through `IOStream.getDefault()`: that
// reaches the client only when the module got the same copy of agentws as the server. Spawns the real CLI.

/** `npm init -y`'s package.json (npm 11 writes "type": "commonjs"; older ones leave "type" out, which means the same). */
const NPM_INIT = {
  name: 'my-agent',
  version: '1.0.0',
  description: '',
  main: 'index.js',
  scripts: { test: 'echo "Error: no test specified" && exit 1' },
  keywords: [],
  author: '',
  license: 'ISC',
  type: 'commonjs',
};

const BODY = (label: string): string =>
  `(iostream, context) => iostream.input().then((said) =>\n` +
  `  IOStream.getDefault().print('${label} got ' + said + ' with ' + context.configList.length + ' models'))`;

/** Modules by file name: how each kind of project writes one (default export, `module.exports =`, named export). */
const COMMONJS_MODULES: Record<string, string> = {
  'agent.ts':
    `import { IOStream } from 'agentws';\nimport type { IOWebsockets, OnConnectContext } from 'agentws';\n` +
    `export default async function onConnect(iostream: IOWebsockets, context: OnConnectContext) {\n` +
    `  const said = await iostream.input();\n` +
    `  IOStream.getDefault().print('agent.ts got ' + said + ' with ' + context.configList.length + ' models');\n}\n`,
  'agent.cts': `import { IOStream } from 'agentws';\nexport const onConnect = ${BODY('agent.cts')};\n`,
  'agent.js': `const { IOStream } = require('agentws');\nmodule.exports = ${BODY('agent.js')};\n`,
  'agent.mjs': `import { IOStream } from 'agentws';\nexport const onConnect = ${BODY('agent.mjs')};\n`,
  // What CommonJS cannot do: top-level await, in the module or in an ES module it requires.
  'needs-esm.ts': `const ready = await Promise.resolve(true);\nexport default () => ready;\n`,
  'waits.mjs': `await Promise.resolve();\nexport const ready = true;\n`,
  'needs-esm.cjs': `const { ready } = require('./waits.mjs');\nmodule.exports = () => ready;\n`,
};

const ESM_MODULES: Record<string, string> = {
  'agent.ts': `import { IOStream } from 'agentws';\nexport default ${BODY('agent.ts')};\n`,
  'agent.mts': `import { IOStream } from 'agentws';\nexport const onConnect = ${BODY('agent.mts')};\n`,
  'agent.js': `import { IOStream } from 'agentws';\nexport default ${BODY('agent.js')};\n`,
  'agent.cjs': `const { IOStream } = require('agentws');\nexports.onConnect = ${BODY('agent.cjs')};\n`,
};

const projects: string[] = [];

/** A project folder under the OS temp dir with agentws "installed" (a symlink to this repository, as `npm link`). */
function project(packageJson: object, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentws-project-'));
  projects.push(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(ROOT, path.join(dir, 'node_modules', 'agentws'), 'dir');
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

let commonjs: string;
let esm: string;
beforeAll(() => {
  commonjs = project(NPM_INIT, COMMONJS_MODULES);
  esm = project({ ...NPM_INIT, type: 'module' }, ESM_MODULES);
});
afterEach(async () => {
  await killAll();
});
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

async function talk(cwd: string, file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { uri } = await startServe(['--on-connect', `./${file}`], { cwd });
  return runCli(['connect', uri, 'hi']);
}

describe('--on-connect modules that import agentws', () => {
  it.each(['agent.ts', 'agent.cts', 'agent.js', 'agent.mjs'])('a CommonJS project (npm init -y): %s', async (file) => {
    const client = await talk(commonjs, file);
    expect(client.stderr).toBe('');
    expect(client.stdout).toBe(`${file} got hi with 0 models\n`);
    expect(client.code).toBe(0);
  });

  it.each(Object.keys(ESM_MODULES))('an ESM project ("type": "module"): %s', async (file) => {
    const client = await talk(esm, file);
    expect(client.stderr).toBe('');
    expect(client.stdout).toBe(`${file} got hi with 0 models\n`);
    expect(client.code).toBe(0);
  });
});

describe('--on-connect modules that cannot work as CommonJS', () => {
  it('a .ts module with top-level await in a CommonJS package: exit 5, says to add "type": "module" or rename it', async () => {
    const result = await runCli(['serve', '--port', '0', '--on-connect', './needs-esm.ts'], { cwd: commonjs });
    const packageJson = path.join(commonjs, 'package.json');
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      `It is loaded as CommonJS because ${packageJson} has no "type": "module"; load it as an ES module instead: ` +
        `add "type": "module" to ${packageJson}, or rename it to needs-esm.mts.`,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('a .cjs module that requires an ES module with top-level await: exit 5, says to rename it .mjs', async () => {
    const result = await runCli(['serve', '--port', '0', '--on-connect', './needs-esm.cjs'], { cwd: commonjs });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      'It is loaded as CommonJS because its extension is .cjs; load it as an ES module instead: rename it to needs-esm.mjs.',
    );
  });
});
