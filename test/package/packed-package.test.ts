import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as `npm pack` makes it (dist/ must be built), installed into a user's project with nothing but its
// declared dependencies (symlinked from this repository's node_modules: no network) and TypeScript.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  engines?: { node?: string };
  license?: string;
  repository?: { type?: string; url?: string };
  bugs?: { url?: string };
  homepage?: string;
}

/** What a user writes: the main entry points and types of both exports, nothing from node or ws directly. */
const USER_CODE = `
import { ConversableAgent, IOWebsockets, UserProxyAgent, attach, runServer, WebsocketEndpoint } from 'agentws';
import type { AgentwsServer, ChatResult, LlmConfigEntry } from 'agentws';
import { demoResponder, seedReplies, startFakeOpenAI } from 'agentws/testing';
import type { FakeOpenAI } from 'agentws/testing';

export async function chat(): Promise<ChatResult> {
  await using fake: FakeOpenAI = await startFakeOpenAI({ replies: seedReplies(), respond: demoResponder() });
  const configList: LlmConfigEntry[] = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'test' }];
  const assistant = new ConversableAgent({ name: 'assistant', llmConfig: { configList } });
  const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER', codeExecutionConfig: false });
  return user.initiateChat(assistant, { message: 'Hi', maxTurns: 1 });
}

export async function serve(): Promise<AgentwsServer> {
  const server = await IOWebsockets.runServer({ port: 0, onConnect: async (io: IOWebsockets) => io.print(await io.input()) });
  const endpoint: WebsocketEndpoint = attach(server.httpServer, { path: '/agents', onConnect: () => undefined });
  void endpoint;
  return runServer({ port: 0, onConnect: () => undefined });
}
`;

let dir: string;
let packed: string;
let manifest: Manifest;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'agentws-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const { filename } = (JSON.parse(stdout) as Array<{ filename: string }>)[0]!;
  const installed = path.join(dir, 'project', 'node_modules', 'agentws');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', path.join(dir, filename), '-C', installed, '--strip-components=1']);
  packed = installed;
  manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as Manifest;
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it("compiles in a user's strict project (skipLibCheck off) with only its declared dependencies", async () => {
    const project = path.join(dir, 'project');
    const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    for (const name of [...declared, 'typescript']) {
      const target = path.join(ROOT, 'node_modules', name);
      expect(existsSync(target), `${name} is installed in this repository`).toBe(true);
      mkdirSync(path.dirname(path.join(project, 'node_modules', name)), { recursive: true });
      symlinkSync(target, path.join(project, 'node_modules', name));
    }
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', type: 'module' }));
    writeFileSync(path.join(project, 'index.ts'), USER_CODE);
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
        },
        files: ['index.ts'],
      }),
    );
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: project }).then(
      () => '',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(result.split('\n').filter(Boolean)).toEqual([]);
  }, 120_000);

  it('carries the MIT LICENSE and names its repository, issue tracker and home page', () => {
    expect(manifest.license).toBe('MIT');
    const license = readFileSync(path.join(packed, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the agentws authors\n/);
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/agentws/agentws.git' });
    expect(manifest.bugs).toEqual({ url: 'https://github.com/agentws/agentws/issues' });
    expect(manifest.homepage).toBe('https://github.com/agentws/agentws#readme');
  });

  it('supports Node 20, 22 and 24, and the README says so', () => {
    expect(manifest.engines?.node).toBe('^20.19.0 || ^22.12.0 || >=24.0.0');
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`Node.js 20, 22 or 24 (\`engines\`: \`${manifest.engines?.node}\``);
  });
});
