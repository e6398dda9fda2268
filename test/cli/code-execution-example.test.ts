import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { ROOT, killAll, runCli, startServe, tempDir } from './helpers/spawn-cli.js';

// End-to-end: examples/code-execution.mjs served by the real `agentws serve`, talked to by the real `agentws
// connect` (dist/ must be built: `npm test` does it), the fake model writing the code.

const EXAMPLE = path.join(ROOT, 'examples', 'code-execution.mjs');
const MESSAGE = 'Compute the 10th Fibonacci number with Python.';
const FIBONACCI = '```python\na, b = 0, 1\nfor _ in range(10):\n    a, b = b, a + b\nprint(a)\n```';
const API_KEY = 'sk-code-execution-example-never-seen';
const TOKEN = 'tok-code-execution-example-0123456789';

let fake: FakeOpenAI;
let work: { dir: string; remove: () => void };

beforeEach(async () => {
  fake = await startFakeOpenAI();
  work = tempDir({ OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: API_KEY }]) });
});

afterEach(async () => {
  await killAll();
  await fake.close();
  work.remove();
});

describe('examples/code-execution.mjs', () => {
  it('with --allow-code-execution: the client approves, the block runs, the assistant gets its output', async () => {
    const { serve, uri } = await startServe(['--allow-code-execution', '--on-connect', EXAMPLE], { cwd: work.dir });
    expect(serve.stdout).toContain('CODE EXECUTION ALLOWED (--allow-code-execution)');
    await serve.waitFor(/warning: code execution is ON: /, 'stderr');
    fake.enqueue({ content: FIBONACCI }, { content: 'The 10th Fibonacci number is 55.\nTERMINATE' });

    // 'yes' approves the run; the end of input then answers TERMINATE's question with enter (the chat ends).
    const client = await runCli(['connect', uri, MESSAGE], { input: 'yes\n' });

    expect(client.code).toBe(0);
    expect(client.stdout).toContain(`assistant (to user_proxy):\n\n${FIBONACCI}\n`);
    expect(client.stdout).toContain("Run the code block above (python)? Type 'yes' to run it");
    expect(client.stdout).toContain('\n>>>>>>>> EXECUTING CODE BLOCK (inferred language is python)...\n');
    expect(client.stdout).toContain(
      'user_proxy (to assistant):\n\nexitcode: 0 (execution succeeded)\nCode output: 55\n',
    );
    expect(fake.requests[1]!.body.messages.at(-1)?.content).toBe(
      'exitcode: 0 (execution succeeded)\nCode output: 55\n',
    );
  });

  it('without the flag: nothing runs, and both the client and the model are told how to allow it', async () => {
    const { serve, uri } = await startServe(['--on-connect', EXAMPLE], { cwd: work.dir });
    expect(serve.stdout).not.toContain('CODE EXECUTION');
    fake.enqueue({ content: FIBONACCI }, { content: 'I cannot run code here.\nTERMINATE' });

    const client = await runCli(['connect', uri, MESSAGE], { input: '' });

    expect(client.code).toBe(0);
    expect(client.stdout).toContain(
      ">>>>>>>> ERROR: Code execution is not allowed here, so nothing was run. On an agentws server its operator must start it with 'agentws serve --allow-code-execution'",
    );
    expect(client.stdout).not.toContain('Run the code block above');
    expect(client.stdout).not.toContain('EXECUTING CODE BLOCK');
    expect(fake.requests[1]!.body.messages.at(-1)?.content).toMatch(
      /^exitcode: 1 \(execution failed\)\nCode output: Code execution is not allowed here/,
    );
  });

  it("keeps the server's secrets out of the code's environment: the token, the config list's keys, OPENAI_API_KEY", async () => {
    const env = {
      AGENTWS_TOKEN: TOKEN,
      OPENAI_API_KEY: 'sk-environment-key-never-seen',
      MY_SERVICE_PASSWORD: 'pw-0123456789',
      // Innocent names: these go by value, as serve registers its token and its config list's keys.
      SERVE_SETTING: TOKEN,
      LLM_SETTING: `prefix-${API_KEY}`,
    };
    const { uri } = await startServe(['--allow-code-execution', '--on-connect', EXAMPLE], { cwd: work.dir, env });
    fake.enqueue(
      { content: '```python\nimport os\nfor name, value in sorted(os.environ.items()):\n    print(name, value)\n```' },
      { content: 'TERMINATE' },
    );

    const client = await runCli(['connect', '--token', TOKEN, uri, MESSAGE], { input: 'yes\n' });

    expect(client.code).toBe(0);
    const output = fake.requests[1]!.body.messages.at(-1)?.content as string;
    expect(output).toMatch(/^exitcode: 0 \(execution succeeded\)\nCode output: [^]*\bPATH /);
    for (const secret of [TOKEN, API_KEY, env.OPENAI_API_KEY, env.MY_SERVICE_PASSWORD]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(/^(AGENTWS_TOKEN|OPENAI_API_KEY|MY_SERVICE_PASSWORD|SERVE_SETTING|LLM_SETTING) /m);
  });
});

describe('agentws serve --allow-code-execution', () => {
  it('refuses to start on a non-loopback host without a token: a usage error (exit 2) that says why', async () => {
    const result = await runCli(['serve', '--allow-code-execution', '--host', '0.0.0.0', '--port', '0'], {
      cwd: work.dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'agentws: error: Option allowCodeExecution (--allow-code-execution) needs a token on a non-loopback host ' +
        '(0.0.0.0): anyone who can reach it could run code on this machine. Set --token (or AGENTWS_TOKEN), or bind ' +
        'to 127.0.0.1.\n',
    );
  });
});
