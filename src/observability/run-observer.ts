import type { IOStream } from '../io/iostream.js';

/** How a model request ended: answered, failed (the next entry is tried), aborted (cancel, disconnect), or from the cache. */
export type ModelCallOutcome = 'ok' | 'error' | 'aborted' | 'cached';

/** How a tool call ended: it returned, it threw (the model gets `Error: ...`), or the run was stopped meanwhile. */
export type ToolCallOutcome = 'ok' | 'error' | 'aborted';

/** One request to one config entry, as metrics count it. */
export interface ModelCallRecord {
  /** The model the request asked for (the config entry's `model`). */
  readonly model: string;
  readonly outcome: ModelCallOutcome;
  /** From sending the request to its end. */
  readonly seconds: number;
  /** From sending the request to the first delta of the reply or reasoning; undefined when none was streamed. */
  readonly firstTokenSeconds: number | undefined;
  /** Deltas relayed to the client (`stream` and `reasoning` events). */
  readonly streamed: number;
  /** Tokens the server reported (or agentws estimated); undefined when the request failed. */
  readonly usage: { readonly input: number; readonly output: number } | undefined;
}

/** One tool call that ran, as metrics count it. */
export interface ToolCallRecord {
  readonly tool: string;
  readonly outcome: ToolCallOutcome;
  readonly seconds: number;
}

/**
 * What a run's model requests and tool calls report to, besides their spans: the server's metrics. Called once per
 * request and per tool call, never per token.
 */
export interface RunObserver {
  modelCall(record: ModelCallRecord): void;
  toolCall(record: ToolCallRecord): void;
}

/** What the model client and tools know of the session they run in. */
export interface RunInfo {
  /** The session id: `gen_ai.conversation.id` on their spans. */
  readonly conversationId: string;
  /** Where they report for metrics; undefined when the server keeps none. */
  readonly observer: RunObserver | undefined;
}

/**
 * Each run's info, keyed by the run's IOStream: the model client and tools find it through the stream they already
 * use, with no async context of its own. Kept on `globalThis` under a registered symbol, as the IOStream registry
 * is, so that an onConnect module importing its own copy of agentws reports to the server's metrics.
 */
const REGISTRY_KEY = Symbol.for('agentws.run-info.v1');
const runs: WeakMap<IOStream, RunInfo> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??= new WeakMap<
  IOStream,
  RunInfo
>()) as WeakMap<IOStream, RunInfo>;

/** Ties `info` to the run writing to `stream` (until the stream is garbage). */
export function observeRun(stream: IOStream, info: RunInfo): void {
  runs.set(stream, info);
}

/** The info of the run writing to `stream`; undefined outside a server's session (a script, a test). */
export function runInfoOf(stream: IOStream): RunInfo | undefined {
  return runs.get(stream);
}
