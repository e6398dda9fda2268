import { DefinitionError } from '../errors.js';
import type { LlmConfig } from '../llm/llm-client.js';
import type { MessageContext } from './agent.js';

const FIELD = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Python's `str.format(**context)` for the templates AutoGen users write: `{name}` is replaced by the context's value,
 * `{{` and `}}` stand for braces. A field the context lacks is an error (Python raises KeyError).
 */
export function formatTemplate(template: string, context: MessageContext): string {
  return template.replace(FIELD, (match, field: string | undefined) => {
    if (field === undefined) return match[0]!;
    if (!Object.hasOwn(context, field)) {
      throw new DefinitionError(
        'MESSAGE_INVALID',
        `The message's content template uses {${field}}, but its context has no '${field}' ` +
          `(context keys: ${Object.keys(context).join(', ') || 'none'}). Add it, or write {{${field}}} for literal braces.`,
      );
    }
    return String(context[field]);
  });
}

/**
 * AutoGen's `OpenAIWrapper.instantiate`: a string template is filled from `context` only when the agent allows format
 * templates (llmConfig `allowFormatStrTemplate`); otherwise it is used as it is.
 */
export function instantiateContent(content: string, context: MessageContext | undefined, allowFormat: boolean): string {
  return context !== undefined && allowFormat ? formatTemplate(content, context) : content;
}

/** Whether an agent with this llmConfig fills string templates (AutoGen's `allow_format_str_template`). */
export function allowsFormatTemplates(llmConfig: LlmConfig | false): boolean {
  return llmConfig !== false && llmConfig.allowFormatStrTemplate === true;
}
