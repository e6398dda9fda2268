import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Spawns the real `agentws` binary (bin/agentws.js → dist/cli/main.js). The tests rely on dist/ being built:
 * `npm test` runs `npm run build` first; when running vitest by hand, build first.
 */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'agentws.js');
export const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';

/** Variables that would make a test depend on the machine it runs on. */
const SCRUBBED = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OAI_CONFIG_LIST', 'AGENTWS_TOKEN', 'NO_COLOR', 'FORCE_COLOR'];

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. Leave undefined to keep stdin open (a pipe that never ends). */
  input?: string;
}

/** A running CLI process with everything it printed so far. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  #waiters: Array<() => void> = [];

  constructor(args: string[], options: SpawnOptions = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SCRUBBED) delete env[name];
    // OpenTelemetry's variables would send this test's spans to the machine's collector.
    for (const name of Object.keys(env)) if (name.startsWith('OTEL_')) delete env[name];
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.#append('stdout', chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.#append('stderr', chunk));
    this.child.stdin!.on('error', () => {});
    if (options.input !== undefined) this.child.stdin!.end(options.input);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    void this.exited.then(() => this.#wake());
    live.add(this);
  }

  #append(stream: 'stdout' | 'stderr', chunk: string): void {
    this[stream] += chunk;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves with the first match of `pattern` in stdout (or stderr); rejects when the process exits first. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this[stream]);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `agentws exited (${this.child.exitCode}) before printing ${pattern}:\n${this.stdout}\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

const live = new Set<CliProcess>();

/** Kills every process the test started (for afterEach). */
export async function killAll(): Promise<void> {
  const running = [...live];
  live.clear();
  for (const p of running) p.kill();
  await Promise.all(running.map((p) => p.exited));
}

/** Runs the CLI to its end. */
export async function runCli(
  args: string[],
  options: SpawnOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args, { input: '', ...options });
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** Starts `agentws serve ... --port 0` and waits for the end of its start-up lines (`listening on ws://...` first). */
export async function startServe(
  args: string[],
  options: SpawnOptions = {},
): Promise<{ serve: CliProcess; uri: string; url: string }> {
  const serve = new CliProcess(['serve', '--port', '0', ...args], options);
  await serve.waitFor(/Press Ctrl-C to stop\./);
  const match = await serve.waitFor(/listening on (ws:\/\/[^\s]+)/);
  const uri = match[1]!;
  return { serve, uri, url: uri.replace(/^ws:/, 'http:') + '/' };
}

/** A temporary working directory (no .env, no OAI_CONFIG_LIST unless written), removed by the returned function. */
export function tempDir(files: Record<string, string> = {}): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentws-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
