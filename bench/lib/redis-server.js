import { spawn } from 'node:child_process';
import { freePort } from './servers.js';
import { stopChild } from './children.js';

/**
 * The store phase's own `redis-server` (Debian's, on PATH): on a free loopback port, persisting nothing (`--save ''
 * --appendonly no`), stopped at the end of the phase. The same as test/helpers/redis-server.ts, for the benchmark.
 */

/** Running redis-servers: killed if the benchmark exits without stopping them (its time limit, a crash). */
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts redis-server on `port`; resolves with the child once it accepts connections, rejects if it exits first. */
function launch(port) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += String(chunk);
      if (output.includes('Ready to accept connections')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output.trim()}`));
    child.stdout.on('data', onData);
    child.stderr.resume();
    child.once('exit', onExit);
    child.once('error', (error) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('redis-server is not installed: apt-get install -y redis-server (the store phase needs it)')
          : error,
      ),
    );
  });
}

/**
 * Starts a redis-server; resolves with `{ url, pid, stop }` (`url`: `redis://127.0.0.1:<port>/0`). A port another
 * process took between the probe and the start is retried with another.
 */
export async function startRedis() {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(port);
      running.add(child);
      child.once('exit', () => running.delete(child));
      return { url: `redis://127.0.0.1:${port}/0`, pid: child.pid, stop: () => stopChild(child) };
    } catch (error) {
      if (attempt >= 4 || error.message.includes('not installed')) throw error;
    }
  }
}
