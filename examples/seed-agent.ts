/**
 * The seed notebook's `on_connect` (AutoGen's "Websockets: Streaming input and output using websockets"), in
 * TypeScript: a chatbot with a weather tool and a user proxy chat about the client's first message, streaming tokens
 * to that client.
 *
 * Run it:   npx agentws serve --on-connect examples/seed-agent.ts
 * Talk:     npx agentws connect ws://127.0.0.1:8765 "Check out the weather in Paris and write a poem about it."
 *
 * `agentws serve` passes the config list it selected (--config, --model, --filter, --demo) as the second argument;
 * used with `runServer` directly, the module reads OAI_CONFIG_LIST itself, as the notebook does.
 */
import { z } from 'zod';
import { ConversableAgent, UserProxyAgent, configListFromJson, registerFunction } from 'agentws';
import type { IOWebsockets, OnConnectContext } from 'agentws';

export default async function onConnect(iostream: IOWebsockets, context?: OnConnectContext): Promise<void> {
  console.log(` - on_connect(): Connected to client using IOWebsockets ${iostream.id}`);

  // 1. Receive the initial message.
  const initialMsg = await iostream.input();

  // 2. The chatbot, with streaming on.
  const configList = context?.configList.length ? context.configList : configListFromJson('OAI_CONFIG_LIST');
  const agent = new ConversableAgent({
    name: 'chatbot',
    systemMessage:
      "Complete a task given to you and reply TERMINATE when the task is done. If asked about the weather, use tool 'weather_forecast(city)' to get the weather forecast for a city.",
    llmConfig: { configList, stream: true },
  });

  // 3. The user proxy: never asks a human, ends on TERMINATE, at most 10 auto-replies.
  const userProxy = new UserProxyAgent({
    name: 'user_proxy',
    systemMessage: 'A proxy for the user.',
    isTerminationMsg: (message) => (message.content ?? '').trimEnd().endsWith('TERMINATE'),
    humanInputMode: 'NEVER',
    maxConsecutiveAutoReply: 10,
    codeExecutionConfig: false,
  });

  // 4. The tool: the chatbot may call it, the user proxy runs it.
  registerFunction(({ city }) => `The weather forecast for ${city} at ${new Date().toISOString()} is sunny.`, {
    caller: agent,
    executor: userProxy,
    name: 'weather_forecast',
    description: 'Weather forecast for a city',
    parameters: z.object({ city: z.string().describe('The city') }),
  });

  // 5. Chat. Everything the agents print goes to this connection's iostream.
  console.log(` - on_connect(): Initiating chat with agent chatbot using message '${initialMsg}'`);
  await userProxy.initiateChat(agent, { message: initialMsg });
}
