import { describe, expect, it } from 'vitest';
import {
  AssistantAgent,
  DEFAULT_ASSISTANT_DESCRIPTION,
  DEFAULT_ASSISTANT_SYSTEM_MESSAGE,
  DEFAULT_USER_PROXY_DESCRIPTIONS,
  UserProxyAgent,
} from '../../src/agents/index.js';
import { DefinitionError } from '../../src/errors.js';

describe('UserProxyAgent', () => {
  it("has AutoGen's defaults: a human always, no model, a description by mode", () => {
    expect(new UserProxyAgent({ name: 'user' })).toMatchObject({
      humanInputMode: 'ALWAYS',
      llmConfig: false,
      systemMessage: '',
      description: DEFAULT_USER_PROXY_DESCRIPTIONS.ALWAYS,
    });
    expect(new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER' }).description).toBe(
      DEFAULT_USER_PROXY_DESCRIPTIONS.NEVER,
    );
  });

  it('runs no code unless codeExecutionConfig says so (AutoGen: on by default); AutoGen spellings get a hint', () => {
    expect(new UserProxyAgent({ name: 'user' }).codeExecutor).toBeUndefined();
    expect(() => new UserProxyAgent({ name: 'user', codeExecutionConfig: false })).not.toThrow();
    const make = () => new UserProxyAgent({ name: 'user', codeExecutionConfig: { work_dir: 'coding' } } as never);
    expect(make).toThrow(DefinitionError);
    expect(make).toThrow("unknown key 'work_dir' (agentws spells it 'workDir')");
  });

  it('names itself in option errors', () => {
    expect(() => new UserProxyAgent({ name: 'user', humanInputMode: 'never' as never })).toThrow(
      "UserProxyAgent option 'humanInputMode'",
    );
  });
});

describe('AssistantAgent', () => {
  it("has AutoGen's defaults: its system message, never asks a human", () => {
    const llmConfig = { configList: [{ model: 'gpt-4' }] };
    expect(new AssistantAgent({ name: 'assistant', llmConfig })).toMatchObject({
      systemMessage: DEFAULT_ASSISTANT_SYSTEM_MESSAGE,
      description: DEFAULT_ASSISTANT_DESCRIPTION,
      humanInputMode: 'NEVER',
      maxConsecutiveAutoReply: 100,
      llmConfig,
    });
    expect(new AssistantAgent({ name: 'a', llmConfig, systemMessage: undefined }).systemMessage).toBe(
      DEFAULT_ASSISTANT_SYSTEM_MESSAGE,
    );
  });
});
