import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, killAll, runCli, startServe } from './helpers/spawn-cli.js';

// When whatever reads `agentws serve`'s stdout or stderr goes away (EPIPE), the server keeps serving: it stops writing
// to that stream and says so once on the other one. A supervisor that restarts on failure must never see exit 0 while
// sessions could still be served. Spawns the real CLI (dist/ must be built).

const ECHO_AGENT = path.join(ROOT, 'examples', 'echo-agent.mjs');
const TOKEN = 'pipe-test-token-0123456789';

afterEach(async () => {
  await killAll();
});

async function healthz(uri: string): Promise<number> {
  return (await fetch(uri.replace(/^ws:/, 'http:') + '/healthz')).status;
}

describe('agentws serve when an output stream goes away', () => {
  it('stdout: keeps serving, says so once on stderr, and still stops with 0 on SIGTERM', async () => {
    const { serve, uri } = await startServe(['--on-connect', ECHO_AGENT]);
    serve.child.stdout!.destroy(); // the reader goes away: the next line serve writes gets EPIPE

    // Each session logs "started" and "ended" lines to stdout.
    expect((await runCli(['connect', uri, 'first'])).code).toBe(0);
    await serve.waitFor(/standard output went away/, 'stderr');

    const second = await runCli(['connect', uri, 'second']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('echo (1): second');
    expect(await healthz(uri)).toBe(200);
    expect(serve.child.exitCode).toBeNull();

    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr.match(/standard output went away/g)).toHaveLength(1);
  });

  it('stderr: keeps serving, says so once on stdout', async () => {
    const { serve, uri } = await startServe(['--on-connect', ECHO_AGENT, '--token', TOKEN]);
    serve.child.stderr!.destroy();

    // A refused upgrade logs a warning to stderr.
    expect((await runCli(['connect', uri, 'no token'])).code).toBe(10);
    await serve.waitFor(/standard error went away/);

    const allowed = await runCli(['connect', '--token', TOKEN, uri, 'with token']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('echo (1): with token');
    expect(await healthz(uri)).toBe(200);
    // Refusals after stderr went away are not written anywhere, and do not stop the server.
    expect((await runCli(['connect', uri, 'again'])).code).toBe(10);
    expect(await healthz(uri)).toBe(200);

    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stdout.match(/standard error went away/g)).toHaveLength(1);
  });
});
