import { SpeakerSelectionError } from '../errors.js';
import { IOStream } from '../io/iostream.js';
import type { Agent } from './agent.js';
import { autoSelectSpeaker } from './auto-speaker-selection.js';
import { ConversableAgent } from './conversable-agent.js';
import type { GroupChat } from './group-chat.js';
import { SPEAKER_SELECTION_METHODS, type SpeakerSelectionMethodName } from './group-chat-options.js';
import { agentList } from './group-chat-prompts.js';

/** AutoGen 0.2's question of manual speaker selection, verbatim. */
export const MANUAL_SELECTION_PROMPT =
  'Enter the number of the next speaker (enter nothing or `q` to use auto selection): ';

/**
 * Asks the human for the next speaker among `agents` through the current IOStream (AutoGen's `manual_select_speaker`):
 * a `select_speaker` event lists them, then up to two questions; nothing, `q`, or two invalid answers give `null`
 * (the caller then chooses).
 */
export async function manualSelectSpeaker(agents: readonly ConversableAgent[]): Promise<ConversableAgent | null> {
  const io = IOStream.getDefault();
  const names = agents.map((agent) => agent.name);
  io.send({ type: 'select_speaker', content: { agents: names } });
  // AutoGen's loop: a third try is never asked, it is the one that gives up.
  for (let tryCount = 1; tryCount <= 3; tryCount++) {
    if (tryCount >= 3) {
      io.send({ type: 'select_speaker_try_count_exceeded', content: { try_count: tryCount, agents: names } });
      break;
    }
    const answer = await io.input(MANUAL_SELECTION_PROMPT, io.signal ? { signal: io.signal } : {});
    if (answer === '' || answer === 'q') break;
    // Python's int(): an optional sign, digits, surrounding whitespace.
    const choice = /^\s*[+-]?\d+\s*$/.test(answer) ? Number(answer) : NaN;
    if (choice > 0 && choice <= agents.length) return agents[choice - 1]!;
    io.send({ type: 'select_speaker_invalid_input', content: { agents: names } });
  }
  return null;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return `an object (${value.constructor?.name ?? 'Object'})`;
  return `a ${typeof value} (${String(value)})`;
}

/** The method a selection function named, checked. */
function methodNamed(name: string): SpeakerSelectionMethodName {
  const method = name.toLowerCase();
  if (!(SPEAKER_SELECTION_METHODS as readonly string[]).includes(method)) {
    throw new SpeakerSelectionError(
      `The speaker selection function returned the method ${JSON.stringify(name)}. It should return an agent of the group chat, one of 'auto', 'manual', 'random', 'round_robin' (case insensitive), or null to end the chat.`,
    );
  }
  return method as SpeakerSelectionMethodName;
}

/**
 * The next speaker after `lastSpeaker` (AutoGen 0.2's `_prepare_and_select_agents` and `select_speaker`), or `null`
 * when no agent may speak (AutoGen's NoEligibleSpeaker: the chat ends). In order: a selection function's choice;
 * after tool calls, the one agent that can run them; the transition graph's only choice; else the method, among the
 * agents the graph allows after `lastSpeaker` (all agents when it allows none of them).
 */
export async function selectSpeaker(
  groupChat: GroupChat,
  lastSpeaker: Agent,
  selector: ConversableAgent,
): Promise<ConversableAgent | null> {
  const configured = groupChat.speakerSelectionMethod;
  let method: SpeakerSelectionMethodName;
  if (typeof configured === 'function') {
    const chosen = await configured(lastSpeaker as ConversableAgent, groupChat);
    if (chosen === null || chosen === undefined) return null;
    if (chosen instanceof ConversableAgent) {
      if (groupChat.agents.includes(chosen)) return chosen;
      throw new SpeakerSelectionError(
        `The speaker selection function returned the agent '${chosen.name}', which is not in the group chat ${agentList(groupChat.agents)}.`,
      );
    }
    if (typeof chosen !== 'string') {
      throw new SpeakerSelectionError(
        `The speaker selection function returned ${describe(chosen)} instead of an agent of the group chat, a selection method's name, or null.`,
      );
    }
    method = methodNamed(chosen);
  } else {
    method = configured;
  }

  const all = groupChat.agents;
  if (all.length < 2) {
    throw new SpeakerSelectionError(
      `GroupChat is underpopulated with ${all.length} agents. Please add more agents to the GroupChat or use direct communication instead.`,
    );
  }
  const repeat = groupChat.allowRepeatSpeaker;
  const allowRepeat =
    typeof repeat === 'boolean' || repeat === undefined ? repeat : repeat.includes(lastSpeaker as ConversableAgent);

  let agents: readonly ConversableAgent[] = all;
  const calls = groupChat.messages.at(-1)?.tool_calls ?? [];
  if (groupChat.funcCallFilter && calls.length > 0) {
    const funcs = calls.filter((call) => call.type === 'function').map((call) => call.function.name);
    agents = all.filter((agent) => funcs.some((name) => agent.canExecuteFunction(name)));
    if (agents.length === 1) return agents[0]!;
    if (agents.length === 0) {
      agents = all.filter((agent) => agent.functionMap.size > 0);
      if (agents.length === 1) return agents[0]!;
      if (agents.length === 0) {
        throw new SpeakerSelectionError(
          `No agent can execute the function ${funcs.join(', ')}. Register it for execution on an agent of the group chat (registerFunction's executor).`,
        );
      }
    }
  }
  if (allowRepeat === false) agents = agents.filter((agent) => agent !== lastSpeaker);

  const allowed = groupChat.allowedSpeakerTransitions.get(lastSpeaker as ConversableAgent);
  let eligible: ConversableAgent[] = [];
  if (allowed !== undefined) eligible = agents.filter((agent) => allowed.includes(agent));
  // A speaker of the group with no way out of the graph is its end; one from outside may be followed by anyone.
  else if (all.includes(lastSpeaker as ConversableAgent)) return null;
  if (eligible.length === 1) return eligible[0]!;
  const candidates = eligible.length > 0 ? eligible : undefined;

  switch (method) {
    case 'manual':
      // No choice made: the next agent in order (AutoGen compares the configured method with 'manual' here; the one
      // in use this round is meant, also when a selection function named it).
      return (await groupChat.manualSelectSpeaker(candidates)) ?? groupChat.nextAgent(lastSpeaker);
    case 'round_robin':
      return groupChat.nextAgent(lastSpeaker, candidates);
    case 'random':
      return groupChat.randomSelectSpeaker(candidates);
    case 'auto':
      return autoSelectSpeaker(groupChat, lastSpeaker, selector, candidates);
  }
}
