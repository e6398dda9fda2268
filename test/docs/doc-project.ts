import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeBlock } from './markdown-blocks.js';

/**
 * A user's project with agentws installed, for running doc blocks: `node_modules/agentws` is this repository (its
 * dist/ must be built), `node_modules/.bin/agentws` its bin (so `npx agentws` works and a bare `agentws` does not, as
 * after `npm install agentws`), agentws's dependencies hoisted beside it, and what the blocks import from other
 * packages (express, ws) as if the user had installed it. Everything is a symlink into this repository's
 * node_modules: nothing is downloaded.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Environment variables that would make a block depend on the machine it runs on, or on the npm run above us. */
const SCRUBBED = /^(npm_|OPENAI_|OAI_CONFIG_LIST$|AGENTWS_|OTEL_|NO_COLOR$|FORCE_COLOR$|NODE_OPTIONS$|VITEST|TEST$)/i;

export interface DocProject {
  /** Where the TypeScript blocks are compiled. */
  dir: string;
  /** What a user's shell would have: this node first on PATH, no node_modules/.bin, a token for servers that ask. */
  env: Record<string, string>;
  /** A fresh project of the same kind for one block to run in, with the doc's `file` blocks in it. */
  workdir(name: string, files: Record<string, string>): string;
  remove(): void;
}

/** Block `b` as a file name: `docs-cli.md-104`. */
export function blockName(block: CodeBlock): string {
  return `${block.doc.replaceAll('/', '-')}-${block.line}`;
}

/** The packages a block imports (bare specifiers, without subpaths), except node's own. */
function importedPackages(code: string): string[] {
  const names = new Set<string>();
  for (const match of code.matchAll(/\bfrom\s+['"]([^'"./][^'"]*)['"]/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return [...names];
}

function link(dir: string, name: string, target: string): void {
  const at = path.join(dir, 'node_modules', name);
  if (existsSync(at)) return;
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at);
}

/** Makes `dir` a project that installed agentws and `packages`. */
function install(dir: string, packages: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'docs-project', private: true, type: 'module' }),
  );
  link(dir, 'agentws', ROOT);
  link(dir, '.bin/agentws', '../agentws/bin/agentws.js');
  for (const name of packages) link(dir, name, path.join(ROOT, 'node_modules', name));
}

export function createDocProject(blocks: CodeBlock[]): DocProject {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const wanted = new Set([...Object.keys(manifest.dependencies ?? {}), '@types/node']);
  for (const block of blocks) for (const name of importedPackages(block.code)) wanted.add(name);
  wanted.delete('agentws');
  const packages = [...wanted].filter((name) => existsSync(path.join(ROOT, 'node_modules', name)));
  const dir = mkdtempSync(path.join(tmpdir(), 'agentws-docs-'));
  install(dir, packages);

  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !SCRUBBED.test(name)) env[name] = value;
  const paths = (process.env.PATH ?? '').split(path.delimiter).filter((p) => p !== '' && !p.includes('node_modules'));
  Object.assign(env, {
    PATH: [path.dirname(process.execPath), ...paths].join(path.delimiter),
    AGENTWS_TOKEN: 'docs-test-token-0123456789',
    NO_COLOR: '1',
    PYTHONUNBUFFERED: '1',
    npm_config_update_notifier: 'false',
    npm_config_offline: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });

  let count = 0;
  return {
    dir,
    env,
    workdir(name, files) {
      const work = path.join(dir, 'runs', `${name}-${++count}`);
      install(work, packages);
      for (const [file, content] of Object.entries(files)) writeFileSync(path.join(work, file), content);
      return work;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Type-checks the TypeScript blocks as a user's strict project would (NodeNext, `strict`) and compiles them to
 * `out/<name>.js`. Returns each block's diagnostics by name (none: compiled cleanly).
 */
export async function compileTypeScript(project: DocProject, blocks: CodeBlock[]): Promise<Map<string, string[]>> {
  const sources = path.join(project.dir, 'blocks');
  mkdirSync(sources, { recursive: true });
  for (const block of blocks) writeFileSync(path.join(sources, `${blockName(block)}.ts`), block.code);
  writeFileSync(
    path.join(project.dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        // The package's own declarations are checked with skipLibCheck off by test/package/; here, the blocks.
        skipLibCheck: true,
        rootDir: 'blocks',
        outDir: 'out',
        types: ['node'],
      },
      include: ['blocks'],
    }),
  );
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-p', project.dir, '--pretty', 'false'], { cwd: project.dir });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  const diagnostics = new Map<string, string[]>(blocks.map((block) => [blockName(block), []]));
  for (const line of output.split('\n')) {
    const match = /^blocks\/(.+?)\.ts\((\d+),\d+\): (.*)$/.exec(line);
    if (match) diagnostics.get(match[1]!)?.push(`line ${match[2]} of the block: ${match[3]}`);
    else if (line.trim() !== '' && !line.startsWith(' ')) for (const list of diagnostics.values()) list.push(line);
  }
  return diagnostics;
}
