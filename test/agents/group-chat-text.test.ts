import { afterEach, describe, expect, it } from 'vitest';
import { ConversableAgent, GroupChat, GroupChatManager, MANUAL_SELECTION_PROMPT } from '../../src/agents/index.js';
import type { GroupChatOptions } from '../../src/agents/index.js';
import { renderText } from '../../src/protocol/text-renderer.js';
import { runServer, type AgentwsServer } from '../../src/server/agentws-server.js';
import type { IOWebsockets } from '../../src/server/io-websockets.js';
import { silentLogger } from '../../src/server/logger.js';
import { TestClient } from '../helpers/ws-client.js';

// A group chat in text mode sends, frame for frame, what AutoGen 0.2 prints: each message to the manager as
// `{sender} (to chat_manager):` with its content and the 80-dash separator (ConversableAgent._print_received_message),
// and before each turn `iostream.print(colored(f"\nNext speaker: {speaker.name}\n", "green"), flush=True)`
// (GroupChatManager.run_chat). Manual selection prints the list one line per print call, then asks.

const SEPARATOR = '\n' + '-'.repeat(80) + '\n';

/** The frames AutoGen prints for one received message. */
function message(sender: string, content: string, color = false): string[] {
  const name = color ? `\x1b[33m${sender}\x1b[0m` : sender;
  return [`${name} (to chat_manager):\n\n`, `${content}\n`, SEPARATOR];
}

function nextSpeaker(name: string, color = false): string {
  return color ? `\x1b[32m\nNext speaker: ${name}\n\x1b[0m\n` : `\nNext speaker: ${name}\n\n`;
}

function trio(): ConversableAgent[] {
  return ['alice', 'bob', 'carol'].map(
    (name) => new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply: `This is ${name} speaking.` }),
  );
}

let server: AgentwsServer | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

/** A text-mode server whose onConnect runs alice, bob and carol's group chat on the client's first message. */
async function serve(options: Partial<GroupChatOptions>): Promise<string> {
  server = await runServer({
    port: 0,
    logger: silentLogger,
    onConnect: async (iostream: IOWebsockets) => {
      const [alice, ...rest] = trio();
      const groupchat = new GroupChat({ agents: [alice!, ...rest], maxRound: 3, ...options });
      const manager = new GroupChatManager({ groupchat });
      await alice!.initiateChat(manager, { message: await iostream.input() });
    },
  });
  return server.uri;
}

describe("a group chat's text frames are AutoGen 0.2's", () => {
  it('round robin', async () => {
    const client = await TestClient.open(await serve({ speakerSelectionMethod: 'round_robin' }));
    client.send('Hello, team.');
    expect(await client.closed).toBe(1000);
    expect(client.frames).toEqual([
      ...message('alice', 'Hello, team.'),
      nextSpeaker('bob'),
      ...message('bob', 'This is bob speaking.'),
      nextSpeaker('carol'),
      ...message('carol', 'This is carol speaking.'),
    ]);
  });

  it('round robin with ?color=1', async () => {
    const client = await TestClient.open(`${await serve({ speakerSelectionMethod: 'round_robin' })}/?color=1`);
    client.send('Hello, team.');
    expect(await client.closed).toBe(1000);
    expect(client.frames).toEqual([
      ...message('alice', 'Hello, team.', true),
      nextSpeaker('bob', true),
      ...message('bob', 'This is bob speaking.', true),
      nextSpeaker('carol', true),
      ...message('carol', 'This is carol speaking.', true),
    ]);
  });

  it('manual selection: the list, the question as a raw frame, the answer from the client', async () => {
    const client = await TestClient.open(await serve({ speakerSelectionMethod: 'manual', allowRepeatSpeaker: false }));
    client.send('Hello, team.');
    await client.waitFor((frames) => frames.includes(MANUAL_SELECTION_PROMPT), 'the first question');
    client.send('2');
    await client.waitFor((frames) => frames.filter((f) => f === MANUAL_SELECTION_PROMPT).length === 2, 'the second');
    client.send('nobody');
    await client.waitFor((frames) => frames.filter((f) => f === MANUAL_SELECTION_PROMPT).length === 3, 'the third');
    client.send('');
    expect(await client.closed).toBe(1000);
    expect(client.frames).toEqual([
      ...message('alice', 'Hello, team.'),
      'Please select the next speaker from the following list:\n',
      '1: bob\n',
      '2: carol\n',
      MANUAL_SELECTION_PROMPT,
      nextSpeaker('carol'),
      ...message('carol', 'This is carol speaking.'),
      'Please select the next speaker from the following list:\n',
      '1: alice\n',
      '2: bob\n',
      MANUAL_SELECTION_PROMPT,
      'Invalid input. Please enter a number between 1 and 2.\n',
      MANUAL_SELECTION_PROMPT,
      // Nothing chosen: the next agent in order after carol.
      nextSpeaker('alice'),
      ...message('alice', 'This is alice speaking.'),
    ]);
  });
});

describe('renderText for the group chat events', () => {
  it('renders each one as AutoGen prints it, with and without colour', () => {
    const agents = ['alice', 'bob', 'carol'];
    expect(renderText({ type: 'group_chat_run_chat', content: { speaker: 'bob' } })).toEqual([nextSpeaker('bob')]);
    expect(renderText({ type: 'group_chat_run_chat', content: { speaker: 'bob' } }, { color: true })).toEqual([
      nextSpeaker('bob', true),
    ]);
    expect(renderText({ type: 'select_speaker', content: { agents } })).toEqual([
      'Please select the next speaker from the following list:\n',
      '1: alice\n',
      '2: bob\n',
      '3: carol\n',
    ]);
    expect(renderText({ type: 'select_speaker_invalid_input', content: { agents } })).toEqual([
      'Invalid input. Please enter a number between 1 and 3.\n',
    ]);
    expect(renderText({ type: 'select_speaker_try_count_exceeded', content: { try_count: 3, agents } })).toEqual([
      'You have tried 3 times. The next speaker will be selected automatically.\n',
    ]);
    const resumed = {
      type: 'group_chat_resume' as const,
      content: { last_speaker_name: 'bob', messages: [{ role: 'user' as const, content: 'Hi', name: 'bob' }] },
    };
    expect(renderText(resumed)).toEqual(['Prepared group chat with 1 messages, the last speaker is bob\n']);
    expect(renderText(resumed, { color: true })).toEqual([
      'Prepared group chat with 1 messages, the last speaker is \x1b[33mbob\x1b[0m\n',
    ]);
  });
});
