import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentwsBin, spawnNode, startChild, stopChild } from './children.js';

/**
 * The servers of the benchmark, each in its own process: the fake model, `agentws serve` (as a user starts it, from
 * bin/agentws.js) and the bare ws server.
 */

function jsonLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Starts bench/fake-model.js; resolves with `{ fast, paced, stop }` (two base URLs). */
export async function startFakeModel({ pacedMs }) {
  const { child, value } = await startChild(
    'the fake model',
    ['bench/fake-model.js', '--paced-ms', String(pacedMs)],
    jsonLine,
  );
  return { ...value, pid: child.pid, stop: () => stopChild(child) };
}

/** Starts bench/bare-ws.js for the fake model's `model` reply; resolves with `{ uri, tokens, stop }`. */
export async function startBareWs(baseURL, model) {
  const { child, value } = await startChild('the bare ws server', ['bench/bare-ws.js', baseURL, model], jsonLine);
  return { ...value, pid: child.pid, stop: () => stopChild(child) };
}

const tempDirs = new Set();
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A port free right now (the kernel's pick for port 0, released at once). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `GET /healthz` answers 200 (`--quiet` prints no banner to wait for). */
async function healthy(port, child, timeoutMs = 20_000) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (child.exitCode !== null) throw new Error(`agentws serve exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(25);
  }
  throw new Error(`agentws serve did not answer /healthz within ${timeoutMs} ms`);
}

/**
 * Starts `agentws serve --quiet` as a user would (bin/agentws.js) with a config list naming `model` at `baseURL` and
 * the default onConnect (the seed pair). Resolves with `{ uri, pid, stop }`, and `inspectorUrl` with `inspect: true`
 * (node's inspector on 127.0.0.1, for full GCs in the memory phase). `nodeOptions` go to node (e.g. `--cpu-prof`),
 * `args` to `agentws serve` (e.g. `['--resume-window', '0']`), `env` adds to its environment (e.g. OTEL_*), and `bin`
 * runs another build (the relay phase's baseline).
 */
export async function startServe({
  baseURL,
  model,
  maxSessions = 5000,
  nodeOptions = [],
  inspect = false,
  args: more = [],
  env = {},
  bin = agentwsBin(),
}) {
  const dir = mkdtempSync(join(tmpdir(), 'agentws-bench-'));
  tempDirs.add(dir);
  const config = join(dir, 'OAI_CONFIG_LIST');
  writeFileSync(config, JSON.stringify([{ model, api_key: 'bench-key', base_url: baseURL }]));
  const port = await freePort();
  const args = [
    bin,
    'serve',
    '--port',
    String(port),
    '--config',
    config,
    '--max-sessions',
    String(maxSessions),
    ...more,
  ];
  const child = spawnNode([...nodeOptions, ...(inspect ? ['--inspect=127.0.0.1:0'] : []), ...args, '--quiet'], {
    env: { ...process.env, ...env },
  });
  const stderr = [];
  child.stderr.on('data', (data) => stderr.push(String(data)));
  child.stdout.resume();
  try {
    await healthy(port, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}${stderr.length > 0 ? `:\n  ${stderr.join('').trim()}` : ''}`);
  }
  const inspectorUrl = inspect ? /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(stderr.join(''))?.[0] : undefined;
  if (inspect && inspectorUrl === undefined) {
    child.kill('SIGKILL');
    throw new Error('agentws serve --inspect printed no inspector URL');
  }
  return {
    uri: `ws://127.0.0.1:${port}`,
    pid: child.pid,
    child,
    stderr,
    inspectorUrl,
    stop: () => stopChild(child, 10_000),
  };
}
