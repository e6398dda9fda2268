import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/testing/index.js';
import type { FakeOpenAI, FakeReply } from '../../src/testing/index.js';
import { ROOT, killAll, runCli, startServe, tempDir } from './helpers/spawn-cli.js';

// examples/group-chat.ts through the real `agentws serve --on-connect` and `agentws connect` processes (dist/ must be
// built: `npm test` does it), with the fake OpenAI server in this test process standing in for the models: the
// manager's model names the speakers, the agents' models stream their messages, and the person answers on stdin.

const GROUP_CHAT = path.join(ROOT, 'examples', 'group-chat.ts');
const TASK = 'Write a haiku about Paris in the rain.';
const PLAN = '1. Picture the rain on the Seine.\n2. Write three lines.';
const HAIKU = 'Rain on the Seine,\ngrey roofs shine like wet slate,\na café glows warm.';
const REVIEW = 'Three gentle lines. TERMINATE';
const ANSWER = 'Make it gentle.';
const USER_PROMPT =
  "Replying as user. Provide feedback to chat_manager. Press enter to skip and use auto-reply, or type 'exit' to end the conversation: ";
const SEPARATOR = '-'.repeat(80);

/** The models' answers in the order they are asked: a speaker's name (the manager), then that agent's message. */
function script(): FakeReply[] {
  return [
    { content: 'planner' },
    { content: PLAN },
    { content: 'user' }, // the person answers; no model request for them
    { content: 'writer' },
    { content: HAIKU },
    { content: 'critic' },
    { content: REVIEW },
  ];
}

let fake: FakeOpenAI;
let work: { dir: string; remove: () => void };

beforeEach(async () => {
  fake = await startFakeOpenAI();
  work = tempDir({
    OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }]),
  });
});

afterEach(async () => {
  await killAll();
  await fake.close();
  work.remove();
});

describe('examples/group-chat.ts through agentws serve and agentws connect', () => {
  it("shows each speaker, streams the agents, asks the person, and ends on the critic's TERMINATE", async () => {
    const { serve, uri } = await startServe(['--on-connect', GROUP_CHAT], { cwd: work.dir });
    expect(serve.stdout).toContain(`agent:  onConnect from ${GROUP_CHAT}`);
    fake.enqueue(...script());

    const client = await runCli(['connect', uri, TASK], { input: `${ANSWER}\n` });

    expect(client.stderr).toBe('');
    expect(client.code).toBe(0);
    // What AutoGen prints, in order: the task, then per turn the speaker line and the message (streamed first).
    const expected = [
      `user (to chat_manager):\n\n${TASK}\n\n${SEPARATOR}\n`,
      '\nNext speaker: planner\n\n',
      `${PLAN}\n\n`,
      `planner (to chat_manager):\n\n${PLAN}\n\n${SEPARATOR}\n`,
      '\nNext speaker: user\n\n',
      `${USER_PROMPT}${ANSWER}\n`,
      `user (to chat_manager):\n\n${ANSWER}\n\n${SEPARATOR}\n`,
      '\nNext speaker: writer\n\n',
      `writer (to chat_manager):\n\n${HAIKU}\n\n${SEPARATOR}\n`,
      '\nNext speaker: critic\n\n',
      `critic (to chat_manager):\n\n${REVIEW}\n\n${SEPARATOR}\n`,
    ];
    let at = 0;
    for (const part of expected) {
      const found = client.stdout.indexOf(part, at);
      expect(found, `${JSON.stringify(part)} after position ${at} in:\n${client.stdout}`).toBeGreaterThanOrEqual(at);
      at = found + part.length;
    }
    expect(client.stdout.slice(at)).toBe('');

    // Four speaker choices by the manager's model, three messages by the agents' models; the writer saw the plan and
    // the person's answer as messages named after them.
    expect(fake.requests).toHaveLength(7);
    const selection = fake.requests[0]!.body;
    expect(selection.stream).toBeFalsy();
    // The user just spoke and may not repeat: the first choice is among the three others.
    expect(selection.messages[0]!.content).toContain(
      "Then select the next role from ['planner', 'writer', 'critic'] to play. Only return the role.",
    );
    const writer = fake.requests[4]!.body;
    expect(writer.stream).toBe(true);
    expect(writer.messages.slice(1)).toEqual([
      { role: 'user', content: TASK, name: 'user' },
      { role: 'user', content: PLAN, name: 'planner' },
      { role: 'user', content: ANSWER, name: 'user' },
    ]);
    await serve.waitFor(/ended: completed/);
  });

  it("--json: a group_chat_run_chat event before each turn, and the chat's end with the manager's reason", async () => {
    const { uri } = await startServe(['--on-connect', GROUP_CHAT], { cwd: work.dir });
    fake.enqueue(...script());

    const client = await runCli(['connect', '--json', uri, TASK], { input: `${ANSWER}\n` });

    expect(client.code).toBe(0);
    const frames = client.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; content: Record<string, unknown> });
    const speakers = frames.filter((f) => f.type === 'group_chat_run_chat').map((f) => f.content.speaker);
    expect(speakers).toEqual(['planner', 'user', 'writer', 'critic']);
    expect(frames.find((f) => f.type === 'chat_end')!.content).toMatchObject({
      sender: 'user',
      recipient: 'chat_manager',
      termination_reason: "Termination message condition on the GroupChatManager 'chat_manager' met",
      // 'last_msg' removes "TERMINATE" and nothing else, as AutoGen does: the space before it stays.
      summary: 'Three gentle lines. ',
    });
    expect(frames.at(-1)).toMatchObject({ type: 'run_completion', content: { last_speaker: 'critic' } });
  });
});
