import { IOStream } from '../io/iostream.js';
import type { LlmConfig } from '../llm/llm-client.js';
import { allowsFormatTemplates } from './message-context.js';
import { toLlmMessages, toReply } from './oai-messages.js';
import type { ReplyFunction } from './reply-functions.js';

/**
 * The built-in reply function that asks the agent's model (AutoGen's `generate_oai_reply`): the system message, the
 * conversation in API form and the agent's tools; no final reply when the agent has no model or the model said nothing.
 */
export const generateOaiReply: ReplyFunction = async (agent, messages) => {
  const client = agent.client;
  if (client === undefined) return { final: false };
  const tools = agent.toolSchemas;
  const signal = IOStream.getDefault().signal;
  const result = await client.create({
    messages: [
      { role: 'system', content: agent.systemMessage },
      ...toLlmMessages(messages, allowsFormatTemplates(agent.llmConfig)),
    ],
    ...(tools.length > 0 ? { tools } : {}),
    ...(signal ? { signal } : {}),
    agent: agent.name,
  });
  const reply = toReply(result);
  return reply === null ? { final: false } : { final: true, reply };
};

/** The llmConfig an agent's client gets: without the agent's own keys, which are not request parameters. */
export function clientConfig(llmConfig: LlmConfig): LlmConfig {
  const { tools: _tools, allowFormatStrTemplate: _allowFormat, ...config } = llmConfig;
  return config as LlmConfig;
}
