/**
 * Test doubles for agentws users (`agentws/testing`): a fake OpenAI server and the scripts it can play, and the demo
 * model in-process.
 */
export { startFakeOpenAI } from './fake-openai-server.js';
export { splitTokens } from './reply-writer.js';
export type {
  FakeChatMessage,
  FakeChatRequest,
  FakeOpenAI,
  FakeOpenAIOptions,
  FakeReply,
  FakeResponder,
  FakeToolCall,
  RecordedRequest,
} from './fake-openai-server.js';
export { SEED_POEM, SEED_POEM_TOKENS, SEED_TOOL_CALL, seedReplies } from './seed-script.js';
export { demoResponder } from './demo-model.js';
export type { DemoResponderOptions } from './demo-model.js';
export { DemoChatModel } from './demo-chat-model.js';
export type { DemoChatModelOptions } from './demo-chat-model.js';
