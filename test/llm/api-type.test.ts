import { describe, expect, it } from 'vitest';
import { ConfigError, UnsupportedApiTypeError } from '../../src/errors.js';
import { resolveApiType } from '../../src/llm/api-type.js';
import { LlmClient } from '../../src/llm/llm-client.js';

const KEY = 'sk-ant-secret-0123456789';

/** The error `new LlmClient` throws for a config list whose entry 1 is `entry`. */
function refusal(entry: Record<string, unknown>): UnsupportedApiTypeError {
  try {
    new LlmClient({ configList: [{ model: 'gpt-4o-mini' }, { api_key: KEY, ...entry } as never] });
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedApiTypeError);
    return error as UnsupportedApiTypeError;
  }
  throw new Error('expected an UnsupportedApiTypeError');
}

describe('api_type', () => {
  it('none, "openai" and "azure…" are spoken (AutoGen reads a prefix: "azure_ad" is Azure)', () => {
    const azure = { api_version: '2024-10-21', base_url: 'https://x.openai.azure.com', api_key: KEY };
    expect(resolveApiType({ model: 'm' }, 0, 'the list')).toBe('openai');
    expect(resolveApiType({ model: 'm', api_type: 'openai' }, 0, 'the list')).toBe('openai');
    expect(resolveApiType({ model: 'm', api_type: 'azure', ...azure }, 0, 'the list')).toBe('azure');
    expect(resolveApiType({ model: 'm', api_type: 'azure_ad', ...azure }, 0, 'the list')).toBe('azure');
  });

  it.each([
    ['anthropic', 'claude-3-5-sonnet-20240620', 'Anthropic', '"base_url": "https://api.anthropic.com/v1/"'],
    [
      'google',
      'gemini-1.5-pro',
      'Google Gemini',
      '"base_url": "https://generativelanguage.googleapis.com/v1beta/openai/"',
    ],
    ['mistral', 'mistral-large-latest', 'Mistral', '"base_url": "https://api.mistral.ai/v1"'],
    ['together', 'meta-llama/Llama-3-70b-chat-hf', 'Together AI', '"base_url": "https://api.together.xyz/v1"'],
    ['groq', 'llama3-70b-8192', 'Groq', '"base_url": "https://api.groq.com/openai/v1"'],
    ['cohere', 'command-r-plus', 'Cohere', '"base_url": "https://api.cohere.ai/compatibility/v1"'],
    ['cerebras', 'llama3.1-8b', 'Cerebras', '"base_url": "https://api.cerebras.ai/v1"'],
    ['ollama', 'llama3.1', 'Ollama', '"base_url": "http://127.0.0.1:11434/v1"'],
    ['bedrock', 'anthropic.claude-3-sonnet-20240229-v1:0', 'Amazon Bedrock', 'OpenAI-compatible gateway'],
  ])(
    "AutoGen's %s: refused at construction, naming the entry and the way to its OpenAI-compatible endpoint",
    (type, model, provider, how) => {
      const error = refusal({ model, api_type: type });
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', apiType: type, entryIndex: 1 });
      expect(error.message).toMatch(
        new RegExp(
          `^Entry 1 \\(${model.replace(/[.()]/g, '\\$&')}\\) of llmConfig\\.configList has "api_type": "${type}"`,
        ),
      );
      expect(error.message).toContain('which agentws does not speak');
      expect(error.message).toContain(
        `${provider} has an OpenAI-compatible endpoint: remove "api_type" from the entry`,
      );
      expect(error.message).toContain(how);
      expect(error.message).not.toContain(KEY);
    },
  );

  it('an api_type nobody knows: the general way, through a gateway if need be', () => {
    const error = refusal({ model: 'x', api_type: 'aoai' });
    expect(error.message).toBe(
      'Entry 1 (x) of llmConfig.configList has "api_type": "aoai", which agentws does not speak: it talks to ' +
        'OpenAI-compatible chat completions APIs ("api_type" "openai", the default, or "azure"). Use the provider\'s ' +
        'OpenAI-compatible endpoint if it has one: remove "api_type" from the entry and set "base_url" to it (or put ' +
        'an OpenAI-compatible gateway such as the LiteLLM proxy in front of the provider).',
    );
  });

  it('an entry with its own model_client needs no api_type check', () => {
    const model_client = { complete: () => Promise.reject(new Error('unused')) };
    expect(() => new LlmClient({ configList: [{ model: 'mine', api_type: 'anthropic', model_client }] })).not.toThrow();
  });
});
