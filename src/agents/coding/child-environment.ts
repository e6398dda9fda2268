/**
 * Names of variables that executed code never sees: anything that looks like a credential. Broad on purpose: a
 * variable wrongly left out costs a line of configuration, a key wrongly passed on may end up in a transcript.
 */
export const SECRET_VARIABLE_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

/** agentws's own variables (`AGENTWS_TOKEN` and the like), and AutoGen's config list, which may hold keys inline. */
const DROPPED_VARIABLE = /^(AGENTWS_.*|OAI_CONFIG_LIST)$/i;

/** Shorter values are not matched by value: "1" or "true" would remove half the environment. */
const MIN_SECRET_LENGTH = 8;

/**
 * The process's own secrets, kept on `globalThis` under a registered symbol: `agentws serve` registers them in its copy
 * of agentws, and an onConnect module's copy, which runs the code, must see them too.
 */
const PROCESS_SECRETS_KEY = Symbol.for('agentws.code-execution.secrets.v1');
const processSecrets: Set<string> =
  ((globalThis as Record<symbol, unknown>)[PROCESS_SECRETS_KEY] as Set<string> | undefined) ?? new Set<string>();
(globalThis as Record<symbol, unknown>)[PROCESS_SECRETS_KEY] = processSecrets;

/**
 * Keeps `values` out of the environment of all code this process runs, whatever variable holds them. `agentws serve`
 * registers its token and its config list's API keys; a server of your own may do the same.
 * @example keepOutOfCodeEnvironment([token, ...configList.map((entry) => entry.api_key ?? '')]);
 */
export function keepOutOfCodeEnvironment(values: Iterable<string | undefined>): void {
  for (const value of values)
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) processSecrets.add(value);
}

/**
 * The environment for code an agent runs: `env` without the variables whose name matches
 * {@link SECRET_VARIABLE_NAME} (`OPENAI_API_KEY`, `GITHUB_TOKEN`, `DB_PASSWORD`...), without `AGENTWS_*` and
 * `OAI_CONFIG_LIST`, and without any variable whose value contains one of `secrets` (the API keys of the chat's
 * config lists, say, wherever they are stored) or of the process's (see {@link keepOutOfCodeEnvironment}). Everything else (PATH, HOME, LANG, proxies...) is kept, so the code
 * finds its tools.
 * @example spawn('python3', [file], { env: childEnvironment(process.env, [apiKey]) });
 */
export function childEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  secrets: readonly string[] = [],
): NodeJS.ProcessEnv {
  const values = [...secrets, ...processSecrets].filter(
    (secret) => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH,
  );
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || SECRET_VARIABLE_NAME.test(name) || DROPPED_VARIABLE.test(name)) continue;
    if (values.some((secret) => value.includes(secret))) continue;
    kept[name] = value;
  }
  return kept;
}
