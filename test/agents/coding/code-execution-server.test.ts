import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssistantAgent, LocalCommandLineCodeExecutor, UserProxyAgent } from '../../../src/agents/index.js';
import { ServerError } from '../../../src/errors.js';
import type { HumanInputMode, ServerFrame, WireFrame } from '../../../src/protocol/events.js';
import { JSON_SUBPROTOCOL } from '../../../src/protocol/events.js';
import { runServer, type AgentwsServer, type ServerOptions } from '../../../src/server/agentws-server.js';
import { silentLogger } from '../../../src/server/logger.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../src/testing/index.js';
import { TestClient } from '../../helpers/ws-client.js';

// Code execution on a real server, over a real websocket: off unless the endpoint's allowCodeExecution is on.

let fake: FakeOpenAI;
let server: AgentwsServer | undefined;
let workDir: string;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  workDir = mkdtempSync(path.join(tmpdir(), 'agentws-test-server-code-'));
});

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
  await fake.close();
  rmSync(workDir, { recursive: true, force: true });
});

const CODE_REPLY = "```python\nprint('hello from the server')\n```";

/** A server whose sessions run the assistant / user proxy pair on the fake model. */
async function serve(options: Partial<ServerOptions>, humanInputMode: HumanInputMode = 'NEVER'): Promise<string> {
  server = await runServer({
    port: 0,
    logger: silentLogger,
    ...options,
    onConnect: async (io) => {
      const message = await io.input();
      const assistant = new AssistantAgent({
        name: 'assistant',
        llmConfig: { configList: [{ model: 'gpt-4', api_key: 'sk-test', base_url: fake.baseURL }] },
      });
      const userProxy = new UserProxyAgent({
        name: 'user_proxy',
        humanInputMode,
        maxConsecutiveAutoReply: 3,
        isTerminationMsg: (m) => (m.content ?? '').trimEnd().endsWith('TERMINATE'),
        codeExecutionConfig: { executor: new LocalCommandLineCodeExecutor({ workDir }) },
      });
      await userProxy.initiateChat(assistant, { message });
    },
  });
  return server.uri;
}

function textFrom(frames: WireFrame[], sender: string): string[] {
  return (frames as ServerFrame[]).flatMap((f) =>
    f.type === 'text' && f.content.sender === sender ? [f.content.content ?? ''] : [],
  );
}

describe('allowCodeExecution', () => {
  it('off (the default): the user proxy runs nothing, tells the model why, and the client gets an error event', async () => {
    const uri = await serve({});
    fake.enqueue({ content: CODE_REPLY }, { content: 'Understood.\nTERMINATE' });
    const client = await TestClient.open(uri, JSON_SUBPROTOCOL);
    client.send('Say hello in Python.');

    await client.waitForEvent('run_completion');

    const events = client.events;
    const errors = events.filter((e) => e.type === 'error');
    expect(errors.map((e) => e.content)).toEqual([
      {
        error: expect.stringContaining("'agentws serve --allow-code-execution'") as string,
        code: 'CODE_EXECUTION_REFUSED',
        fatal: false,
      },
    ]);
    const [refusal] = textFrom(events, 'user_proxy').slice(1);
    expect(refusal).toMatch(/^exitcode: 1 \(execution failed\)\nCode output: Code execution is not allowed here/);
    expect(events.some((e) => e.type === 'generate_code_execution_reply')).toBe(false);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('on: the block runs and its output goes back to the model', async () => {
    const uri = await serve({ allowCodeExecution: true });
    fake.enqueue({ content: CODE_REPLY }, { content: 'TERMINATE' });
    const client = await TestClient.open(uri, JSON_SUBPROTOCOL);
    client.send('Say hello in Python.');

    await client.waitForEvent('run_completion');

    expect(textFrom(client.events, 'user_proxy')[1]).toBe(
      'exitcode: 0 (execution succeeded)\nCode output: hello from the server\n',
    );
    expect(client.events.find((e) => e.type === 'generate_code_execution_reply')?.content).toEqual({
      code_block_languages: ['python'],
      sender: 'assistant',
      recipient: 'user_proxy',
    });
  });

  it('on, in text mode: the client sees what AutoGen prints, and approves the run by answering its question', async () => {
    const uri = await serve({ allowCodeExecution: true }, 'TERMINATE');
    fake.enqueue({ content: CODE_REPLY }, { content: 'TERMINATE' });
    const client = await TestClient.open(uri);
    client.send('Say hello in Python.');

    await client.waitFor((frames) => frames.some((f) => f.startsWith('Run the code block above (python)?')));
    client.send('yes');
    await client.waitFor((frames) => frames.some((f) => f.startsWith('Please give feedback to assistant')));
    client.send('');
    await client.closed;

    const transcript = client.frames.join('');
    expect(transcript).toContain('\n>>>>>>>> EXECUTING CODE BLOCK (inferred language is python)...\n');
    expect(transcript).toContain(
      'user_proxy (to assistant):\n\nexitcode: 0 (execution succeeded)\nCode output: hello from the server\n\n',
    );
  });

  it('is refused on a non-loopback host without a token, before anything listens', async () => {
    const start = runServer({
      host: '0.0.0.0',
      port: 0,
      logger: silentLogger,
      allowCodeExecution: true,
      onConnect: () => {},
    });
    await expect(start).rejects.toThrow(ServerError);
    await expect(start).rejects.toThrow(
      'Option allowCodeExecution (--allow-code-execution) needs a token on a non-loopback host (0.0.0.0)',
    );
  });

  it('must be a boolean', async () => {
    const start = runServer({ port: 0, logger: silentLogger, allowCodeExecution: 'yes' as never, onConnect: () => {} });
    await expect(start).rejects.toMatchObject({
      code: 'OPTION_INVALID',
      message: 'Option allowCodeExecution must be true or false.',
    });
  });
});
