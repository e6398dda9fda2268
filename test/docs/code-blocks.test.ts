import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ROOT, blockName, compileTypeScript, createDocProject, type DocProject } from './doc-project.js';
import { readCodeBlocks, typedCommands, type CodeBlock } from './markdown-blocks.js';
import type { BlockReport, BlockSpec, BlockStep } from './run-block.js';
import { killSandboxes, runInSandbox, sandboxFlags } from './sandbox.js';

// Every fenced block of README.md and docs/*.md runs as written, in a project that installed agentws (see
// doc-project.ts), each block in a sandbox of its own (sandbox.ts) with the fake model behind OPENAI_BASE_URL and
// OAI_CONFIG_LIST (run-block.ts):
// - ```sh and ```console: commands typed at a prompt (console: the lines after `$ `), in order; `export` lines carry
//   over to later commands. `agentws serve` and `python3 -m http.server` are servers: started, awaited until they say
//   they listen, kept running until the next server or the end of the block, then stopped with Ctrl-C (SIGINT).
//   Every other command must exit 0.
// - ```bash: a script, run in one go; must exit 0.
// - ```js (as an .mjs file) and ```ts (type-checked strictly, compiled by tsc): programs that exit 0, or that print
//   `listening on ws://…`, hold a conversation with `agentws connect` there, and exit 0 on SIGINT (one that starts a
//   server, with runServer, attach or listen, must do the latter). A block marked
//   `<!-- file: NAME -->` is an on-connect module instead, served by `npx agentws serve --on-connect ./NAME`, and is
//   in the working folder of the doc's other blocks.
// - ```json must parse. ```text is output, not code. Any other block, and any block that cannot run in a test, needs
//   `<!-- not run: REASON -->` right before it; `<!-- with: COMMAND -->` starts a server the block needs.
// No block may leave a process running.

