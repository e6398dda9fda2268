import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { demoResponder, startFakeOpenAI } from '../../src/testing/index.js';

/**
 * Runs one doc block's steps inside its sandbox (a private network and process namespace, see sandbox.ts), as
 * `node --import tsx run-block.ts SPEC REPORT`: starts the fake model, runs the steps, stops the servers with SIGINT
 * (a terminal's Ctrl-C, sent to the whole process group), lists processes left behind, and writes the report.
 */

/** One thing to run, from the block's folder, through bash (commands and scripts) or node (programs). */
export type BlockStep =
  /** Runs until the next server starts or the block ends; must first print a line saying it listens. */
  | { kind: 'server'; command: string }
  /** Must exit 0. */
  | { kind: 'run'; command: string }
  /** A bash script file; must exit 0. */
  | { kind: 'script'; file: string }
  /**
   * A node program: must exit 0, or print `listening on ws://…`, answer a conversation there, and stop on SIGINT.
   * One that `serves` (starts a server) must do the latter: a server example that ends at once is wrong.
   */
  | { kind: 'program'; file: string; serves: boolean };

export interface BlockSpec {
  cwd: string;
  env: Record<string, string>;
  steps: BlockStep[];
  /** Sent by `agentws connect` to a program that serves. */
  message: string;
}

export interface StepReport {
  what: string;
  code: number | null;
  signal: string | null;
  /** Standard output and error as they came, interleaved (the end of it). */
  output: string;
  /** Standard output alone. */
  stdout: string;
  /** What went wrong, in words; absent when the step did what it should. */
  error?: string;
}

export interface BlockReport {
  steps: StepReport[];
  /** Processes still running after the block and its servers ended (their command lines). */
  leftovers: string[];
  error?: string;
}

/** A server is ready when it prints one of these (agentws's start-up line, Python's http.server). */
const READY = /listening on|Serving HTTP on/;
/** A program's line saying where it serves agents; the url ends before a space or punctuation after it. */
const LISTENING = /listening on (ws:\/\/[^\s,;)]+)/;
/** Failure bound for each wait; a healthy block needs a few seconds even on a busy machine. */
const BOUND_MS = 90_000;
/**
 * How long the rest of a command's output may take once it exited. Only a process it left running holds the output
 * open that long; that one is reported as left running.
 */
const OUTPUT_GRACE_MS = 5_000;

