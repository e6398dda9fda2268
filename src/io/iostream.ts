import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunJournal } from './run-journal.js';
import type { LlmCache } from '../llm/cache/llm-cache.js';
import type { AgentEvent } from '../protocol/events.js';
import { IOConsole } from './io-console.js';
export type { PrintOptions } from './print-args.js';

/** Options of {@link IOStream.input}. */
export interface InputOptions {
  /** Ask for a secret: terminals hide it, JSON clients are told to mask it. */
  password?: boolean;
  /** Stop waiting when this aborts. */
  signal?: AbortSignal;
}

/**
 * Where agents print and ask. One per connection on a server, the console otherwise.
 *
 * `print` and `send` never block; `input` resolves with the human's answer.
 */
export interface IOStream {
  print(...objects: unknown[]): void;
  input(prompt?: string, options?: InputOptions): Promise<string>;
  send(event: AgentEvent): void;
  /** Aborts when this stream's run must stop (cancel, disconnect, shutdown). Agents pass it to the model and tools. */
  readonly signal?: AbortSignal;
  /**
   * Whether agents may run code for this stream's run (`codeExecutionConfig`). True for the console (a local script
   * may run code, as in AutoGen); on a server only when its operator allowed it (`allowCodeExecution`, `agentws serve
   * --allow-code-execution`). Absent means no, so a stream of your own must say `true` to allow it.
   */
  readonly allowsCodeExecution?: boolean;
  /**
   * Set for a durable run (a shared session store): model calls and tool runs go through it, so that another process
   * can take the run over by replaying them (docs/scaling.md).
   */
  readonly journal?: RunJournal;
  /**
   * The cache for `llmConfig.cacheSeed` when the run's server keeps one for all its instances (a Redis store): used
   * instead of the disk. Absent otherwise.
   */
  llmCache?(seed: string): LlmCache;
}

/**
 * What the async context holds: the stream, strongly while the run is going, then only weakly. Timers and pooled
 * connections created during a run capture its context and may outlive it by minutes; a strong reference there would
 * keep a finished session (socket, buffers, agents) in memory.
 */
interface ContextBox {
  stream: IOStream | undefined;
  weak: WeakRef<IOStream> | undefined;
}

interface Registry {
  context: AsyncLocalStorage<ContextBox>;
  globalDefault: IOStream | undefined;
}

/**
 * Kept on `globalThis` under a registered symbol so that two copies of agentws in one process (say the CLI's and the
 * one a user's onConnect module imports) share the same per-session streams instead of printing to the console.
 */
const REGISTRY_KEY = Symbol.for('agentws.iostream.registry.v1');
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as Registry | undefined) ?? {
  context: new AsyncLocalStorage<ContextBox>(),
  globalDefault: undefined,
};
(globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = registry;
const context = registry.context;

/**
 * The default-stream registry: a process-wide default plus a per-async-context one (AutoGen's ContextVar), so
 * everything an `onConnect` does, however deep and however many awaits later, reaches that connection's stream only.
 */
export const IOStream = {
  /** The stream of the current async context, else the global default, else the console. */
  getDefault(): IOStream {
    const box = context.getStore();
    return box?.stream ?? box?.weak?.deref() ?? IOStream.getGlobalDefault();
  },

  /** The process-wide default (the console unless changed). */
  getGlobalDefault(): IOStream {
    registry.globalDefault ??= new IOConsole();
    return registry.globalDefault;
  },

  /** Replaces the process-wide default. */
  setGlobalDefault(stream: IOStream): void {
    registry.globalDefault = stream;
  },

  /**
   * Runs `fn` with `stream` as the default for everything it does, sync or async. Nested calls restore the outer stream.
   * @example await IOStream.withDefault(iostream, () => userProxy.initiateChat(agent, { message }));
   */
  withDefault<T>(stream: IOStream, fn: () => T): T {
    const box: ContextBox = { stream, weak: undefined };
    const result = context.run(box, fn);
    if (isPromiseLike(result)) {
      const release = (): void => {
        box.weak = new WeakRef(stream);
        box.stream = undefined;
      };
      result.then(release, release);
    }
    return result;
  },
};

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
