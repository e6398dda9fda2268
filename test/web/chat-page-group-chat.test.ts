import { describe, expect, it } from 'vitest';
import { ConversableAgent, GroupChat, GroupChatManager, UserProxyAgent } from '../../src/agents/index.js';
import type { FakeReply } from '../../src/testing/index.js';
import exampleOnConnect from '../../examples/group-chat.js';
import { noBrowserReason, usePage } from './browser.js';
import { endState, sendMessage, useChatServer } from './chat-server.js';

// A group chat in the chat page, in headless Chromium: who speaks next is shown before each agent's message, a
// member of the group who is the person asks through the one composer, and a manual speaker choice lists the agents
// by number.

const TASK = 'Write a haiku about Paris in the rain.';
const PLAN = '1. Picture the rain on the Seine.\n2. Write three lines.';
const HAIKU = 'Rain on the Seine,\ngrey roofs shine like wet slate,\na café glows warm.';

describe.skipIf(noBrowserReason !== undefined)(`a group chat in the chat page ${noBrowserReason ?? ''}`, () => {
  const browser = usePage();
  const startServer = useChatServer();

  it('examples/group-chat.ts: each speaker named before its message, the person asked in turn, the end', async () => {
    const replies: FakeReply[] = [
      { content: 'planner' },
      { content: PLAN },
      { content: 'user' },
      { content: 'writer' },
      { content: HAIKU },
      { content: 'critic' },
      { content: 'Three gentle lines. TERMINATE' },
    ];
    const { server, fake } = await startServer({
      replies,
      // The example imports the built package; its stream is this session's all the same (one IOStream registry).
      onConnect: (iostream) =>
        exampleOnConnect(iostream as never, {
          configList: [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test' }],
        }),
    });
    const { page } = browser;
    await page.goto(server.url);
    await sendMessage(page, TASK);

    const question = page.locator('.prompt:not(.answered)');
    await question.waitFor();
    expect(await question.locator('.prompt-text').innerText()).toContain(
      'Replying as user. Provide feedback to chat_manager.',
    );
    await sendMessage(page, 'Make it gentle.');

    expect((await endState(page)).reason).toBe('completed');
    expect(await page.locator('.note.speaker').allInnerTexts()).toEqual([
      'Next speaker: planner',
      'Next speaker: user',
      'Next speaker: writer',
      'Next speaker: critic',
    ]);
    // In the log, each agent's message follows the line that named it.
    const log = await page
      .locator('#log > *')
      .evaluateAll((nodes) =>
        nodes.map((node) =>
          node.classList.contains('speaker')
            ? `speaker ${node.querySelector('.speaker-name')?.textContent}`
            : node.classList.contains('msg')
              ? `msg ${node.querySelector('.msg-name')?.textContent}`
              : node.classList.contains('prompt')
                ? 'question'
                : null,
        ),
      );
    expect(log.filter((entry) => entry !== null)).toEqual([
      'msg You',
      'speaker planner',
      'msg planner',
      'speaker user',
      'question',
      'speaker writer',
      'msg writer',
      'speaker critic',
      'msg critic',
    ]);
    const haiku = page.locator('.msg.agent', { hasText: 'grey roofs shine' });
    expect(await haiku.count()).toBe(1);
    expect(await haiku.locator('.msg-to').innerText()).toBe('to chat_manager');
    expect(await page.locator('.msg.agent', { hasText: 'Three gentle lines.' }).locator('.msg-body').innerText()).toBe(
      'Three gentle lines.',
    );
    expect(browser.errors).toEqual([]);
  });

  it('manual speaker selection: the agents by number, wrong numbers said, then the next in order, then a choice', async () => {
    const { server } = await startServer({
      onConnect: async (iostream) => {
        const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER', codeExecutionConfig: false });
        const [bob, carol] = ['bob', 'carol'].map(
          (name) =>
            new ConversableAgent({ name, humanInputMode: 'NEVER', defaultAutoReply: `This is ${name} speaking.` }),
        );
        const groupchat = new GroupChat({
          agents: [user, bob!, carol!],
          maxRound: 3,
          speakerSelectionMethod: 'manual',
          allowRepeatSpeaker: false,
        });
        await user.initiateChat(new GroupChatManager({ groupchat }), { message: await iostream.input() });
      },
    });
    const { page } = browser;
    const question = page.locator('.prompt:not(.answered)');
    await page.goto(server.url);
    await sendMessage(page, 'Who goes first?');

    const choices = page.locator('.note.choices');
    await question.waitFor();
    expect(await choices.first().locator('li').allInnerTexts()).toEqual(['bob', 'carol']);
    expect(await question.locator('.prompt-text').innerText()).toContain('Enter the number of the next speaker');
    await sendMessage(page, '5');
    await page.locator('.note.error', { hasText: 'Invalid input. Please enter a number between 1 and 2.' }).waitFor();
    await question.waitFor();
    await sendMessage(page, '7');
    // Two wrong numbers: AutoGen gives up and the next agent after the user speaks.
    await page
      .locator('.note', { hasText: 'You have tried 3 times. The next speaker will be selected automatically.' })
      .waitFor();
    await page.locator('.msg.agent', { hasText: 'This is bob speaking.' }).waitFor();
    await question.waitFor();
    expect(await choices.nth(1).locator('li').allInnerTexts()).toEqual(['user', 'carol']);
    await sendMessage(page, '2');

    expect((await endState(page)).reason).toBe('completed');
    expect(await page.locator('.note.error').count()).toBe(2);
    expect(await page.locator('.note.speaker').allInnerTexts()).toEqual(['Next speaker: bob', 'Next speaker: carol']);
    expect(await page.locator('.msg.agent .msg-name').allInnerTexts()).toEqual(['bob', 'carol']);
    expect(await page.locator('.prompt.answered .prompt-answer').allTextContents()).toEqual(['You5', 'You7', 'You2']);
    expect(browser.errors).toEqual([]);
  });
});
