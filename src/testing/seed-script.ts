import type { FakeReply } from './fake-openai-server.js';

/**
 * The poem of AutoGen's IOWebsockets seed conversation, token by token as the model streamed it. (Upstream's transcript
 * also shows an empty first delta: that is the role chunk's `content: ''`, which the client relays.)
 */
export const SEED_POEM_TOKENS: readonly string[] = [
  'Paris',
  ' wakes',
  ' beneath',
  ' a',
  ' sunny',
  ' sky,',
  ' the',
  ' Seine',
  ' is',
  ' bright',
  ' and',
  ' slow,',
  '\nthe',
  ' cafes',
  ' hum',
  ' with',
  ' morning',
  ' light,',
  ' and',
  ' breezes',
  ' softly',
  ' blow,',
  ' the',
  ' rooftops',
  '\nshine',
  ' like',
  ' silver',
  ' leaves,',
  ' the',
  ' bridges',
  ' warm',
  ' and',
  ' wide,',
  ' a',
  ' golden',
  ' day',
  '\nalong',
  ' the',
  ' quays,',
  ' with',
  '\nTERMINATE',
];

/** The seed poem as one string. */
export const SEED_POEM = SEED_POEM_TOKENS.join('');

/** The seed's tool call: `weather_forecast({"city":"Paris"})`, id `call_fake1`. */
export const SEED_TOOL_CALL = { id: 'call_fake1', name: 'weather_forecast', arguments: '{"city":"Paris"}' } as const;

/**
 * The two model replies of AutoGen's seed conversation ("Write a poem about the current weather in Paris"): first the
 * `weather_forecast` tool call with its arguments split across chunks, then {@link SEED_POEM}.
 * @example await using fake = await startFakeOpenAI({ replies: seedReplies() });
 */
export function seedReplies(): FakeReply[] {
  return [{ toolCalls: [{ ...SEED_TOOL_CALL }] }, { content: [...SEED_POEM_TOKENS] }];
}
