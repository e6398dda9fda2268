import type { Agent } from './agent.js';

/** A name as Python's `repr` writes it, for AutoGen's `{agentlist}`. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

/**
 * AutoGen's `f"{[agent.name for agent in agents]}"`: the names as a Python list, as its prompts show them.
 * @example agentList([alice, bob]) // "['alice', 'bob']"
 */
export function agentList(agents: readonly Agent[]): string {
  return `[${agents.map((agent) => pythonRepr(agent.name)).join(', ')}]`;
}

/**
 * Python's `str.format` for AutoGen's prompt templates: `{field}` is replaced when `fields` has it, `{{` and `}}` are
 * braces; any other `{field}` is kept as written (where Python would raise).
 */
export function formatTemplate(template: string, fields: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (match, field: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    return field !== undefined && Object.hasOwn(fields, field) ? fields[field]! : match;
  });
}
