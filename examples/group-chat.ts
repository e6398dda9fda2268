/**
 * A group chat behind a websocket (AutoGen 0.2's GroupChat): a planner, a writer and a critic work on the client's
 * task, the manager's model choosing who speaks next ('auto' speaker selection). The user is in the group too: when
 * the manager gives it the floor, the person at the other end of the websocket is asked (the web page and
 * `agentws connect` answer). Every message, every "Next speaker" and every streamed token goes to that client.
 *
 * Run it:   npx agentws serve --on-connect examples/group-chat.ts
 * Talk:     npx agentws connect ws://127.0.0.1:8765 "Write a haiku about Paris in the rain."
 *           (or open the page `serve` prints)
 *
 * `agentws serve` passes the config list it selected (--config, --model, --filter, --demo) as the second argument;
 * used with `runServer` directly, the module reads OAI_CONFIG_LIST itself.
 */
import {
  AssistantAgent,
  GroupChat,
  GroupChatManager,
  UserProxyAgent,
  configListFromJson,
  type ChatMessage,
} from 'agentws';
import type { IOWebsockets, OnConnectContext } from 'agentws';

const endsWithTerminate = (message: ChatMessage): boolean => (message.content ?? '').trimEnd().endsWith('TERMINATE');

export default async function onConnect(iostream: IOWebsockets, context?: OnConnectContext): Promise<void> {
  const task = await iostream.input();
  const configList = context?.configList.length ? context.configList : configListFromJson('OAI_CONFIG_LIST');
  const llmConfig = { configList, stream: true };

  // The person: asked for a reply whenever the manager chooses them ('exit' ends the chat).
  const user = new UserProxyAgent({
    name: 'user',
    humanInputMode: 'ALWAYS',
    codeExecutionConfig: false,
    description: 'The person who gave the task. Ask them when the task is unclear or a choice is theirs.',
  });
  const planner = new AssistantAgent({
    name: 'planner',
    systemMessage: 'You break the task into a few short steps for the writer. You never write the result yourself.',
    description: 'Plans how to do the task, in a few short steps.',
    llmConfig,
  });
  const writer = new AssistantAgent({
    name: 'writer',
    systemMessage: "You write what the task asks for, following the planner's steps and the critic's remarks.",
    description: "Writes the result, following the plan and the critic's remarks.",
    llmConfig,
  });
  const critic = new AssistantAgent({
    name: 'critic',
    systemMessage: "You review the writer's latest result. If it does the task, say so and end with TERMINATE.",
    description: 'Reviews the result; ends the chat with TERMINATE when it is good.',
    llmConfig,
  });

  const groupChat = new GroupChat({
    agents: [user, planner, writer, critic],
    messages: [],
    maxRound: 10,
    allowRepeatSpeaker: false,
  });
  // The manager's model only names the next speaker: not streamed, so the reader sees the agents, not the names.
  const manager = new GroupChatManager({
    groupchat: groupChat,
    llmConfig: { configList },
    isTerminationMsg: endsWithTerminate,
  });

  await user.initiateChat(manager, { message: task });
}
