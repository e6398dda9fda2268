import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI } from '../../src/testing/index.js';
import { BIN, CliProcess, ROOT, killAll, runCli, startServe, tempDir } from './helpers/spawn-cli.js';

// Human input end to end: UserProxyAgent in ALWAYS and TERMINATE modes inside `agentws serve`, answered by
// `agentws connect` from piped standard input and from a real pseudo-terminal (util-linux `script`); and the
// follow-up messages `agentws serve`'s own agents ask for after each chat.

const AGENT_MODULE = `
import { ConversableAgent, UserProxyAgent } from ${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))};
export default async function onConnect(iostream, { configList }) {
  const message = await iostream.input();
  if (process.env.AGENT_KIND === 'password') {
    const secret = await iostream.input('API key: ', { password: true });
    iostream.print('got ' + secret.length + ' characters');
    return;
  }
  const chatbot = new ConversableAgent({ name: 'chatbot', llmConfig: { configList, stream: true } });
  const userProxy = new UserProxyAgent({
    name: 'user_proxy',
    humanInputMode: process.env.AGENT_KIND,
    isTerminationMsg: (m) => (m.content ?? '').trimEnd().endsWith('TERMINATE'),
    codeExecutionConfig: false,
  });
  await userProxy.initiateChat(chatbot, { message });
}
`;

const ALWAYS_PROMPT =
  "Replying as user_proxy. Provide feedback to chatbot. Press enter to skip and use auto-reply, or type 'exit' to end the conversation: ";

let fake: FakeOpenAI;
let work: { dir: string; remove: () => void };
let modulePath: string;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  work = tempDir({
    OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]),
  });
  modulePath = path.join(work.dir, 'human-agent.mjs');
  writeFileSync(modulePath, AGENT_MODULE);
});

afterEach(async () => {
  await killAll();
  await fake.close();
  work.remove();
});

async function serveWith(kind: string): Promise<string> {
  const { uri } = await startServe(['--on-connect', modulePath], { cwd: work.dir, env: { AGENT_KIND: kind } });
  return uri;
}

describe('human input through agentws connect, piped', () => {
  it('ALWAYS: each line of standard input answers one prompt (a message, an empty auto-reply, exit)', async () => {
    fake.enqueue({ content: 'First answer.' }, { content: 'Second answer.' }, { content: 'Third.' });
    const uri = await serveWith('ALWAYS');
    const result = await runCli(['connect', uri], { input: 'hello\ntell me more\n\nexit\n' });
    expect(result.code).toBe(0);
    expect(result.stdout.split(ALWAYS_PROMPT).length - 1).toBe(3);
    expect(result.stdout).toContain('>>>>>>>> NO HUMAN INPUT RECEIVED.');
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'tell me more' });
  });

  it('TERMINATE: asked only at the termination message; an empty answer ends the chat', async () => {
    fake.enqueue({ content: 'All done.\nTERMINATE' });
    const uri = await serveWith('TERMINATE');
    const result = await runCli(['connect', uri], { input: 'hi\n\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "Please give feedback to chatbot. Press enter or type 'exit' to stop the conversation: ",
    );
    expect(result.stdout).not.toContain('Replying as user_proxy');
    expect(fake.requests).toHaveLength(1);
  });
});

/** Runs `agentws connect` in a pseudo-terminal; `answer` types a line when the output matches. */
function connectInPty(
  args: string[],
  answers: Array<{ when: RegExp; type: string }>,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, 'connect', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const pending = [...answers];
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    const next = pending[0];
    if (next && next.when.test(output)) {
      pending.shift();
      child.stdin.write(next.type + '\r');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('human input through agentws connect, at a terminal', () => {
  it('ALWAYS: the person is prompted and types exit', async () => {
    fake.enqueue({ content: 'Hello from the model.' });
    const uri = await serveWith('ALWAYS');
    const result = await connectInPty([uri, 'hi there'], [{ when: /Provide feedback to chatbot/, type: 'exit' }]);
    expect(result.code).toBe(0);
    expect(result.output).toContain('Hello from the model.');
    expect(result.output).toContain(ALWAYS_PROMPT.trimEnd());
    expect(fake.requests).toHaveLength(1);
  });

  it('a password prompt hides what is typed', async () => {
    const uri = await serveWith('password');
    const result = await connectInPty([uri, 'start'], [{ when: /API key: /, type: 'hunter22' }]);
    expect(result.code).toBe(0);
    expect(result.output).toContain('got 8 characters');
    expect(result.output).not.toContain('hunter22');
  });
});

describe('follow-up messages to the default agents (agentws serve without --on-connect)', () => {
  const FIRST = 'What is the weather in Paris?';
  const SECOND = 'And in Rome?';
  const SEPARATOR = '-'.repeat(80) + '\n';
  const NEXT = 'Next message (empty line to end): ';

  /** The model answers each chat once, ending it; the second request must carry the first chat. */
  function expectSecondChatSawTheFirst(): void {
    expect(fake.requests).toHaveLength(2);
    const messages = fake.requests[1]!.body.messages;
    expect(messages).toContainEqual(expect.objectContaining({ role: 'user', content: FIRST }));
    expect(messages).toContainEqual(expect.objectContaining({ role: 'assistant', content: 'Sunny.\nTERMINATE' }));
    expect(messages.at(-1)).toMatchObject({ role: 'user', content: SECOND });
  }

  beforeEach(() => fake.enqueue({ content: 'Sunny.\nTERMINATE' }, { content: 'Rainy.\nTERMINATE' }));

  it('piped: the lines left after the message are follow-ups, shown once as the messages they are', async () => {
    const { uri } = await startServe([], { cwd: work.dir });
    const result = await runCli(['connect', uri], { input: `${FIRST}\n${SECOND}\n` });
    expect(result.code).toBe(0);
    expectSecondChatSawTheFirst();
    expect(result.stdout).toContain(`user_proxy (to chatbot):\n\n${SECOND}\n`);
    // Not echoed as an answer (the chat shows it), and the end of input that ended the run adds nothing.
    expect(result.stdout.split(SECOND)).toHaveLength(2);
    expect(result.stdout.endsWith(`Rainy.\nTERMINATE\n\n${SEPARATOR}`)).toBe(true);
  });

  it('at a terminal: after each chat the person is asked for the next message; an empty line ends the run', async () => {
    const { uri } = await startServe([], { cwd: work.dir });
    const result = await connectInPty(
      [uri, FIRST],
      [
        { when: /Next message \(empty line to end\): /, type: SECOND },
        { when: /Next message[^]*Next message \(empty line to end\): /, type: '' },
      ],
    );
    expect(result.code).toBe(0);
    expectSecondChatSawTheFirst();
    expect(result.output).toContain('Rainy.');
  });

  it('--interactive from a pipe: prompted like at a terminal, answers not echoed', async () => {
    const { uri } = await startServe([], { cwd: work.dir });
    const client = new CliProcess(['connect', '--interactive', uri]); // stdin stays open: a person types
    await client.waitFor(/^Message: $/);
    client.child.stdin!.write(`${FIRST}\n`);
    await client.waitFor(new RegExp(`Sunny[^]*${NEXT.replace(/[()]/g, '\\$&')}$`));
    client.child.stdin!.write(`${SECOND}\n`);
    await client.waitFor(/Rainy[^]*Next message \(empty line to end\): $/);
    client.child.stdin!.write('\n');
    expect(await client.exited).toBe(0);
    expectSecondChatSawTheFirst();
    expect(client.stdout.split(SECOND)).toHaveLength(2);
    expect(client.stdout.split(NEXT)).toHaveLength(3);
  });
});
