import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A `redis-server` of a test's own, on a free loopback port, with nothing persisted. */
export interface RedisProcess {
  readonly port: number;
  /** `redis://127.0.0.1:<port>/0`. */
  readonly url: string;
  /** Stops it (SIGTERM, or `signal`) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (after {@link stop}), empty. */
  restart(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) it: its connections stay open but it answers nothing. */
  pause(paused: boolean): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on `port`; resolves once it accepts connections, rejects if it exits first. */
async function launch(port: number, config: readonly string[]): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...args, '--daemonize', 'no', ...config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does)')
          : error,
      ),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
}

/**
 * Starts a redis-server for one test file. `config` adds directives (e.g. `['--stream-node-max-entries', '4']`).
 * A port another process took between the probe and the start is retried with another.
 */
export async function startRedis(config: readonly string[] = []): Promise<RedisProcess> {
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, config);
    } catch (error) {
      if (attempt >= 4 || (error instanceof Error && error.message.includes('not installed'))) throw error;
    }
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    running.kill('SIGCONT'); // a paused server handles SIGTERM only once it runs again
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop,
    async restart() {
      await stop();
      child = await launch(port, config);
    },
    pause(paused) {
      child?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
    },
  };
}
