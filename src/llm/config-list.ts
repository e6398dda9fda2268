import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors.js';
import { azureEndpoint } from './api-type.js';
import type { ChatModel } from './chat-model.js';

/** One model endpoint of a config list (AutoGen's `OAI_CONFIG_LIST` entry). Extra keys are request parameters. */
export interface LlmConfigEntry {
  model: string;
  api_key?: string;
  /** Default: OpenAI's `https://api.openai.com/v1`. For Azure OpenAI: the resource's endpoint. */
  base_url?: string;
  /** `"openai"` (the default) or `"azure"`; AutoGen's other values are refused with a way to reach them. */
  api_type?: string;
  /** Azure OpenAI's `api-version`, such as `"2024-10-21"`. */
  api_version?: string;
  /** Azure OpenAI: the resource's endpoint, when not given as `base_url`. */
  azure_endpoint?: string;
  /** Azure OpenAI: the deployment to call. Default: `model` without its dots (AutoGen's rule). */
  azure_deployment?: string;
  tags?: string[];
  /** Answer with this model instead of an HTTP API (see {@link ChatModel}); never part of a JSON config list. */
  model_client?: ChatModel;
  [extra: string]: unknown;
}

/** Filter criteria by key: an entry matches when its value is one of the listed values. A scalar means `[scalar]`. */
export type FilterDict = Record<string, unknown[] | unknown>;

/** Options of {@link configListFromJson}. */
export interface ConfigListFromJsonOptions {
  /** Folder of the config file when the environment variable is unset. Default: `''` (the working directory). */
  fileLocation?: string;
  /** Keep only matching entries (see {@link filterConfig}). Default: keep all. */
  filterDict?: FilterDict;
  /** Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link configFromEnv}. */
export interface ConfigFromEnvOptions {
  /** Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default: `'gpt-4o-mini'`. */
  model?: string;
}

/** Where an entry without `base_url` sends its requests. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const HOW_TO_FIX =
  'Set OAI_CONFIG_LIST to a JSON list or a file path, or create the file; see OAI_CONFIG_LIST.example.';

/**
 * Loads a config list the way AutoGen's `config_list_from_json` does: the environment variable named `envOrFile`
 * holds a file path or JSON text; when it is unset (or empty) the file `fileLocation/envOrFile` is read. Like
 * AutoGen's, it is synchronous and returns `[]` when the filter matches no entry (`agentws serve` says so and exits 3).
 * @example const configList = configListFromJson('OAI_CONFIG_LIST', { filterDict: { tags: ['gpt-4o'] } });
 */
export function configListFromJson(
  envOrFile = 'OAI_CONFIG_LIST',
  { fileLocation = '', filterDict, env = process.env }: ConfigListFromJsonOptions = {},
): LlmConfigEntry[] {
  return filterConfig(loadConfigList(envOrFile, { fileLocation, env }).list, filterDict);
}

/** A whole config list and where it was found. */
export interface LoadedConfigList {
  list: LlmConfigEntry[];
  /** Where it came from, for messages: `the file ...` or `the environment variable ...`. */
  source: string;
}

/**
 * The unfiltered list {@link configListFromJson} reads, and where it found it. Throws `ConfigError` when there is none,
 * it cannot be read or parsed, an entry is invalid, or it is empty.
 */
export function loadConfigList(
  envOrFile: string,
  { fileLocation = '', env = process.env }: Omit<ConfigListFromJsonOptions, 'filterDict'> = {},
): LoadedConfigList {
  const value = env[envOrFile];
  let text: string;
  let source: string;
  let fromEnvText = false;
  if (value !== undefined && value.trim() !== '') {
    if (isDirectory(value)) throw notAFile(value);
    if (isFile(value)) {
      source = `the file ${value} (named by the environment variable ${envOrFile})`;
      text = readConfigFile(value, source);
    } else {
      source = `the environment variable ${envOrFile}`;
      text = value;
      fromEnvText = true;
    }
  } else {
    const file = path.join(fileLocation, envOrFile);
    source = `the file ${file}`;
    if (isDirectory(file)) throw notAFile(file);
    if (!isFile(file)) {
      throw new ConfigError(
        'CONFIG_NOT_FOUND',
        `No config list found: the environment variable ${envOrFile} is not set and the file ${path.resolve(file)} ` +
          `does not exist. ${HOW_TO_FIX}`,
      );
    }
    text = readConfigFile(file, source);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const what = fromEnvText ? 'is neither an existing file path nor valid JSON' : 'is not valid JSON';
    throw new ConfigError('CONFIG_INVALID', `The config list in ${source} ${what}: ${safeJsonMessage(error)}.`, {
      cause: error,
    });
  }

  const list = validateConfigList(parsed, source);
  // Unlike AutoGen (which returns []), an empty list is an error: a file holding `[]` is a mistake, and saying so
  // here beats an empty llmConfig.configList later.
  if (list.length === 0) {
    throw new ConfigError('CONFIG_EMPTY', `The config list in ${source} is empty. ${HOW_TO_FIX}`);
  }
  return { list, source };
}

/** The `CONFIG_EMPTY` error for a filter that matched no entry of `list`: the filter, and what the list has. */
export function noEntryMatches(list: readonly LlmConfigEntry[], filterDict: FilterDict | undefined, source: string) {
  return new ConfigError(
    'CONFIG_EMPTY',
    `No entry of the config list in ${source} matches the filter ${describeFilter(filterDict)}. ` +
      `The list has: ${list.map((entry, i) => `#${i} ${describeEntryBrief(entry)}`).join(', ')}.`,
  );
}

/**
 * Checks that `value` is a list of entries with a string `model`, naming the first bad entry by index (never printing
 * values, which may hold keys). `source` says where the list came from, for the message.
 */
export function validateConfigList(value: unknown, source = 'the config list'): LlmConfigEntry[] {
  if (!Array.isArray(value)) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `The config list in ${source} must be a JSON list of entries like [{"model": "gpt-4o-mini", "api_key": "..."}], ` +
        `got ${kindOf(value)}.`,
    );
  }
  value.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `Entry ${i} of the config list in ${source} is not an object (${kindOf(entry)}).`,
      );
    }
    const record = entry as Record<string, unknown>;
    if (typeof record.model !== 'string' || record.model === '') {
      throw new ConfigError(
        'CONFIG_INVALID',
        `Entry ${i} of the config list in ${source} has no "model" (a non-empty string is required).`,
      );
    }
    for (const key of [
      'api_key',
      'base_url',
      'api_type',
      'api_version',
      'azure_endpoint',
      'azure_deployment',
    ] as const) {
      if (record[key] !== undefined && typeof record[key] !== 'string') {
        throw new ConfigError(
          'CONFIG_INVALID',
          `Entry ${i} (${record.model}) of the config list in ${source}: "${key}" must be a string, got ${kindOf(record[key])}.`,
        );
      }
    }
    const tags = record.tags;
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `Entry ${i} (${record.model}) of the config list in ${source}: "tags" must be a list of strings.`,
      );
    }
    const client = record.model_client;
    if (client !== undefined && typeof (client as { complete?: unknown } | null)?.complete !== 'function') {
      throw new ConfigError(
        'CONFIG_INVALID',
        `Entry ${i} (${record.model}) of the config list in ${source}: "model_client" must be a ChatModel ` +
          '(an object with a complete(request) method).',
      );
    }
  });
  return value as LlmConfigEntry[];
}

