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
 * The environment for code an agent runs: `env` without the variables whose name matches
 * {@link SECRET_VARIABLE_NAME} (`OPENAI_API_KEY`, `GITHUB_TOKEN`, `DB_PASSWORD`...), without `AGENTWS_*` and
 * `OAI_CONFIG_LIST`, and without any variable whose value contains one of `secrets` (the API keys of the chat's
 * config lists, say, wherever they are stored). Everything else (PATH, HOME, LANG, proxies...) is kept, so the code
 * finds its tools.
 * @example spawn('python3', [file], { env: childEnvironment(process.env, [apiKey]) });
 */
export function childEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  secrets: readonly string[] = [],
): NodeJS.ProcessEnv {
  const values = secrets.filter((secret) => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH);
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || SECRET_VARIABLE_NAME.test(name) || DROPPED_VARIABLE.test(name)) continue;
    if (values.some((secret) => value.includes(secret))) continue;
    kept[name] = value;
  }
  return kept;
}
