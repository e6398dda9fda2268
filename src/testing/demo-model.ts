import { ServerError } from '../errors.js';
import type { FakeChatMessage, FakeChatRequest, FakeReply, FakeResponder } from './fake-openai-server.js';
import { splitTokens } from './reply-writer.js';

/** Options of {@link demoResponder}. */
export interface DemoResponderOptions {
  /** Make every text reply exactly this many tokens long, still ending with `TERMINATE` (for benchmarks). */
  tokens?: number;
}

const TERMINATE = '\nTERMINATE';

/**
 * The scripted model behind `agentws serve --demo` (not an LLM), as a responder of the fake OpenAI server: asked about
 * the weather with a `weather_forecast` tool on offer, it calls the tool for the city it finds after "in" / "for"
 * (default Paris); given the tool's result, it writes a short poem about that city; anything else it echoes back.
 * Every text reply ends with `TERMINATE`. `serve --demo` runs the same script in-process ({@link DemoChatModel}).
 * @example await startFakeOpenAI({ respond: demoResponder() });
 */
export function demoResponder(options: DemoResponderOptions = {}): FakeResponder {
  const reply = demoScript(options);
  return ({ body }) => reply(body);
}

/** The demo's script: the reply to a request (see {@link demoResponder}). Throws on bad options. */
export function demoScript(options: DemoResponderOptions = {}): (body: FakeChatRequest) => FakeReply {
  const { tokens } = options;
  if (tokens !== undefined && !(Number.isInteger(tokens) && tokens >= 1)) {
    throw new ServerError('OPTION_INVALID', `demoResponder: tokens must be a positive integer, got ${tokens}.`);
  }
  const text = (content: string): FakeReply => ({ content: tokens === undefined ? content : sized(content, tokens) });

  return (body) => {
    const messages = body.messages;
    const last = messages.at(-1);
    const offersWeather = body.tools?.some((tool) => tool.function?.name === 'weather_forecast') ?? false;
    if (last?.role === 'tool') return text(poemAbout(cityOfToolResult(messages, last)));
    const said = textOf(last);
    if (offersWeather && last?.role === 'user' && /weather|forecast/i.test(said)) {
      return { toolCalls: [{ name: 'weather_forecast', arguments: { city: cityIn(said) } }] };
    }
    return text(
      `(scripted demo reply) You said: ${sentence(said)} This is agentws's scripted demo model, not an LLM.${TERMINATE}`,
    );
  };
}

/** The message as a sentence: a full stop only when it does not already end with one ("2+2?" stays "2+2?"). */
function sentence(said: string): string {
  const trimmed = said.trim();
  if (trimmed === '') return 'nothing.';
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The capitalised word(s) after "in" or "for": "weather in New York?" → "New York". */
function cityIn(message: string): string {
  return /\b(?:in|for)\s+(\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)*)/u.exec(message)?.[1] ?? 'Paris';
}

/** The `city` argument of the tool call this result answers. */
function cityOfToolResult(messages: FakeChatMessage[], result: FakeChatMessage): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const call = messages[i]?.tool_calls?.find((c) => c.id === result.tool_call_id);
    if (call === undefined) continue;
    try {
      const args: unknown = JSON.parse(call.function.arguments);
      const city = (args as { city?: unknown } | null)?.city;
      if (typeof city === 'string' && city !== '') return city;
    } catch {
      // Malformed arguments: fall back to the default city.
    }
    break;
  }
  return 'Paris';
}

/** Every line complete (the seed's poem, cut off after "with" by the model upstream, is for replays only). */
function poemAbout(city: string): string {
  return (
    `${city} wakes beneath a sunny sky, the streets are bright and slow,\n` +
    `the cafes hum with morning light, and breezes softly blow,\n` +
    `a golden day in ${city}, with warmth in every glow.${TERMINATE}`
  );
}

function textOf(message: FakeChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
  return '';
}

/** Exactly `count` tokens: the reply's words (repeated as needed) then `TERMINATE`. */
function sized(content: string, count: number): string[] {
  const words = splitTokens(content.endsWith(TERMINATE) ? content.slice(0, -TERMINATE.length) : content);
  if (words.length === 0) words.push('demo');
  const out: string[] = [];
  for (let i = 0; i < count - 1; i++) {
    const word = words[i % words.length]!;
    out.push(i >= words.length && !/^\s/.test(word) ? ` ${word}` : word);
  }
  out.push(count === 1 ? 'TERMINATE' : TERMINATE);
  return out;
}