/** Resolves true when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([promise.then(() => true as const), bound]);
  clearTimeout(timer);
  return result;
}

class Proc {
  readonly child: ChildProcess;
  output = '';
  stdout = '';
  code: number | null = null;
  signal: string | null = null;
  /** Resolves when the process it started exited. */
  readonly exited: Promise<void>;
  /** Resolves when every process holding its output pipes is gone, not only the first one. */
  readonly closed: Promise<void>;
  #listeners = new Set<() => void>();

  constructor(file: string, args: string[], spec: BlockSpec) {
    this.child = spawn(file, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        this.output += chunk;
        if (stream === this.child.stdout) this.stdout += chunk;
        this.#changed();
      });
    }
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.code = code;
        this.signal = signal;
        resolve();
        this.#changed();
      }),
    );
    this.closed = new Promise((resolve) => this.child.on('close', () => resolve()));
    this.child.on('error', (error) => {
      this.output += `\n(spawn failed: ${error.message})`;
    });
  }

  get done(): boolean {
    return this.code !== null || this.signal !== null;
  }

  /** Resolves true when `pattern` shows in the output, false when the process ended first or the bound passed. */
  async waitFor(pattern: RegExp): Promise<boolean> {
    const deadline = Date.now() + BOUND_MS;
    while (!pattern.test(this.output)) {
      if (this.done || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#listeners.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Resolves true when it and everything it started ended within the bound. */
  ended(): Promise<boolean> {
    return within(this.closed, BOUND_MS);
  }

  /** Ctrl-C: SIGINT to its whole process group, as a terminal sends it to the foreground job. */
  interrupt(): void {
    try {
      process.kill(-this.child.pid!, 'SIGINT');
    } catch {
      // Already gone.
    }
  }

  report(what: string, error?: string): StepReport {
    const { code, signal, stdout } = this;
    return { what, code, signal, output: this.output.slice(-6000), stdout, ...(error && { error }) };
  }

  #changed(): void {
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }
}

/** Runs a process to its end and reports whether it exited 0. */
async function runToEnd(what: string, proc: Proc): Promise<StepReport> {
  if (!(await within(proc.exited, BOUND_MS))) return proc.report(what, `did not end within ${BOUND_MS / 1000} s`);
  await within(proc.closed, OUTPUT_GRACE_MS);
  return proc.report(what, proc.code === 0 ? undefined : 'exited with a failure');
}

/** Stops a server with Ctrl-C and reports whether all its processes ended (a program must also exit 0). */
async function stopServer(what: string, proc: Proc, program: boolean): Promise<StepReport> {
  proc.interrupt();
  if (!(await proc.ended())) return proc.report(what, `did not stop within ${BOUND_MS / 1000} s of SIGINT`);
  if (program && proc.code !== 0) return proc.report(what, 'did not exit 0 on SIGINT');
  if (/^agentws: error/m.test(proc.output)) return proc.report(what, 'printed an error');
  return proc.report(what);
}

/** Processes of this namespace other than this one and `except` (by pid), leaving out zombies. */
function otherProcesses(except: Set<string> = new Set()): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid || except.has(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue;
      found.set(entry, readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

/** Runs the steps in order; a failed step ends the block. The server still running is stopped either way. */
async function runSteps(spec: BlockSpec, report: BlockReport): Promise<void> {
  let server: { what: string; proc: Proc; program: boolean } | undefined;
  const stop = async (): Promise<boolean> => {
    if (!server) return true;
    const step = await stopServer(server.what, server.proc, server.program);
    server = undefined;
    report.steps.push(step);
    return step.error === undefined;
  };
  /** Runs a bash command or script to its end; false when it failed. */
  const run = async (what: string, args: string[]): Promise<boolean> => {
    const result = await runToEnd(what, new Proc('bash', args, spec));
    report.steps.push(result);
    return result.error === undefined;
  };
  try {
    for (const step of spec.steps) {
      // pipefail: `agentws connect … | jq` fails when agentws does, not only when jq does.
      if (step.kind === 'run' && !(await run(step.command, ['-o', 'pipefail', '-c', step.command]))) return;
      if (step.kind === 'script' && !(await run(`bash ${step.file}`, [step.file]))) return;
      if (step.kind === 'run' || step.kind === 'script') continue;
      if (!(await stop())) return;

      const what = step.kind === 'server' ? step.command : `node ${step.file}`;
      const proc =
        step.kind === 'server'
          ? new Proc('bash', ['-c', step.command], spec)
          : new Proc(process.execPath, [step.file], spec);
      const ready = await proc.waitFor(step.kind === 'server' ? READY : LISTENING);
      if (!ready && (step.kind === 'server' || step.serves || !proc.done)) {
        proc.interrupt();
        await proc.ended();
        report.steps.push(
          proc.report(what, proc.done ? 'ended before it was listening' : 'never said it was listening'),
        );
        return;
      }
      if (!ready) {
        report.steps.push(await runToEnd(what, proc));
        continue;
      }
      server = { what, proc, program: step.kind === 'program' };
      if (step.kind === 'program') {
        const command = `npx agentws connect ${LISTENING.exec(proc.output)![1]!} ${JSON.stringify(spec.message)}`;
        if (!(await run(command, ['-o', 'pipefail', '-c', command]))) return;
      }
    }
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  const [specFile, reportFile] = process.argv.slice(2);
  const spec = JSON.parse(readFileSync(specFile!, 'utf8')) as BlockSpec;
  const report: BlockReport = { steps: [], leftovers: [] };
  // Ours, such as tsx's esbuild service.
  const before = new Set(otherProcesses().keys());
  const fake = await startFakeOpenAI({ respond: demoResponder() });
  const entry = (model: string, tags: string[]): object => ({
    model,
    base_url: fake.baseURL,
    api_key: 'sk-docs',
    tags,
  });
  writeFileSync(
    path.join(spec.cwd, 'OAI_CONFIG_LIST'),
    JSON.stringify([
      entry('gpt-4o-mini', ['openai']),
      entry('llama3.1', ['local', 'ollama']),
      entry('local-model', ['local', 'llama.cpp']),
    ]),
  );
  spec.env = { ...spec.env, OPENAI_API_KEY: 'sk-docs', OPENAI_BASE_URL: fake.baseURL };
  try {
    await runSteps(spec, report);
  } catch (error) {
    report.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  report.leftovers = [...otherProcesses(before).values()];
  writeFileSync(reportFile!, JSON.stringify(report));
  // This is the namespace's first process: exiting ends whatever is left in it.
  process.exit(0);
}

await main();
