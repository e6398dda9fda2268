import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/ws-client.js';
import { killAll, startServe, tempDir } from './helpers/spawn-cli.js';

// `agentws serve --verbose` logs the client's first message: a newline in it must not start a forged log line, and an
// escape sequence must not reach the operator's terminal. Spawns the real CLI (dist/ must be built).

const FORGED = 'hi\nagentws: error: forged line\r\u001b[31mred\u001b[0m\u0007\u009b2J\u2028end';

let remove: (() => void) | undefined;
afterEach(async () => {
  await killAll();
  remove?.();
});

describe('agentws serve --verbose with control characters in client text', () => {
  it('escapes them in the log line, so each log entry stays one line and no escape sequence is written', async () => {
    const work = tempDir();
    remove = work.remove;
    const { serve, uri } = await startServe(['--demo', '--verbose'], { cwd: work.dir });

    const client = await TestClient.open(uri);
    client.send(FORGED);
    expect(await client.closed).toBe(1000);
    await serve.waitFor(/ended: completed/);
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0); // all its output is in

    const escaped = 'hi\\nagentws: error: forged line\\r\\x1b[31mred\\x1b[0m\\x07\\x9b2J\\u2028end';
    expect(serve.stdout).toContain(`Initiating chat with agent chatbot using message '${escaped}'`);
    const output = serve.stdout + serve.stderr;
    expect(output).not.toMatch(/^agentws: error: forged/m);
    // eslint-disable-next-line no-control-regex -- no raw control character but the line ends
    expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
  });
});
