import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlockReport, BlockSpec } from './run-block.js';

/**
 * Doc blocks use fixed ports (8765, 8080, 3000) as users do. Each block runs in its own network namespace (only a
 * loopback of its own, so no port can collide with another block, another test or the machine, and nothing can reach
 * the internet) and its own PID namespace (whatever it leaves running is listed, then killed with it).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN_BLOCK = fileURLToPath(new URL('./run-block.ts', import.meta.url));
/** unshare's flags, most isolated first: without a user namespace where only root may unshare. */
const VARIANTS = [
  ['--user', '--map-root-user', '--net', '--pid', '--fork', '--mount-proc', '--kill-child'],
  ['--net', '--pid', '--fork', '--mount-proc', '--kill-child'],
];
const UP = 'ip link set lo up && exec "$0" "$@"';

const live = new Set<ChildProcess>();

/** Ends the sandboxes still running (a test that timed out): unshare's --kill-child takes everything in them along. */
export function killSandboxes(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

let probed: { flags?: string[]; reason?: string } | undefined;

/** unshare's flags that work here, or why no sandbox can be made (not Linux, unshare or ip missing, not allowed). */
export function sandboxFlags(): { flags?: string[]; reason?: string } {
  if (probed) return probed;
  const errors: string[] = [];
  for (const flags of VARIANTS) {
    const result = spawnSync('unshare', [...flags, 'sh', '-c', UP, 'true'], { encoding: 'utf8' });
    if (result.status === 0) return (probed = { flags });
    errors.push((result.error?.message ?? result.stderr).trim());
  }
  return (probed = { reason: `cannot make a network namespace with unshare and ip (${errors.join('; ')})` });
}

/** Runs `spec` in a fresh sandbox with `node` (this one) and tsx, and returns its report. */
export async function runInSandbox(spec: BlockSpec, boundMs = 240_000): Promise<BlockReport> {
  const { flags, reason } = sandboxFlags();
  if (!flags) throw new Error(reason);
  const dir = mkdtempSync(path.join(spec.cwd, '.sandbox-'));
  const specFile = path.join(dir, 'spec.json');
  const reportFile = path.join(dir, 'report.json');
  writeFileSync(specFile, JSON.stringify(spec));
  const args = [...flags, 'sh', '-c', UP, process.execPath, '--import', 'tsx', RUN_BLOCK, specFile, reportFile];
  // From the repository, where `--import tsx` resolves; the steps run in spec.cwd.
  const child = spawn('unshare', args, { cwd: ROOT, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // A failure bound only: run-block.ts bounds each wait, this catches anything that slips past it.
  const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  live.delete(child);
  try {
    return JSON.parse(readFileSync(reportFile, 'utf8')) as BlockReport;
  } catch {
    throw new Error(`the sandbox ended (${code ?? 'killed'}) without a report:\n${output}`);
  }
}
