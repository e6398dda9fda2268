import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  configFromEnv,
  configListFromJson,
  describeConfig,
  filterConfig,
  loadConfigList,
  noEntryMatches,
  type LlmConfigEntry,
} from '../../src/llm/config-list.js';

const SECRET = 'sk-very-secret-key-123';
const dir = mkdtempSync(path.join(tmpdir(), 'agentws-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIST: LlmConfigEntry[] = [
  { model: 'gpt-4', api_key: SECRET, tags: ['gpt4', 'openai'] },
  { model: 'gpt-4o-mini', api_key: SECRET, base_url: 'http://127.0.0.1:1/v1', tags: ['small'] },
  { model: 'llama3', base_url: 'http://127.0.0.1:2/v1' },
];

function writeConfig(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('very-secret');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configListFromJson', () => {
  it('parses JSON text held by the environment variable', () => {
    const list = configListFromJson('OAI_CONFIG_LIST', { env: { OAI_CONFIG_LIST: JSON.stringify(LIST) } });
    expect(list).toEqual(LIST);
  });

  it('reads the file whose path the environment variable holds', () => {
    const file = writeConfig('from-env.json', JSON.stringify(LIST));
    expect(configListFromJson('MY_LIST', { env: { MY_LIST: file } })).toEqual(LIST);
  });

  it('reads fileLocation/envOrFile when the variable is unset or empty', () => {
    writeConfig('OAI_CONFIG_LIST', JSON.stringify(LIST));
    expect(configListFromJson('OAI_CONFIG_LIST', { fileLocation: dir, env: {} })).toEqual(LIST);
    expect(configListFromJson('OAI_CONFIG_LIST', { fileLocation: dir, env: { OAI_CONFIG_LIST: '' } })).toEqual(LIST);
  });

  it('filters while loading', () => {
    const list = configListFromJson('L', { env: { L: JSON.stringify(LIST) }, filterDict: { model: ['llama3'] } });
    expect(list.map((e) => e.model)).toEqual(['llama3']);
  });

  it('CONFIG_NOT_FOUND names the variable and the file tried, and what to do', () => {
    const error = configError(() => configListFromJson('OAI_CONFIG_LIST', { fileLocation: dir + '/nope', env: {} }));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain('environment variable OAI_CONFIG_LIST is not set');
    expect(error.message).toContain(path.resolve(dir, 'nope', 'OAI_CONFIG_LIST'));
    expect(error.message).toContain('Set OAI_CONFIG_LIST to a JSON list or a file path, or create the file');
    expect(error.message).toContain('OAI_CONFIG_LIST.example');
  });

  it('CONFIG_INVALID when the text is not JSON, with the parse message and the source but never the text', () => {
    const fromEnv = configError(() =>
      configListFromJson('OAI_CONFIG_LIST', { env: { OAI_CONFIG_LIST: `[{"model":"gpt-4","api_key":${SECRET}}]` } }),
    );
    expect(fromEnv.code).toBe('CONFIG_INVALID');
    expect(fromEnv.message).toContain('the environment variable OAI_CONFIG_LIST');
    expect(fromEnv.message).toMatch(/Unexpected token/);

    const file = writeConfig('broken.json', `[{"model": "gpt-4", "api_key": "${SECRET}"},]`);
    const fromFile = configError(() => configListFromJson('X', { env: { X: file } }));
    expect(fromFile.code).toBe('CONFIG_INVALID');
    expect(fromFile.message).toContain(file);
    expect(fromFile.message).toContain('is not valid JSON');
  });

  it('CONFIG_INVALID when the JSON is not a list', () => {
    const error = configError(() => configListFromJson('L', { env: { L: `{"model":"gpt-4","api_key":"${SECRET}"}` } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/must be a JSON list.*got an object/);
  });

  it('CONFIG_INVALID names the entry that is not an object or has no model', () => {
    const notObject = configError(() => configListFromJson('L', { env: { L: '[{"model":"a"}, "gpt-4"]' } }));
    expect(notObject.code).toBe('CONFIG_INVALID');
    expect(notObject.message).toContain('Entry 1');
    expect(notObject.message).toContain('not an object');

    const noModel = configError(() => configListFromJson('L', { env: { L: JSON.stringify([{ api_key: SECRET }]) } }));
    expect(noModel.code).toBe('CONFIG_INVALID');
    expect(noModel.message).toContain('Entry 0');
    expect(noModel.message).toContain('"model"');
  });

  it('returns [] when the filter matches no entry, as AutoGen does', () => {
    expect(configListFromJson('L', { env: { L: JSON.stringify(LIST) }, filterDict: { tags: ['gpt-5'] } })).toEqual([]);
  });

  it("noEntryMatches (serve's error for that case) says the filter and the models that are in the list", () => {
    const { list, source } = loadConfigList('L', { env: { L: JSON.stringify(LIST) } });
    expect(source).toBe('the environment variable L');
    const error = configError(() => {
      throw noEntryMatches(list, { tags: ['gpt-5'], api_key: SECRET }, source);
    });
    expect(error.code).toBe('CONFIG_EMPTY');
    expect(error.message).toContain('{"tags":["gpt-5"],"api_key":"***"}');
    expect(error.message).toContain('#0 gpt-4 (tags: gpt4, openai)');
    expect(error.message).toContain('#2 llama3');
  });

  it('CONFIG_EMPTY for an empty list', () => {
    expect(configError(() => configListFromJson('L', { env: { L: '[]' } })).code).toBe('CONFIG_EMPTY');
  });
});

describe('filterConfig', () => {
  it('returns the list unchanged without a filter', () => {
    expect(filterConfig(LIST)).toBe(LIST);
    expect(filterConfig(LIST, {})).toEqual(LIST);
  });

  it('matches list values (tags) by intersection', () => {
    expect(filterConfig(LIST, { tags: ['openai', 'small'] }).map((e) => e.model)).toEqual(['gpt-4', 'gpt-4o-mini']);
  });

  it('inverts per key with exclude, and an entry missing the key never matches', () => {
    expect(filterConfig(LIST, { tags: ['small'] }, true).map((e) => e.model)).toEqual(['gpt-4', 'llama3']);
    expect(filterConfig(LIST, { base_url: ['http://127.0.0.1:2/v1'] }).map((e) => e.model)).toEqual(['llama3']);
  });

  it('uses exact membership for scalars (no substring match), and a scalar criterion means [scalar]', () => {
    expect(filterConfig(LIST, { model: ['gpt'] })).toEqual([]);
    expect(filterConfig(LIST, { model: 'gpt-4' }).map((e) => e.model)).toEqual(['gpt-4']);
  });

  it('requires every key to match', () => {
    expect(filterConfig(LIST, { model: ['gpt-4', 'llama3'], tags: ['gpt4'] }).map((e) => e.model)).toEqual(['gpt-4']);
  });
});

describe('configFromEnv and describeConfig', () => {
  it('builds one entry from OPENAI_API_KEY and OPENAI_BASE_URL, or none', () => {
    expect(configFromEnv({ env: {} })).toEqual([]);
    expect(configFromEnv({ env: { OPENAI_API_KEY: SECRET } })).toEqual([{ model: 'gpt-4o-mini', api_key: SECRET }]);
    expect(configFromEnv({ env: { OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: 'http://x/v1' }, model: 'm' })).toEqual([
      { model: 'm', api_key: SECRET, base_url: 'http://x/v1' },
    ]);
  });

  it('describes an entry without its key or URL credentials', () => {
    expect(describeConfig({ model: 'gpt-4', api_key: SECRET })).toBe('gpt-4 @ https://api.openai.com/v1');
    expect(describeConfig({ model: 'm', base_url: 'http://user:pw@host:8000/v1?key=abc' })).toBe(
      'm @ http://host:8000/v1',
    );
  });

  it('describes an Azure entry by its endpoint, and an entry with its own model_client as in-process', () => {
    const azure = { model: 'gpt-4o', api_type: 'azure', api_version: '2024-10-21', api_key: SECRET };
    expect(describeConfig({ ...azure, base_url: 'https://res.openai.azure.com/' })).toBe(
      'gpt-4o @ https://res.openai.azure.com (azure)',
    );
    expect(describeConfig({ ...azure, azure_endpoint: 'https://other.openai.azure.com' })).toBe(
      'gpt-4o @ https://other.openai.azure.com (azure)',
    );
    const model_client = { complete: () => Promise.reject(new Error('unused')) };
    expect(describeConfig({ model: 'agentws-demo', model_client })).toBe('agentws-demo (in-process)');
  });

  it('refuses a model_client that is not a ChatModel, naming the entry', () => {
    const error = configError(() =>
      loadConfigList('L', { env: { L: JSON.stringify([{ model: 'm', model_client: 'DemoClient' }]) } }),
    );
    expect(error.message).toBe(
      'Entry 0 (m) of the config list in the environment variable L: "model_client" must be a ChatModel ' +
        '(an object with a complete(request) method).',
    );
  });
});

// AutoGen 0.2's test/oai/test_utils.py, ported: the same sample and the same expectations.
describe("AutoGen's test_utils.py", () => {
  const JSON_SAMPLE = `
[
    {
        "model": "gpt-3.5-turbo",
        "api_type": "openai",
        "tags": ["gpt35"]
    },
    {
        "model": "gpt-4",
        "api_type": "openai",
        "tags": ["gpt4"]
    },
    {
        "model": "gpt-35-turbo-v0301",
        "tags": ["gpt-3.5-turbo", "gpt35_turbo"],
        "api_key": "Your Azure OAI API Key",
        "base_url": "https://deployment_name.openai.azure.com",
        "api_type": "azure",
        "api_version": "2024-02-01"
    },
    {
        "model": "gpt",
        "api_key": "not-needed",
        "base_url": "http://localhost:1234/v1"
    }
]
`;
  const JSON_SAMPLE_DICT = JSON.parse(JSON_SAMPLE) as LlmConfigEntry[];

  it.each([
    { filterDict: { tags: ['gpt35', 'gpt4'] }, exclude: false, expected: JSON_SAMPLE_DICT.slice(0, 2) },
    { filterDict: { tags: ['gpt35', 'gpt4'] }, exclude: true, expected: JSON_SAMPLE_DICT.slice(2, 4) },
    { filterDict: { api_type: 'azure', api_version: '2024-02-01' }, exclude: false, expected: [JSON_SAMPLE_DICT[2]] },
  ])('test_filter_config %#', ({ filterDict, exclude, expected }) => {
    expect(filterConfig(JSON_SAMPLE_DICT, filterDict, exclude)).toEqual(expected);
  });

  it('test_config_list_from_json', () => {
    const file = writeConfig('test_config_list_from_json', JSON_SAMPLE);
    const configList = configListFromJson(file, { env: {} });
    expect(configList).toHaveLength(JSON_SAMPLE_DICT.length);
    configList.forEach((config, i) => {
      for (const key of Object.keys(config)) expect(config[key]).toEqual(JSON_SAMPLE_DICT[i]![key]);
    });

    const env: NodeJS.ProcessEnv = { config_list_test: JSON_SAMPLE };
    const configList2 = configListFromJson('config_list_test', { env });
    expect(configList2).toEqual(configList);

    // The env variable is set to a file path with folder name inside.
    const configList3 = configListFromJson(file, { env, filterDict: { model: ['gpt', 'gpt-4', 'gpt-4-32k'] } });
    expect(configList3.every((config) => ['gpt-4', 'gpt'].includes(config.model))).toBe(true);
    expect(configList3.map((config) => config.model)).toEqual(['gpt-4', 'gpt']);
    delete env.config_list_test;

    // Using the `fileLocation` parameter; no entry matches this filter: [] (agentws threw CONFIG_EMPTY before).
    const configList4 = configListFromJson(path.basename(file), {
      fileLocation: path.dirname(file),
      filterDict: { model: ['gpt4', 'gpt-4-32k'] },
      env,
    });
    expect(configList4.every((config) => ['gpt4', 'gpt-4-32k'].includes(config.model))).toBe(true);
    expect(configList4).toEqual([]);

    // The env variable is set to a file path.
    const tempName = writeConfig('test_config_list_from_json_5', JSON.stringify(configList, null, 4));
    env.config_list_test = tempName;
    expect(configListFromJson('config_list_test', { env })).toEqual(configList2);

    // An error is thrown when the config list is missing (AutoGen: FileNotFoundError).
    expect(() => configListFromJson('OAI_CONFIG_LIST.missing', { env: {} })).toThrow(
      expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }),
    );
  });
});
