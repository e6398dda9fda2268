import type { HumanInputMode } from '../protocol/events.js';
import { withDefaults, type ConversableAgentOptions } from './agent-options.js';
import { ConversableAgent } from './conversable-agent.js';

/** AutoGen's UserProxyAgent descriptions, by human input mode. */
export const DEFAULT_USER_PROXY_DESCRIPTIONS: Readonly<Record<HumanInputMode, string>> = {
  ALWAYS:
    'An attentive HUMAN user who can answer questions about the task, and can perform tasks such as running Python code or inputting command line commands at a Linux terminal and reporting back the execution results.',
  TERMINATE:
    'A user that can run Python code or input command line commands at a Linux terminal and report back the execution results.',
  NEVER:
    'A computer terminal that performs no other action than running Python code (in a ```python code block), or sh shell scripts (in a ```sh code block).',
};

/**
 * Options of {@link UserProxyAgent}. `codeExecutionConfig` defaults to `false`: AutoGen's UserProxyAgent runs code by
 * default, agentws only when asked (see docs/code-execution.md).
 */
export type UserProxyAgentOptions = ConversableAgentOptions;

function userProxyDefaults(options: UserProxyAgentOptions): ConversableAgentOptions {
  if (typeof options !== 'object' || options === null) return options;
  const mode = options.humanInputMode ?? 'ALWAYS';
  return withDefaults(options, {
    systemMessage: '',
    humanInputMode: 'ALWAYS',
    llmConfig: false,
    codeExecutionConfig: false,
    description: DEFAULT_USER_PROXY_DESCRIPTIONS[mode],
  });
}

/**
 * AutoGen's UserProxyAgent: stands for the human (`humanInputMode` 'ALWAYS' by default), has no model, runs the tools
 * registered for execution on it, and with `codeExecutionConfig` the code blocks it receives.
 * @example const user = new UserProxyAgent({ name: 'user_proxy', humanInputMode: 'NEVER' });
 */
export class UserProxyAgent extends ConversableAgent {
  constructor(options: UserProxyAgentOptions) {
    super(userProxyDefaults(options));
  }
}
