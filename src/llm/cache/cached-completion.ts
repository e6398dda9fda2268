import type { ChatModelRequest, ChatModelSink, CompletionResult } from '../chat-model.js';

/** One streamed delta, as it came: a piece of the reply or of the reasoning. */
export type CachedDelta = { content: string } | { reasoning: string };

/** What the cache keeps for one request. */
export interface CachedCompletion {
  /** The format, for stores that outlive a version of agentws. */
  v: 1;
  result: CompletionResult;
  /** A streamed reply's deltas in the order they came (absent without streaming). */
  deltas?: CachedDelta[];
}

/**
 * The cache key of a request, AutoGen's `get_key`: the request as sent (model, messages, tools, stream and the other
 * parameters) as JSON with sorted keys. The endpoint and key are not part of it, so a recorded run replays against
 * another server or without a key.
 */
export function completionKey(request: Pick<ChatModelRequest, 'model' | 'messages' | 'tools' | 'params' | 'stream'>) {
  const { model, messages, tools, params, stream } = request;
  return sortedJson({ ...params, model, messages, ...(tools && tools.length > 0 ? { tools } : {}), stream });
}

/** Collects a stream's deltas for the cache while passing them on. */
export function recordingSink(sink: ChatModelSink, deltas: CachedDelta[]): ChatModelSink {
  return {
    start: () => sink.start(),
    content(text) {
      deltas.push({ content: text });
      sink.content(text);
    },
    reasoning(text) {
      deltas.push({ reasoning: text });
      sink.reasoning(text);
    },
  };
}

/**
 * Sends a cached reply as it was streamed: one event per recorded delta, in order, all at once (no delays: the
 * reply is already here).
 */
export function replay(cached: CachedCompletion, sink: ChatModelSink): void {
  sink.start();
  for (const delta of cached.deltas ?? []) {
    if ('content' in delta) sink.content(delta.content);
    else sink.reasoning(delta.reasoning);
  }
}

/**
 * A stored value as a cached completion, copied (a caller may change what it gets), or `undefined` when it is not
 * one: a store shared with other programs, or written by another version, gives a miss, not a crash.
 */
export function readCachedCompletion(value: unknown): CachedCompletion | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, result, deltas } = value as Partial<CachedCompletion>;
  if (v !== 1 || typeof result !== 'object' || result === null) return undefined;
  const { content, model, finish_reason: finishReason, usage, tool_calls: toolCalls } = result;
  if (!(content === null || typeof content === 'string') || typeof model !== 'string') return undefined;
  if (!(finishReason === null || typeof finishReason === 'string')) return undefined;
  const counts = [usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens];
  if (!counts.every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  if (toolCalls !== undefined && !Array.isArray(toolCalls)) return undefined;
  if (deltas !== undefined && !(Array.isArray(deltas) && deltas.every(isDelta))) return undefined;
  return structuredClone({ v, result, ...(deltas === undefined ? {} : { deltas }) });
}

function isDelta(delta: unknown): delta is CachedDelta {
  if (typeof delta !== 'object' || delta === null) return false;
  const record = delta as Record<string, unknown>;
  return typeof record.content === 'string' || typeof record.reasoning === 'string';
}

/** JSON with every object's keys in order, so equal requests give equal keys whatever order they were built in. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}
