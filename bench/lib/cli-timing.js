import { spawn } from 'node:child_process';
import { agentwsBin, ROOT, timeNode } from './children.js';

/**
 * Cold start of the CLI: each measurement is a new node process, as when a person or a script runs the command.
 */

/** `node -e 0`: the floor every command pays before agentws runs a line. */
export async function timeNodeAlone() {
  return timeNode(['-e', '0']).ms;
}

/** `agentws --version`, spawn to exit. */
export async function timeVersion() {
  const run = timeNode([agentwsBin(), '--version']);
  if (run.code !== 0) throw new Error(`agentws --version exited with ${run.code}: ${run.stderr.trim()}`);
  return run.ms;
}

/**
 * `agentws connect <uri> <message>`: spawn to the first byte of the first frame on stdout. The process then runs
 * the seed conversation to its end; it must exit 0.
 */
export function timeConnect(uri, message, timeoutMs = 3_000) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [agentwsBin(), 'connect', uri, message, '--no-color'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let firstFrameMs;
    let stderr = '';
    child.stdout.once('data', () => {
      firstFrameMs = performance.now() - started;
    });
    child.stdout.resume();
    child.stderr.on('data', (data) => (stderr += data));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && firstFrameMs !== undefined) resolve(firstFrameMs);
      else reject(new Error(`agentws connect exited with ${code ?? signal}: ${stderr.trim().slice(0, 500)}`));
    });
  });
}
