import { DefinitionError } from '../errors.js';
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

/** Options of {@link UserProxyAgent}. */
export interface UserProxyAgentOptions extends ConversableAgentOptions {
  /** Accepted for AutoGen compatibility; agentws runs no code, so only `false` (the default) is allowed. */
  codeExecutionConfig?: false;
}

function withoutCodeExecution(options: UserProxyAgentOptions): ConversableAgentOptions {
  if (typeof options !== 'object' || options === null) return options;
  const { codeExecutionConfig, ...rest } = options;
  if (codeExecutionConfig !== undefined && codeExecutionConfig !== false) {
    throw new DefinitionError(
      'AGENT_INVALID',
      "UserProxyAgent option 'codeExecutionConfig': code execution is not supported by agentws; pass false or leave it out.",
    );
  }
  const mode = rest.humanInputMode ?? 'ALWAYS';
  return withDefaults(rest, {
    systemMessage: '',
    humanInputMode: 'ALWAYS',
    llmConfig: false,
    description: DEFAULT_USER_PROXY_DESCRIPTIONS[mode],
  });
}

/**
 * AutoGen's UserProxyAgent: stands for the human (`humanInputMode` 'ALWAYS' by default), has no model, and runs the
 * tools registered for execution on it.
 * @example const user = new UserProxyAgent({ name: 'user_proxy', humanInputMode: 'NEVER' });
 */
export class UserProxyAgent extends ConversableAgent {
  constructor(options: UserProxyAgentOptions) {
    super(withoutCodeExecution(options));
  }
}
