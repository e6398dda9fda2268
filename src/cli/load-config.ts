import * as path from 'node:path';
import { ConfigError } from '../errors.js';
import type { FilterDict, LlmConfigEntry } from '../llm/config-list.js';
import { resolveApiType } from '../llm/api-type.js';
import { configFromEnv, filterConfig, loadConfigList, noEntryMatches } from '../llm/config-list.js';

/** Options of {@link loadServeConfig}: what `serve`'s flags say about models. */
export interface ServeConfigOptions {
  /** `--config`: an environment variable holding JSON or a path, or a file. Default `OAI_CONFIG_LIST`. */
  config?: string;
  /** `--model` (repeatable): keep entries with one of these models. */
  models?: readonly string[];
  /** `--filter key=value` (repeatable): keep entries whose `key` is one of the values given for it. */
  filters?: ReadonlyArray<readonly [string, string]>;
  env: NodeJS.ProcessEnv;
  /** Where the config file is looked for. */
  cwd: string;
  /** When false (a custom `--on-connect` module), having no config at all is fine and gives `[]`. */
  required: boolean;
}

/** The models `serve` will use, and where they came from (for the start-up lines; never holds keys). */
export interface ServeConfig {
  configList: LlmConfigEntry[];
  source: string;
}

const NO_MODEL_FIX =
  'Set OPENAI_API_KEY (plus OPENAI_BASE_URL for an OpenAI-compatible server), or put a config list in OAI_CONFIG_LIST ' +
  '(an environment variable holding JSON or a path, or a file in this folder; see OAI_CONFIG_LIST.example), ' +
  'or pass --config. To try agentws without a key, run: agentws serve --demo';

function filterDictOf(options: ServeConfigOptions): FilterDict | undefined {
  const dict: Record<string, string[]> = {};
  if (options.models && options.models.length > 0) dict.model = [...options.models];
  for (const [key, value] of options.filters ?? []) (dict[key] ??= []).push(value);
  return Object.keys(dict).length > 0 ? dict : undefined;
}

/**
 * Loads `serve`'s config list with `configListFromJson` semantics, filtered by `--model` and `--filter`; a filter that
 * matches nothing is an error here (the library returns `[]`). With no config list anywhere (and no explicit
 * `--config`), falls back to `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`, the first `--model`). Every entry's `api_type`
 * is checked before the server starts. Throws a {@link ConfigError} that says how to fix it.
 */
export function loadServeConfig(options: ServeConfigOptions): ServeConfig {
  const envOrFile = options.config ?? 'OAI_CONFIG_LIST';
  const fileLocation = path.isAbsolute(envOrFile) ? '' : options.cwd;
  const fromEnv = options.env[envOrFile] !== undefined && options.env[envOrFile]?.trim() !== '';
  const source = fromEnv ? `the environment variable ${envOrFile}` : `the file ${envOrFile}`;
  try {
    const loaded = loadConfigList(envOrFile, { fileLocation, env: options.env });
    const filterDict = filterDictOf(options);
    const configList = filterConfig(loaded.list, filterDict);
    if (configList.length === 0) throw noEntryMatches(loaded.list, filterDict, loaded.source);
    // Numbered as in the file, where the user will look for the entry.
    loaded.list.forEach((entry, i) => void (configList.includes(entry) && resolveApiType(entry, i, loaded.source)));
    return { configList, source };
  } catch (error) {
    const notFound = error instanceof ConfigError && error.code === 'CONFIG_NOT_FOUND';
    if (!notFound || options.config !== undefined || (options.filters?.length ?? 0) > 0) throw error;
  }
  const configList = configFromEnv({ env: options.env, ...(options.models?.[0] ? { model: options.models[0] } : {}) });
  if (configList.length > 0) return { configList, source: 'OPENAI_API_KEY' };
  if (!options.required) return { configList: [], source: 'none' };
  throw new ConfigError(
    'CONFIG_NOT_FOUND',
    `No model configured: no config list was found and OPENAI_API_KEY is not set. ${NO_MODEL_FIX}`,
  );
}
