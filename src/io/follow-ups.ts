import type { IOStream } from './iostream.js';

/** Options of {@link followUps}. */
export interface FollowUpsOptions {
  /**
   * The prompt of each follow-up's input request. An empty prompt is how clients (the chat page, `agentws connect`)
   * know the request asks for the next message rather than answers a question. ['']
   */
  prompt?: string;
  /** Most chats in one run, the first included. [Infinity] */
  maxChats?: number;
}

/**
 * A conversation that takes follow-up messages: asks the client for its first message, runs `chat` with it, then
 * asks for the next one and runs `chat` again, until the client sends an empty message (or `maxChats` is reached).
 * `chat` gets the chat's index (0 for the first), so it can keep the agents' history after the first:
 * `userProxy.initiateChat(assistant, { message, clearHistory: index === 0 })`.
 * @example
 * export default async function onConnect(iostream) {
 *   const assistant = new AssistantAgent({ name: 'assistant', llmConfig });
 *   const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER' });
 *   await followUps(iostream, (message, index) =>
 *     user.initiateChat(assistant, { message, maxTurns: 1, clearHistory: index === 0 }),
 *   );
 * }
 */
export async function followUps(
  iostream: IOStream,
  chat: (message: string, index: number) => unknown,
  options: FollowUpsOptions = {},
): Promise<void> {
  const { prompt = '', maxChats = Infinity } = options;
  let message = await iostream.input();
  for (let index = 0; index < maxChats; index++) {
    if (index > 0) {
      message = await iostream.input(prompt);
      if (message.trim() === '') return;
    }
    await chat(message, index);
  }
}
