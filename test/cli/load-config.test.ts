import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/cli/load-config.js';
import { tempDir } from './helpers/spawn-cli.js';

const LIST = [
  { model: 'gpt-4o', api_key: 'sk-a', tags: ['openai'] },
  { model: 'llama3.1', base_url: 'http://127.0.0.1:11434/v1', api_key: 'ollama', tags: ['local', 'ollama'] },
  { model: 'local-model', base_url: 'http://127.0.0.1:8080/v1', tags: ['local', 'llama.cpp'] },
];

let remove: (() => void) | undefined;
afterEach(() => remove?.());

function cwdWith(files: Record<string, string>): string {
  const made = tempDir(files);
  remove = made.remove;
  return made.dir;
}

describe('loadServeConfig', () => {
  it('reads OAI_CONFIG_LIST from the working directory and filters by --model and --filter', () => {
    const cwd = cwdWith({ OAI_CONFIG_LIST: JSON.stringify(LIST) });
    expect(loadServeConfig({ env: {}, cwd, required: true }).configList).toHaveLength(3);
    expect(
      loadServeConfig({ env: {}, cwd, required: true, models: ['gpt-4o', 'llama3.1'] }).configList.map((e) => e.model),
    ).toEqual(['gpt-4o', 'llama3.1']);
    const local = loadServeConfig({
      env: {},
      cwd,
      required: true,
      filters: [
        ['tags', 'llama.cpp'],
        ['tags', 'ollama'],
      ],
    });
    expect(local.configList.map((e) => e.model)).toEqual(['llama3.1', 'local-model']);
    expect(local.source).toBe('the file OAI_CONFIG_LIST');
  });

  it('--config names an environment variable holding JSON, or a file', () => {
    const cwd = cwdWith({ 'models.json': JSON.stringify(LIST.slice(1)) });
    const env = { MY_MODELS: JSON.stringify(LIST.slice(0, 1)) };
    expect(loadServeConfig({ config: 'MY_MODELS', env, cwd, required: true })).toMatchObject({
      configList: [{ model: 'gpt-4o' }],
      source: 'the environment variable MY_MODELS',
    });
    expect(loadServeConfig({ config: 'models.json', env, cwd, required: true }).configList).toHaveLength(2);
  });

  it('falls back to OPENAI_API_KEY (+ OPENAI_BASE_URL and the first --model) when no list exists', () => {
    const cwd = cwdWith({});
    const env = { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' };
    expect(loadServeConfig({ env, cwd, required: true, models: ['llama3.1'] })).toEqual({
      configList: [{ model: 'llama3.1', api_key: 'sk-env', base_url: 'http://127.0.0.1:11434/v1' }],
      source: 'OPENAI_API_KEY',
    });
  });

  it('no list and no key: CONFIG_NOT_FOUND with the fix, or [] when the on-connect module brings its own', () => {
    const cwd = cwdWith({});
    expect(() => loadServeConfig({ env: {}, cwd, required: true })).toThrow(
      /No model configured.*agentws serve --demo/,
    );
    expect(loadServeConfig({ env: {}, cwd, required: false })).toEqual({ configList: [], source: 'none' });
  });

  it('an explicit --config that is missing does not fall back to OPENAI_API_KEY', () => {
    const cwd = cwdWith({});
    expect(() => loadServeConfig({ config: 'nope.json', env: { OPENAI_API_KEY: 'sk' }, cwd, required: true })).toThrow(
      expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }),
    );
  });

  it('a directory where the config list file should be: CONFIG_INVALID that says to give the file', () => {
    const cwd = cwdWith({});
    mkdirSync(path.join(cwd, 'configs'));
    mkdirSync(path.join(cwd, 'OAI_CONFIG_LIST'));
    const dir = path.join(cwd, 'configs');
    const isADirectory = (shown: string): unknown =>
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(`${shown} is a directory, not a file: give the path of the config list file`),
      });
    expect(() => loadServeConfig({ config: 'configs', env: {}, cwd, required: true })).toThrow(isADirectory(dir));
    expect(() => loadServeConfig({ config: dir, env: {}, cwd, required: true })).toThrow(isADirectory(dir));
    // Named by the environment variable, and the default file name: no silent fall-back to OPENAI_API_KEY.
    const env = { OAI_CONFIG_LIST: dir, OPENAI_API_KEY: 'sk-env' };
    expect(() => loadServeConfig({ env, cwd, required: true })).toThrow(isADirectory(dir));
    expect(() => loadServeConfig({ env: { OPENAI_API_KEY: 'sk-env' }, cwd, required: true })).toThrow(
      isADirectory(path.join(cwd, 'OAI_CONFIG_LIST')),
    );
  });

  it('checks the api_type of the entries it keeps, naming the file (--model can leave an unspoken one out)', () => {
    const gemini = { model: 'gemini-1.5-pro', api_type: 'google', tags: ['local'] };
    const cwd = cwdWith({ OAI_CONFIG_LIST: JSON.stringify([...LIST, gemini]) });
    expect(() => loadServeConfig({ env: {}, cwd, required: true })).toThrow(
      expect.objectContaining({
        name: 'UnsupportedApiTypeError',
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/^Entry 3 \(gemini-1\.5-pro\) of the file .+OAI_CONFIG_LIST has "api_type"/),
      }),
    );
    // Numbered as in the file, not as in the filtered list.
    expect(() => loadServeConfig({ env: {}, cwd, required: true, filters: [['tags', 'local']] })).toThrow(/^Entry 3 /);
    expect(loadServeConfig({ env: {}, cwd, required: true, models: ['gpt-4o'] }).configList).toHaveLength(1);
  });
});