/**
 * Keeps the entries whose value satisfies the criteria for every key of `filterDict` (AG2 semantics): an entry missing
 * the key never matches, a list value (such as `tags`) matches when it shares an element with the criteria, a scalar
 * must equal one of them exactly. `exclude` inverts the test key by key.
 * @example filterConfig(configList, { tags: ['local'] });
 */
export function filterConfig(list: LlmConfigEntry[], filterDict?: FilterDict, exclude = false): LlmConfigEntry[] {
  if (!filterDict) return list;
  const criteria = Object.entries(filterDict).map(
    ([key, wanted]) => [key, Array.isArray(wanted) ? wanted : [wanted]] as const,
  );
  return list.filter((entry) => criteria.every(([key, wanted]) => satisfies(entry[key], wanted) !== exclude));
}

/** A one-entry list from `OPENAI_API_KEY` (and `OPENAI_BASE_URL`), or `[]` when the key is unset. */
export function configFromEnv({
  env = process.env,
  model = 'gpt-4o-mini',
}: ConfigFromEnvOptions = {}): LlmConfigEntry[] {
  const apiKey = env.OPENAI_API_KEY;
  if (apiKey === undefined || apiKey === '') return [];
  const baseUrl = env.OPENAI_BASE_URL;
  return [{ model, api_key: apiKey, ...(baseUrl ? { base_url: baseUrl } : {}) }];
}

/**
 * A log-safe one-liner such as `gpt-4 @ https://api.openai.com/v1` (Azure: `gpt-4 @ https://x.openai.azure.com
 * (azure)`; an entry with its own `model_client`: `agentws-demo (in-process)`): never the key, nor credentials in
 * the URL.
 */
export function describeConfig(entry: LlmConfigEntry): string {
  if (entry.model_client !== undefined) return `${entry.model} (in-process)`;
  if (entry.api_type?.startsWith('azure')) {
    const endpoint = azureEndpoint(entry);
    return `${entry.model} @ ${endpoint === undefined ? '?' : safeUrl(endpoint)} (azure)`;
  }
  return `${entry.model} @ ${safeUrl(entry.base_url ?? DEFAULT_BASE_URL)}`;
}

/** `url` without user, password or query string (which may hold credentials). */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '');
  }
}

function satisfies(value: unknown, wanted: readonly unknown[]): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => wanted.some((w) => sameValue(item, w)));
  return wanted.some((w) => sameValue(value, w));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    JSON.stringify(a) === JSON.stringify(b)
  );
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** A folder given where the file belongs (`--config ./configs`): say so, rather than "does not exist". */
function notAFile(dir: string): ConfigError {
  const resolved = path.resolve(dir);
  return new ConfigError(
    'CONFIG_INVALID',
    `The config list path ${resolved} is a directory, not a file: give the path of the config list file itself ` +
      `(e.g. ${path.join(resolved, 'OAI_CONFIG_LIST')}).`,
  );
}

function readConfigFile(file: string, source: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError('CONFIG_NOT_FOUND', `Could not read the config list in ${source} (${code}). ${HOW_TO_FIX}`, {
      cause: error,
    });
  }
}

/** V8's JSON messages quote the text around the error, which may be an api key: keep only the diagnosis. */
function safeJsonMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/,\s*(?:\.\.\.)?".*" is not valid JSON$/s, '');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeFilter(filterDict: FilterDict | undefined): string {
  const shown = Object.fromEntries(
    Object.entries(filterDict ?? {}).map(([key, wanted]) => [key, /key|secret|token/i.test(key) ? '***' : wanted]),
  );
  return JSON.stringify(shown);
}

function describeEntryBrief(entry: LlmConfigEntry): string {
  return entry.tags?.length ? `${entry.model} (tags: ${entry.tags.join(', ')})` : entry.model;
}
