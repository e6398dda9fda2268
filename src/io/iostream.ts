import { AsyncLocalStorage } from 'node:async_hooks';
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
}

const context = new AsyncLocalStorage<IOStream>();
let globalDefault: IOStream | undefined;

/**
 * The default-stream registry: a process-wide default plus a per-async-context one (AutoGen's ContextVar), so
 * everything an `onConnect` does, however deep and however many awaits later, reaches that connection's stream only.
 */
export const IOStream = {
  /** The stream of the current async context, else the global default, else the console. */
  getDefault(): IOStream {
    return context.getStore() ?? IOStream.getGlobalDefault();
  },

  /** The process-wide default (the console unless changed). */
  getGlobalDefault(): IOStream {
    globalDefault ??= new IOConsole();
    return globalDefault;
  },

  /** Replaces the process-wide default. */
  setGlobalDefault(stream: IOStream): void {
    globalDefault = stream;
  },

  /**
   * Runs `fn` with `stream` as the default for everything it does, sync or async. Nested calls restore the outer stream.
   * @example await IOStream.withDefault(iostream, () => userProxy.initiateChat(agent, { message }));
   */
  withDefault<T>(stream: IOStream, fn: () => T): T {
    return context.run(stream, fn);
  },
};
