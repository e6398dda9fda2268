import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  childEnvironment,
  ConversableAgent,
  keepOutOfCodeEnvironment,
  LocalCommandLineCodeExecutor,
  UserProxyAgent,
} from '../../../src/agents/index.js';
import { IOStream } from '../../../src/io/iostream.js';
import { startFakeOpenAI } from '../../../src/testing/index.js';
import { CodeIOStream } from './code-iostream.js';

const API_KEY = 'sk-agentws-config-list-key-0123456789';
const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/home/someone',
  LANG: 'C.UTF-8',
  OPENAI_API_KEY: 'sk-from-the-environment-0123456789',
  AZURE_OPENAI_API_KEY: 'azure-key-0123456789',
  GITHUB_TOKEN: 'ghp_0123456789',
  DB_PASSWORD: 'hunter2-hunter2',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-0123456789',
  GOOGLE_APPLICATION_CREDENTIALS: '/secrets/gcp.json',
  AGENTWS_TOKEN: 'agentws-token-0123456789',
  AGENTWS_ANYTHING: 'not a secret by name, but agentws keeps its own variables to itself',
  OAI_CONFIG_LIST: `[{"model":"gpt-4","api_key":"${API_KEY}"}]`,
  INNOCENT_LOOKING: API_KEY,
};

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'agentws-test-env-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

describe('childEnvironment', () => {
  it('removes credentials by name, agentws variables and the config list, and any variable holding a known secret', () => {
    expect(childEnvironment(ENV, [API_KEY])).toEqual({ PATH: ENV.PATH, HOME: ENV.HOME, LANG: ENV.LANG });
  });

  it("also removes variables holding the process's registered secrets (serve's token and config list keys)", () => {
    const token = `registered-${Math.random().toString(36).slice(2)}-0123456789`;
    expect(childEnvironment({ SETTING: token })).toEqual({ SETTING: token });
    keepOutOfCodeEnvironment([token, undefined, 'short']);
    expect(childEnvironment({ SETTING: token, OTHER: 'short' })).toEqual({ OTHER: 'short' });
  });

  it('keeps a variable holding a short value that happens to equal a secret-ish string (under 8 characters)', () => {
    expect(childEnvironment({ DEBUG: '1', NAME: 'abc' }, ['1', 'abc'])).toEqual({ DEBUG: '1', NAME: 'abc' });
  });
});

describe('the environment of executed code', () => {
  it("holds none of them: the executor's environment, its secrets and the chat's API keys", async () => {
    await using fake = await startFakeOpenAI();
    const assistant = new ConversableAgent({
      name: 'assistant',
      llmConfig: { configList: [{ model: 'gpt-4', api_key: API_KEY, base_url: fake.baseURL }] },
      humanInputMode: 'NEVER',
    });
    const executor = new LocalCommandLineCodeExecutor({ workDir, env: ENV, secrets: ['hunter2-hunter2'] });
    const userProxy = new UserProxyAgent({
      name: 'user_proxy',
      humanInputMode: 'NEVER',
      maxConsecutiveAutoReply: 1,
      codeExecutionConfig: { executor },
    });
    fake.enqueue(
      { content: '```python\nimport os, json\nprint(json.dumps(dict(os.environ)))\n```' },
      { content: 'ok' },
    );

    await IOStream.withDefault(new CodeIOStream(), () => userProxy.initiateChat(assistant, { message: 'env?' }));

    const reply = userProxy.chatMessages(assistant)[2]!.content!;
    const seen = JSON.parse(reply.slice(reply.indexOf('{'))) as Record<string, string>;
    expect(seen.HOME).toBe('/home/someone');
    for (const name of Object.keys(ENV).filter((n) => !['PATH', 'HOME', 'LANG'].includes(n))) {
      expect(seen, name).not.toHaveProperty(name);
    }
    for (const value of [API_KEY, 'hunter2-hunter2', ENV.OPENAI_API_KEY, ENV.AGENTWS_TOKEN]) {
      expect(reply).not.toContain(value);
    }
  });
});
