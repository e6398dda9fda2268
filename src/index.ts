/**
 * agentws: LLM agents behind a websocket. AutoGen's IOStream / IOWebsockets design in TypeScript.
 * @module
 */

import { runServer } from './server/agentws-server.js';
import { IOWebsockets } from './server/io-websockets.js';

// IOWebsockets.runServer is attached here, as ws's index.js attaches WebSocket.Server: the server modules import
// io-websockets.ts, so it cannot import them back.
IOWebsockets.runServer = runServer;

// io: where agents print and ask
export { IOStream } from './io/iostream.js';
export type { InputOptions } from './io/iostream.js';
export type { PrintOptions } from './io/print-args.js';
export { IOConsole } from './io/io-console.js';
export { followUps } from './io/follow-ups.js';
export type { FollowUpsOptions } from './io/follow-ups.js';
export type { IOConsoleOptions } from './io/io-console.js';

// protocol: the one event union, its text and JSON renderings
export type * from './protocol/events.js';
export {
  EVENT_TYPES,
  CONNECTION_EVENT_TYPES,
  JSON_SUBPROTOCOL,
  RESUME_SUBPROTOCOL,
  isTerminalEvent,
} from './protocol/events.js';
export { renderText } from './protocol/text-renderer.js';
export type { TextRenderOptions } from './protocol/text-renderer.js';
export {
  encodeEvent,
  decodeClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  parseClientFrame,
} from './protocol/json-codec.js';
export type { DecodedClientFrame } from './protocol/json-codec.js';

// llm: config lists, the model client, the models behind it, caches
export { configListFromJson, filterConfig, configFromEnv, describeConfig, loadConfigList } from './llm/config-list.js';
export type { LlmConfigEntry, FilterDict, ConfigListFromJsonOptions, LoadedConfigList } from './llm/config-list.js';
export { LlmClient } from './llm/llm-client.js';
export type { LlmConfig, LlmMessage, ToolSchema, CompletionRequest, CompletionResult } from './llm/llm-client.js';
export type { ChatModel, ChatModelRequest, ChatModelSink, Failure } from './llm/chat-model.js';
export { OpenAIChatModel } from './llm/openai-chat-model.js';
export type { OpenAIChatModelOptions } from './llm/openai-chat-model.js';
export { Cache } from './llm/cache/cache.js';
export { DiskCache } from './llm/cache/disk-cache.js';
export { InMemoryCache } from './llm/cache/in-memory-cache.js';
export type { LlmCache } from './llm/cache/llm-cache.js';

// agents
export * from './agents/index.js';

// server: websocket sessions
export { IOWebsockets } from './server/io-websockets.js';
export type { WireMode, InputTimeoutAction } from './server/io-websockets.js';
export { runServer } from './server/agentws-server.js';
export type { AgentwsServer, ServerOptions } from './server/agentws-server.js';
export { WebsocketEndpoint, attach } from './server/websocket-endpoint.js';
export type { EndpointOptions, EndpointEvents } from './server/websocket-endpoint.js';
export type { OnConnect, SessionOutcome } from './server/session.js';
export { createWebPage } from './server/web-page.js';
export type { WebPage, WebPageOptions } from './server/web-page.js';
export { CloseCode } from './server/close-codes.js';
export type { CloseCodeValue } from './server/close-codes.js';
export { TOKEN_SUBPROTOCOL_PREFIX, TEXT_SUBPROTOCOL } from './server/upgrade-guard.js';
export type { Logger } from './server/logger.js';

// store: where sessions outlive their connections
export { MemorySessionStore } from './store/memory-store.js';
export type { MemorySessionStoreOptions } from './store/memory-store.js';
export type { SessionStore, SessionRecord, LogRead } from './store/session-store.js';
export { consoleLogger, silentLogger } from './server/logger.js';

// what `agentws serve` runs, usable without the CLI
export { createSeedOnConnect } from './seed/seed-on-connect.js';
export type { SeedOnConnectOptions } from './seed/seed-on-connect.js';
export type { OnConnectContext } from './server/on-connect-context.js';

// errors
export {
  AgentwsError,
  ConfigError,
  UnsupportedApiTypeError,
  LlmError,
  DefinitionError,
  AbortedError,
  InputTimeoutError,
  SessionClosedError,
  ServerError,
  ClientFrameError,
  SpeakerSelectionError,
  CodeExecutionError,
  WIRE_ERROR_CODES,
} from './errors.js';
export type { AgentwsErrorCode, WireErrorCode } from './errors.js';

export { VERSION } from './version.js';
