import { ConversableAgent } from '../agents/conversable-agent.js';
import { registerFunction } from '../agents/register-function.js';
import { UserProxyAgent } from '../agents/user-proxy-agent.js';
import { followUps } from '../io/follow-ups.js';
import type { LlmConfigEntry } from '../llm/config-list.js';
import type { IOWebsockets } from '../server/io-websockets.js';
import type { Logger } from '../server/logger.js';
import { createRedactor, redactingLogger } from '../server/redact.js';

/** Options of {@link createSeedOnConnect}. */
export interface SeedOnConnectOptions {
  /** The chatbot's models (an ordered fallback list). Required, non-empty. */
  configList: LlmConfigEntry[];
  /**
   * Gets the seed's " - on_connect(): ..." progress lines as debug messages, free of the config list's keys and with
   * control characters in the client's message escaped. [none]
   */
  logger?: Logger;
}

/** The seed notebook's chatbot instructions, verbatim. */
export const SEED_SYSTEM_MESSAGE =
  "Complete a task given to you and reply TERMINATE when the task is done. If asked about the weather, use tool 'weather_forecast(city)' to get the weather forecast for a city.";

/**
 * The tool's parameters as a JSON schema, shared by every session's tool. (A zod schema works the same, see
 * examples/seed-agent.ts; this built-in agent keeps zod out of the server's start-up.)
 */
const WEATHER_PARAMETERS = {
  type: 'object',
  properties: { city: { type: 'string', description: 'The city' } },
  required: ['city'],
};

/** Python's `str(datetime.now())` to the second: `2024-04-05 12:00:06`. */
function now(): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function weatherForecast(args: Record<string, unknown>): string {
  const { city } = args;
  if (typeof city !== 'string' || city === '') throw new Error('"city" must be a non-empty string.');
  return `The weather forecast for ${city} at ${now()} is sunny.`;
}

/**
 * The seed notebook's `on_connect` (what `agentws serve` runs without `--on-connect`): it reads the client's first
 * message, then a `chatbot` with the `weather_forecast` tool (LLM streaming on) and a `user_proxy` (human input
 * NEVER, ends on TERMINATE, at most 10 auto-replies) chat about it. New agents per connection, so sessions share
 * nothing.
 * @example await runServer({ onConnect: createSeedOnConnect({ configList }), port: 8765 });
 */
export function createSeedOnConnect(options: SeedOnConnectOptions): (iostream: IOWebsockets) => Promise<void> {
  const { configList } = options;
  // The lines carry the client's message: the same scrubbing as the server's own lines.
  const logger =
    options.logger && redactingLogger(options.logger, createRedactor(configList.map((entry) => entry.api_key)));
  return async (iostream) => {
    logger?.debug(` - on_connect(): Connected to client ${iostream.id}; receiving the initial message.`);
    const agent = new ConversableAgent({
      name: 'chatbot',
      systemMessage: SEED_SYSTEM_MESSAGE,
      llmConfig: { configList, stream: true },
    });
    const userProxy = new UserProxyAgent({
      name: 'user_proxy',
      systemMessage: 'A proxy for the user.',
      isTerminationMsg: (message) => (message.content ?? '').trimEnd().endsWith('TERMINATE'),
      humanInputMode: 'NEVER',
      maxConsecutiveAutoReply: 10,
      codeExecutionConfig: false,
    });
    registerFunction(weatherForecast, {
      caller: agent,
      executor: userProxy,
      name: 'weather_forecast',
      description: 'Weather forecast for a city',
      parameters: WEATHER_PARAMETERS,
    });
    const chat = async (message: string, index: number): Promise<void> => {
      logger?.debug(` - on_connect(): Initiating chat with agent chatbot using message '${message}'`);
      await userProxy.initiateChat(agent, { message, clearHistory: index === 0 });
    };
    // JSON clients (the page, agentws connect) can send follow-ups in the same chat; the seed's text clients get
    // the notebook's one chat per connection, byte for byte.
    await followUps(iostream, chat, { maxChats: iostream.mode === 'json' ? Infinity : 1 });
  };
}