const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const BLOCKS = DOCS.flatMap((doc) => readCodeBlocks(ROOT, doc));
const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';
const SERVER_COMMAND = /\bagentws serve\b|\bpython3 -m http\.server\b/;
/** A program that does this is a server example, and must serve until stopped. */
const STARTS_SERVER = /\brunServer\(|\battach\(|\.listen\(/;
const SHELL = new Set(['sh', 'console', 'bash']);
const PROGRAM = new Set(['js', 'ts']);
const BLOCK_TIMEOUT_MS = 300_000;

let project: DocProject;
let diagnostics: Map<string, string[]>;

beforeAll(async () => {
  project = createDocProject(BLOCKS);
  diagnostics = await compileTypeScript(
    project,
    BLOCKS.filter((block) => block.lang === 'ts' && block.notRun === undefined),
  );
}, 180_000);

afterAll(() => {
  killSandboxes();
  project?.remove();
});

/** The doc's `file` blocks, by name. */
function filesOf(doc: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const block of BLOCKS) if (block.doc === doc && block.file) files[block.file] = block.code;
  return files;
}

/** What running `block` means (see the top of this file); its files are written into `workdir`. */
function stepsOf(block: CodeBlock, workdir: string): BlockStep[] {
  const steps: BlockStep[] = block.with.map((command) => ({ kind: 'server', command }));
  if (block.lang === 'bash') {
    writeFileSync(path.join(workdir, 'script.sh'), block.code);
    steps.push({ kind: 'script', file: 'script.sh' });
  } else if (SHELL.has(block.lang)) {
    const exports: string[] = [];
    for (const command of typedCommands(block)) {
      if (/^export\s/.test(command)) exports.push(command);
      else
        steps.push({
          kind: SERVER_COMMAND.test(command) ? 'server' : 'run',
          command: [...exports, command].join('\n'),
        });
    }
  } else if (block.file) {
    steps.push({ kind: 'server', command: `npx agentws serve --on-connect ./${block.file}` });
    steps.push({ kind: 'run', command: `npx agentws connect ${JSON.stringify(SEED_MESSAGE)}` });
  } else {
    const serves = STARTS_SERVER.test(block.code);
    if (block.lang === 'ts') {
      steps.push({ kind: 'program', file: path.join(project.dir, 'out', `${blockName(block)}.js`), serves });
    } else {
      writeFileSync(path.join(workdir, 'block.mjs'), block.code);
      steps.push({ kind: 'program', file: 'block.mjs', serves });
    }
  }
  return steps;
}

/** Runs steps in a sandbox from a fresh working folder holding the doc's files. */
async function run(block: CodeBlock, steps?: BlockStep[]): Promise<BlockReport> {
  const cwd = project.workdir(blockName(block), filesOf(block.doc));
  const spec: BlockSpec = { cwd, env: project.env, steps: steps ?? stepsOf(block, cwd), message: SEED_MESSAGE };
  return runInSandbox(spec);
}

/** What went wrong, one entry per failed step or leftover process, with the output that shows why. */
function problems(report: BlockReport): string[] {
  const found: string[] = [];
  if (report.error) found.push(`the runner failed: ${report.error}`);
  for (const step of report.steps) {
    if (step.error === undefined) continue;
    const status = step.signal ? `signal ${step.signal}` : `exit ${step.code}`;
    found.push(`\`${step.what}\` ${step.error} (${status}):\n${step.output}`);
  }
  for (const leftover of report.leftovers) found.push(`left running: ${leftover}`);
  return found;
}

/** Skips (or, on CI, fails) a test that needs the sandbox where none can be made. */
function needSandbox(skip: (note: string) => void): void {
  const { reason } = sandboxFlags();
  if (reason === undefined) return;
  if (process.env.CI) throw new Error(reason);
  skip(reason);
}

for (const doc of DOCS) {
  const code = BLOCKS.filter((b) => b.doc === doc && b.lang !== 'text');
  if (code.length === 0) continue;
  describe.concurrent(doc, () => {
    for (const block of code) {
      const title = `${block.doc}:${block.line} ${block.lang || '(no language)'}`;
      if (block.notRun !== undefined) {
        // Not a skipped test: a block marked not run is checked for its reason, which is all there is to check.
        it(`${title}, not run: ${block.notRun || '(no reason)'}`, ({ expect }) => {
          expect(block.notRun, '<!-- not run: --> needs a reason').not.toBe('');
        });
        continue;
      }
      it(
        title,
        async ({ expect, skip }) => {
          if (block.lang === 'json') {
            expect(() => JSON.parse(block.code)).not.toThrow();
            return;
          }
          expect(
            SHELL.has(block.lang) || PROGRAM.has(block.lang),
            `no way to run a \`${block.lang}\` block: mark it <!-- not run: REASON -->`,
          ).toBe(true);
          if (block.lang === 'ts') expect(diagnostics.get(blockName(block)), 'tsc, strict').toEqual([]);
          needSandbox(skip);
          expect(problems(await run(block))).toEqual([]);
        },
        BLOCK_TIMEOUT_MS,
      );
    }
  });
}

describe('docs/cli.md', () => {
  it('the jq example prints the streamed reply as the model wrote it, not one token per line', async ({
    expect,
    skip,
  }) => {
    needSandbox(skip);
    const block = BLOCKS.find((b) => b.doc === 'docs/cli.md' && b.code.includes('| jq'))!;
    const jq = typedCommands(block).find((command) => command.includes('| jq'))!;
    const json = 'npx agentws connect --json ws://127.0.0.1:8765 "Hi"';
    const report = await run(block, [
      { kind: 'server', command: 'npx agentws serve --demo' },
      { kind: 'run', command: jq },
      { kind: 'run', command: json },
    ]);
    expect(problems(report)).toEqual([]);
    const stdoutOf = (command: string): string => report.steps.find((step) => step.what === command)!.stdout;
    const events = stdoutOf(json)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const streamed = events
      .filter((event) => event.type === 'stream')
      .map((event) => (event.content as { content: string }).content)
      .join('');
    expect(streamed).toContain('Hi');
    expect(stdoutOf(jq)).toBe(streamed);
  });
});
