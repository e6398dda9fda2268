import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Child processes of the benchmark: the fake model, `agentws serve`, the bare ws server and the load clients each
 * run in their own process so that none of them shares an event loop (or, with two cores, much of a CPU) with another.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The `agentws` binary under test: this checkout's, or another build's (`--agentws`, for before/after figures). */
export function agentwsBin() {
  return process.env.AGENTWS_BENCH_BIN ?? join(ROOT, 'bin', 'agentws.js');
}

/** File descriptors every child may need: 2,000 sessions are 2,000 sockets in each process, plus the model streams. */
const WANTED_FDS = 16384;

function fdLimits() {
  const soft = Number(spawnSync('sh', ['-c', 'ulimit -Sn'], { encoding: 'utf8' }).stdout.trim());
  const hardText = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  const hard = hardText === 'unlimited' ? Infinity : Number(hardText);
  return { soft: Number.isFinite(soft) ? soft : Infinity, hard };
}

const limits = fdLimits();
/** The soft fd limit the children run with (raised up to the hard limit when it is too low). */
export const FD_LIMIT = limits.soft >= WANTED_FDS ? limits.soft : Math.min(WANTED_FDS, limits.hard);

/** Spawns `node ...args`, through `sh -c 'ulimit -n N; exec node ...'` when the fd limit must be raised. */
export function spawnNode(args, options = {}) {
  const spawnOptions = { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], ...options };
  if (FD_LIMIT === limits.soft) return spawn(process.execPath, args, spawnOptions);
  return spawn('sh', ['-c', `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, process.execPath, ...args], spawnOptions);
}

/** Keeps the last lines a child wrote to stderr, for error messages. */
function tailOf(stream, keep = 20) {
  const lines = [];
  createInterface({ input: stream }).on('line', (line) => {
    lines.push(line);
    if (lines.length > keep) lines.shift();
  });
  return lines;
}

/**
 * Starts a long-lived child and resolves with `{ child, value }` once `ready(line)` returns something other than
 * undefined for a line of its stdout. Rejects when it exits first or after `timeoutMs`.
 */
export function startChild(name, args, ready, { timeoutMs = 20_000, nodeOptions = [] } = {}) {
  const child = spawnNode([...nodeOptions, ...args]);
  const stderr = tailOf(child.stderr);
  child.stdin.on('error', () => {});
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name} ${why}${stderr.length > 0 ? `:\n  ${stderr.join('\n  ')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code) => fail(`exited with ${code} before it was ready`);
    child.once('exit', onExit);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const value = ready(line);
      if (value === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.removeAllListeners('line');
      child.stdout.resume();
      resolve({ child, value, stderr });
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export function stopChild(child, graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs one load-client scenario (bench/load.js) in its own process and resolves with its result. `onProgress` gets
 * its progress messages as they come, and `send(line)`, which writes a command line to the scenario's stdin (the
 * `hold` scenario is steered so). The child is killed after `timeoutMs`.
 */
export function runLoad(scenario, options, { timeoutMs = 120_000, onProgress } = {}) {
  const child = spawnNode(['bench/load.js', scenario, JSON.stringify({ timeoutMs: timeoutMs - 5_000, ...options })]);
  const stderr = tailOf(child.stderr);
  child.stdin.on('error', () => {});
  const send = (line) => child.stdin.write(`${line}\n`);
  let result;
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (message.type === 'result') result = message.result;
    else if (message.type === 'progress') onProgress?.(message, send);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (result?.error !== undefined) reject(new Error(`load ${scenario}: ${result.error}`));
      else if (result !== undefined) resolve(result);
      else {
        const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
        reject(new Error(`load ${scenario} ${why}${stderr.length > 0 ? `:\n  ${stderr.join('\n  ')}` : ''}`));
      }
    });
  });
}

/** Resident memory of a process in MiB (Linux /proc), or null where there is no /proc. */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return Number.isFinite(kib) ? kib / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc, clock ticks of 10 ms), or null. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** CPU time all cores of the machine spent busy so far, in ms (Linux /proc/stat), or null. */
function machineBusyMs() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) * 10;
  } catch {
    return null;
  }
}

/** How busy the machine is over `ms` (percent of one core; 200 = both cores of a 2-core machine), or null. */
export async function backgroundCpu(ms = 1_000) {
  const probe = cpuProbe([]);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return probe().others;
}

/**
 * Starts measuring CPU use: of each process in `pids` and of the whole machine. The function it returns gives, since
 * then, each process's CPU as a percentage of one core (in `pids` order), and `others`: the machine's busy time that
 * none of them (nor `extraMs`, e.g. the load client's own figure) accounts for, i.e. other programs on the machine.
 */
export function cpuProbe(pids) {
  const at = performance.now();
  const machine = machineBusyMs();
  const before = pids.map(cpuMs);
  return (extraMs = 0) => {
    const wall = performance.now() - at;
    const pct = (ms) => (ms === null || Number.isNaN(ms) ? null : Math.round((100 * ms) / wall));
    const used = pids.map((pid, i) => {
      const now = cpuMs(pid);
      return now === null || before[i] === null ? null : now - before[i];
    });
    const machineNow = machineBusyMs();
    const ours = used.reduce((sum, ms) => sum + (ms ?? 0), extraMs);
    const others = machineNow === null || machine === null ? null : Math.max(0, machineNow - machine - ours);
    return { procs: used.map(pct), others: pct(others), ms: used };
  };
}

/** Runs `node ...args` to completion and returns how long it took (ms), its exit code and its output. */
export function timeNode(args, { timeoutMs = 10_000 } = {}) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { ms: performance.now() - started, code: result.status, stdout: result.stdout, stderr: result.stderr };
}
