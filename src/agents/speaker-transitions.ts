import { DefinitionError } from '../errors.js';
import { ConversableAgent } from './conversable-agent.js';
import type { SpeakerTransitions } from './group-chat-options.js';

/** Who may speak after each agent (AutoGen's `allowed_speaker_transitions_dict`). */
export type AllowedSpeakerTransitions = ReadonlyMap<ConversableAgent, readonly ConversableAgent[]>;

function invalid(message: string): never {
  throw new DefinitionError('OPTION_INVALID', `GroupChat option 'allowedOrDisallowedSpeakerTransitions' ${message}`);
}

/**
 * The transitions as a Map, checked as AutoGen's `check_graph_validity` does: every key is an agent of the group,
 * every value a list of agents. (AutoGen's warnings, for isolated agents and duplicates, are left to the reader.)
 */
function toMap(transitions: SpeakerTransitions, agents: readonly ConversableAgent[]): Map<ConversableAgent, unknown> {
  if (transitions instanceof Map) {
    for (const key of transitions.keys()) {
      if (!agents.includes(key as ConversableAgent)) invalid('has keys not in agents: give agents of this group chat.');
    }
    return new Map(transitions);
  }
  if (typeof transitions !== 'object' || transitions === null || Array.isArray(transitions)) {
    invalid('must be a Map from an agent to a list of agents, or an object keyed by agent name.');
  }
  const map = new Map<ConversableAgent, unknown>();
  for (const [name, value] of Object.entries(transitions)) {
    const agent = agents.find((a) => a.name === name);
    if (agent === undefined) invalid(`has keys not in agents: no agent of the group is named ${JSON.stringify(name)}.`);
    map.set(agent, value);
  }
  return map;
}

function checkValues(map: Map<ConversableAgent, unknown>): Map<ConversableAgent, ConversableAgent[]> {
  for (const [key, value] of map) {
    if (!Array.isArray(value)) invalid(`must have lists as values (the value for '${key.name}' is not one).`);
    if (!value.every((agent) => agent instanceof ConversableAgent)) {
      invalid(`has values that are not lists of agents (see '${key.name}'): give agents, not names.`);
    }
  }
  return map as Map<ConversableAgent, ConversableAgent[]>;
}

/**
 * AutoGen's transition graph from a group's options: the given graph (a disallowed one inverted against every
 * agent), or else every agent to every other, plus itself where repeating is allowed.
 */
export function allowedSpeakerTransitions(
  agents: readonly ConversableAgent[],
  allowRepeatSpeaker: boolean | readonly ConversableAgent[] | undefined,
  transitions: SpeakerTransitions | undefined,
  type: 'allowed' | 'disallowed' | undefined,
): AllowedSpeakerTransitions {
  if (transitions === undefined) {
    const allowed = new Map<ConversableAgent, ConversableAgent[]>();
    for (const agent of agents) allowed.set(agent, [...agents.filter((other) => other !== agent)]);
    const repeaters =
      allowRepeatSpeaker === true ? agents : Array.isArray(allowRepeatSpeaker) ? allowRepeatSpeaker : [];
    for (const agent of repeaters) allowed.get(agent)?.push(agent);
    return allowed;
  }
  const given = checkValues(toMap(transitions, agents));
  if (type === 'allowed') return given;
  // AutoGen's invert_disallowed_to_allowed: start fully connected (self-loops included), remove what is disallowed.
  const allowed = new Map<ConversableAgent, ConversableAgent[]>();
  for (const agent of agents) allowed.set(agent, [...agents]);
  for (const [agent, disallowed] of given)
    allowed.set(
      agent,
      allowed.get(agent)!.filter((a) => !disallowed.includes(a)),
    );
  return allowed;
}
