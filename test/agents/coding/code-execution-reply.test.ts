import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConversableAgent,
  generateCodeExecutionReply,
  LocalCommandLineCodeExecutor,
  UserProxyAgent,
  type CodeExecutionConfig,
} from '../../../src/agents/index.js';
import { DefinitionError } from '../../../src/errors.js';
import { IOStream } from '../../../src/io/iostream.js';
import type { ChatMessage } from '../../../src/protocol/events.js';
import { renderText } from '../../../src/protocol/text-renderer.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../src/testing/index.js';
import { CodeIOStream } from './code-iostream.js';

let fake: FakeOpenAI;
let workDir: string;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  workDir = mkdtempSync(path.join(tmpdir(), 'agentws-test-reply-'));
});

afterEach(async () => {
  await fake.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs `fn` with a stream that allows code (or not) and answers `answers`; returns the stream. */
async function withStream(answers: string[], fn: () => Promise<unknown>, allows = true): Promise<CodeIOStream> {
  const io = new CodeIOStream(answers, allows);
  await IOStream.withDefault(io, fn);
  return io;
}

describe('generateCodeExecutionReply (test_conversable_agent.py)', () => {
  // Ports test_generate_code_execution_reply: AutoGen sets `agent._code_execution_config` between calls, agentws
  // passes the config each time. Every config gets a working folder of the test's (AutoGen: its default folder).
  it('test_generate_code_execution_reply', async () => {
    const agent = new ConversableAgent({
      name: 'a0',
      maxConsecutiveAutoReply: 10,
      codeExecutionConfig: false,
      llmConfig: false,
      humanInputMode: 'NEVER',
    });
    const dummyMessages: ChatMessage[] = [
      { content: 'no code block', role: 'user' },
      { content: 'no code block', role: 'user' },
    ];
    const codeMessage: ChatMessage = { content: '```python\nprint("hello world")\n```', role: 'user' };
    const reply = (messages: ChatMessage[], config: CodeExecutionConfig | false) =>
      generateCodeExecutionReply(agent, {
        messages,
        config: config === false ? false : { workDir, ...config },
      });
    const notFinal = { final: false, reply: null };
    const ran = { final: true, reply: 'exitcode: 0 (execution succeeded)\nCode output: \nhello world\n' };

    await withStream([], async () => {
      // Scenario 1: no code execution config: not final.
      expect(await reply(dummyMessages, false)).toEqual(notFinal);

      // Scenario 2: a config, but no code block.
      expect(await reply(dummyMessages, { useDocker: false })).toEqual(notFinal);

      // Scenario 3: a code block, but not within the last n messages.
      expect(await reply([codeMessage, ...dummyMessages], { lastNMessages: 1, useDocker: false })).toEqual(notFinal);

      // Scenario 4: a code block within the last n messages: it runs.
      const config = { lastNMessages: 3, useDocker: false } as const;
      expect(await reply([codeMessage, ...dummyMessages], config)).toEqual(ran);
      expect(config.lastNMessages).toBe(3);

      // Scenario 5: 'auto' and no code: nothing breaks, with or without an assistant message.
      const assistantMessageForAuto: ChatMessage = { content: 'This is me! The assistant!', role: 'assistant' };
      let dummyMessagesForAuto: ChatMessage[] = [];
      for (let i = 0; i < 3; i++) {
        dummyMessagesForAuto.push({ content: 'no code block', role: 'user' });
        expect(await reply(dummyMessagesForAuto, { lastNMessages: 'auto', useDocker: false })).toEqual(notFinal);
        expect(
          await reply([assistantMessageForAuto, ...dummyMessagesForAuto], { lastNMessages: 'auto', useDocker: false }),
        ).toEqual(notFinal);
      }

      // Scenario 6: 'auto' and code since the agent last spoke: it runs.
      dummyMessagesForAuto = [];
      for (let i = 0; i < 4; i++) {
        expect(
          await reply([codeMessage, ...dummyMessagesForAuto], { lastNMessages: 'auto', useDocker: false }),
        ).toEqual(ran);
        expect(
          await reply([assistantMessageForAuto, codeMessage, ...dummyMessagesForAuto], {
            lastNMessages: 'auto',
            useDocker: false,
          }),
        ).toEqual(ran);
        dummyMessagesForAuto.push({ content: 'no code block', role: 'user' });
      }

      // Scenario 7: 'auto' and code only before the assistant's message: nothing happens.
      const auto = { lastNMessages: 'auto', useDocker: false } as const;
      expect(await reply([codeMessage, assistantMessageForAuto, ...dummyMessagesForAuto], auto)).toEqual(notFinal);
      expect(auto.lastNMessages).toBe('auto');

      // Scenario 8: a misconfigured lastNMessages is an error.
      await expect(reply([codeMessage], { lastNMessages: -1, useDocker: false })).rejects.toThrow(DefinitionError);
      await expect(reply([codeMessage], { lastNMessages: 'hello world' as never, useDocker: false })).rejects.toThrow(
        "'lastNMessages' must be either a non-negative integer, or the string 'auto'",
      );
    });
  });
});

/** An assistant on the fake model and a user proxy that runs code. */
function agents(codeExecutionConfig: CodeExecutionConfig, humanInputMode: 'NEVER' | 'TERMINATE' | 'ALWAYS' = 'NEVER') {
  const assistant = new ConversableAgent({
    name: 'assistant',
    llmConfig: { configList: [{ model: 'gpt-4', api_key: 'sk-test-reply-key', base_url: fake.baseURL }] },
    humanInputMode: 'NEVER',
  });
  const userProxy = new UserProxyAgent({
    name: 'user_proxy',
    humanInputMode,
    isTerminationMsg: (message) => (message.content ?? '').trimEnd().endsWith('TERMINATE'),
    codeExecutionConfig,
  });
  return { assistant, userProxy };
}

const PYTHON_REPLY = "Run this:\n```python\nprint('hello from python')\n```";

describe('code execution in a chat', () => {
  it("runs the assistant's block with an executor and replies in AutoGen's format", async () => {
    const executor = new LocalCommandLineCodeExecutor({ workDir });
    const { assistant, userProxy } = agents({ executor });
    fake.enqueue({ content: PYTHON_REPLY }, { content: 'Done.\nTERMINATE' });

    const io = await withStream([], () => userProxy.initiateChat(assistant, { message: 'Say hello in Python.' }));

    const history = userProxy.chatMessages(assistant);
    expect(history.map((m) => m.content)).toEqual([
      'Say hello in Python.',
      PYTHON_REPLY,
      'exitcode: 0 (execution succeeded)\nCode output: hello from python\n',
      'Done.\nTERMINATE',
    ]);
    // The model saw the result as the user's message.
    expect(fake.requests[1]!.body.messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'exitcode: 0 (execution succeeded)\nCode output: hello from python\n',
    });
    const [event] = io.of('generate_code_execution_reply');
    expect(event!.content).toEqual({ code_block_languages: ['python'], sender: 'assistant', recipient: 'user_proxy' });
    expect(renderText(event!)).toEqual(['\n>>>>>>>> EXECUTING CODE BLOCK (inferred language is python)...\n']);
  });

  it("with AutoGen's older keys, announces each block by its index and joins their logs", async () => {
    const { assistant, userProxy } = agents({ workDir, useDocker: false });
    fake.enqueue({ content: '```python\nprint(1)\n```\n```sh\necho two\n```' }, { content: 'TERMINATE' });

    const io = await withStream([], () => userProxy.initiateChat(assistant, { message: 'Go.' }));

    expect(userProxy.chatMessages(assistant)[2]!.content).toBe(
      'exitcode: 0 (execution succeeded)\nCode output: \n1\n\ntwo\n',
    );
    expect(io.of('execute_code_block').map((e) => renderText(e)[0])).toEqual([
      '\n>>>>>>>> EXECUTING CODE BLOCK 0 (inferred language is python)...\n',
      '\n>>>>>>>> EXECUTING CODE BLOCK 1 (inferred language is sh)...\n',
    ]);
    // A generated file is removed after its run, as AutoGen's execute_code does.
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('reports a failing block in the failure form, its file path left out of the traceback', async () => {
    const { assistant, userProxy } = agents({ workDir, useDocker: false });
    fake.enqueue({ content: '```python\nraise ValueError("boom")\n```' }, { content: 'TERMINATE' });

    await withStream([], () => userProxy.initiateChat(assistant, { message: 'Go.' }));

    const reply = userProxy.chatMessages(assistant)[2]!.content!;
    expect(reply).toMatch(/^exitcode: 1 \(execution failed\)\nCode output: \nTraceback[^]*ValueError: boom\n$/);
    expect(reply).toContain('File "", line 1');
    expect(reply).not.toContain(workDir);
  });

  it('reports a block that ran too long in the timeout form, for both kinds of config', async () => {
    const sleeper = { content: '```python\nimport time\ntime.sleep(30)\n```' };
    const legacy = agents({ workDir, useDocker: false, timeout: 1 });
    fake.enqueue(sleeper, { content: 'TERMINATE' });
    await withStream([], () => legacy.userProxy.initiateChat(legacy.assistant, { message: 'Go.' }));
    expect(legacy.userProxy.chatMessages(legacy.assistant)[2]!.content).toBe(
      'exitcode: 1 (execution failed)\nCode output: \nTimeout',
    );

    const executor = new LocalCommandLineCodeExecutor({ workDir, timeout: 1 });
    const withExecutor = agents({ executor });
    fake.enqueue(sleeper, { content: 'TERMINATE' });
    await withStream([], () => withExecutor.userProxy.initiateChat(withExecutor.assistant, { message: 'Go.' }));
    expect(withExecutor.userProxy.chatMessages(withExecutor.assistant)[2]!.content).toBe(
      'exitcode: 124 (execution failed)\nCode output: \nTimeout',
    );
  });
});

describe('approval (humanInputMode ALWAYS and TERMINATE)', () => {
  const PROMPT =
    "Run the code block above (python)? Type 'yes' to run it, press enter to skip, 'exit' to end the conversation, " +
    'or type a reply to send instead: ';

  it('TERMINATE: asks before running, and runs on yes', async () => {
    const { assistant, userProxy } = agents({ executor: new LocalCommandLineCodeExecutor({ workDir }) }, 'TERMINATE');
    fake.enqueue({ content: PYTHON_REPLY }, { content: 'TERMINATE' });

    // The last answer is TERMINATE's own question: enter ends the chat.
    const io = await withStream(['yes', ''], () => userProxy.initiateChat(assistant, { message: 'Go.' }));

    expect(io.prompts[0]).toBe(PROMPT);
    expect(userProxy.chatMessages(assistant)[2]!.content).toBe(
      'exitcode: 0 (execution succeeded)\nCode output: hello from python\n',
    );
  });

  it('ALWAYS: the feedback question comes first, as in AutoGen; enter there, then no at the approval: nothing runs', async () => {
    const { assistant, userProxy } = agents({ executor: new LocalCommandLineCodeExecutor({ workDir }) }, 'ALWAYS');
    fake.enqueue({ content: PYTHON_REPLY }, { content: 'TERMINATE' });

    const io = await withStream(['', 'no', 'exit'], () => userProxy.initiateChat(assistant, { message: 'Go.' }));

    expect(io.prompts[0]).toMatch(/^Replying as user_proxy\. Provide feedback to assistant\./);
    expect(io.prompts[1]).toBe(PROMPT);
    expect(userProxy.chatMessages(assistant)[2]!.content).toBe(
      'The code was not run: the user did not approve running it.',
    );
    expect(io.of('generate_code_execution_reply')).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('a typed answer is sent instead of running the code (a human reply replaces the auto reply, as in AutoGen)', async () => {
    const { assistant, userProxy } = agents({ workDir, useDocker: false }, 'TERMINATE');
    fake.enqueue({ content: PYTHON_REPLY }, { content: 'TERMINATE' });

    const result = await withStream(['Please use print(2) instead.', ''], () =>
      userProxy.initiateChat(assistant, { message: 'Go.' }),
    );

    expect(userProxy.chatMessages(assistant)[2]!.content).toBe('Please use print(2) instead.');
    expect(result.of('execute_code_block')).toEqual([]);
  });

  it("'exit' ends the conversation with AutoGen's reason", async () => {
    const { assistant, userProxy } = agents({ workDir, useDocker: false }, 'TERMINATE');
    fake.enqueue({ content: PYTHON_REPLY });
    let chat: Awaited<ReturnType<typeof userProxy.initiateChat>> | undefined;

    await withStream(['exit'], async () => {
      chat = await userProxy.initiateChat(assistant, { message: 'Go.' });
    });

    expect(chat!.terminationReason).toBe('User requested to end the conversation');
    expect(chat!.humanInput).toEqual(['exit']);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('the code-execution reply function', () => {
  it("sits between the tool calls and the model, AutoGen's order, only when codeExecutionConfig enables it", () => {
    const withCode = new UserProxyAgent({ name: 'user', codeExecutionConfig: { workDir, useDocker: false } });
    expect(withCode.replyFunctions.map((entry) => entry.replyFunc)).toEqual([
      ConversableAgent.checkTerminationAndHumanReply,
      ConversableAgent.generateToolCallsReply,
      ConversableAgent.generateCodeExecutionReply,
      ConversableAgent.generateOaiReply,
    ]);
    expect(new UserProxyAgent({ name: 'user' }).replyFunctions.map((entry) => entry.replyFunc)).not.toContain(
      ConversableAgent.generateCodeExecutionReply,
    );
  });

  it('is one reply function among the others: excluded, the model answers the code instead', async () => {
    const agent = new ConversableAgent({
      name: 'coder',
      humanInputMode: 'NEVER',
      llmConfig: { configList: [{ model: 'gpt-4', api_key: 'sk-test', base_url: fake.baseURL }] },
      codeExecutionConfig: { workDir, useDocker: false },
    });
    const messages: ChatMessage[] = [{ role: 'user', content: "```python\nprint('ran')\n```" }];
    fake.enqueue({ content: 'I will not run that.' });
    await withStream([], async () => {
      expect(await agent.generateReply({ messages })).toBe('exitcode: 0 (execution succeeded)\nCode output: \nran\n');
      expect(fake.requests).toHaveLength(0);
      const exclude = [ConversableAgent.generateCodeExecutionReply];
      expect(await agent.generateReply({ messages, exclude })).toEqual({
        role: 'assistant',
        content: 'I will not run that.',
      });
    });
  });

  it('on an agent without codeExecutionConfig, lets the next function answer', async () => {
    const agent = new ConversableAgent({ name: 'plain', humanInputMode: 'NEVER', defaultAutoReply: 'nothing ran' });
    agent.registerReply(undefined, ConversableAgent.generateCodeExecutionReply);
    const messages: ChatMessage[] = [{ role: 'user', content: "```python\nprint('ran')\n```" }];
    await withStream([], async () => {
      expect(await agent.generateReply({ messages })).toBe('nothing ran');
    });
  });
});

describe('where code execution is not allowed (a server started without --allow-code-execution)', () => {
  it('refuses without running or parsing anything: a clear reply to the model and an error event', async () => {
    const { assistant, userProxy } = agents({ workDir, useDocker: false }, 'TERMINATE');
    fake.enqueue(
      { content: "```\nprint('unlabelled: its language would be inferred')\n```" },
      { content: 'TERMINATE' },
    );

    const io = await withStream([''], () => userProxy.initiateChat(assistant, { message: 'Go.' }), false);

    const reply = userProxy.chatMessages(assistant)[2]!.content!;
    expect(reply).toMatch(/^exitcode: 1 \(execution failed\)\nCode output: Code execution is not allowed here/);
    expect(reply).toContain("'agentws serve --allow-code-execution'");
    expect(io.of('error').map((e) => e.content)).toEqual([
      {
        error: expect.stringContaining('--allow-code-execution') as string,
        code: 'CODE_EXECUTION_REFUSED',
        fatal: false,
      },
    ]);
    // No approval was asked (only TERMINATE's own question at the end), nothing was written.
    expect(io.prompts).toHaveLength(1);
    expect(io.prompts[0]).toMatch(/^Please give feedback to assistant/);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('executors refuse on their own too, before writing a file', async () => {
    const executor = new LocalCommandLineCodeExecutor({ workDir });
    await withStream(
      [],
      async () => {
        await expect(executor.executeCodeBlocks([{ code: 'print(1)', language: 'python' }])).rejects.toMatchObject({
          code: 'CODE_EXECUTION_REFUSED',
        });
      },
      false,
    );
    expect(readdirSync(workDir)).toEqual([]);
  });
});

describe('codeExecutionConfig', () => {
  it("is off by default, for UserProxyAgent too (AutoGen's UserProxyAgent runs code by default)", () => {
    expect(new UserProxyAgent({ name: 'user' }).codeExecutor).toBeUndefined();
    expect(new ConversableAgent({ name: 'a' }).codeExecutor).toBeUndefined();
  });

  it('builds the executor named', () => {
    const agent = new UserProxyAgent({ name: 'user', codeExecutionConfig: { executor: 'local', local: { workDir } } });
    expect(agent.codeExecutor).toBeInstanceOf(LocalCommandLineCodeExecutor);
    expect((agent.codeExecutor as LocalCommandLineCodeExecutor).workDir).toBe(workDir);
  });

  it.each([
    [
      { work_dir: 'coding' },
      "UserProxyAgent option 'codeExecutionConfig' has an unknown key 'work_dir' (agentws spells it 'workDir').",
    ],
    [{ last_n_messages: 2 }, "has an unknown key 'last_n_messages' (agentws spells it 'lastNMessages')."],
    [{ executor: 'local', workDir: 'x' }, "key 'workDir' is not valid when 'executor' is set."],
    [{ executor: 'local', useDocker: false }, "key 'useDocker' is not valid when 'executor' is set."],
    [{ local: { workDir: 'x' } }, "keys 'local' and 'docker' are the options of an executor: set 'executor' too."],
    [{ useDocker: 3 }, "key 'useDocker' must be true, false, an image name or a list of image names."],
    [{ useDocker: false, timeout: 0 }, "option 'timeout' must be a number of seconds >= 1 (got 0)."],
    [{ executor: 'local', local: { workdir: 'x' } }, "LocalCommandLineCodeExecutor option 'workdir' is unknown"],
    [{ executor: 'local', local: { executionPolicies: { html: true } } }, "'html' cannot be run, only saved"],
    ['yes', 'must be an object (e.g. { executor: "local" }) or false.'],
  ])('says what is wrong with %j', (config, message) => {
    const make = () => new UserProxyAgent({ name: 'user', codeExecutionConfig: config as never });
    expect(make).toThrow(DefinitionError);
    expect(make).toThrow(message);
  });
});
