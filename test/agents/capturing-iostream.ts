import type { InputOptions, IOStream } from '../../src/io/iostream.js';
import { splitPrintArgs } from '../../src/io/print-args.js';
import type { AgentEvent, AgentEventType, EventOf } from '../../src/protocol/events.js';

/** An IOStream that records every event and answers `input()` from a script. */
export class CapturingIOStream implements IOStream {
  readonly events: AgentEvent[] = [];
  readonly prompts: string[] = [];
  readonly controller = new AbortController();
  readonly #answers: string[];
  /** Called with each prompt before it is answered (to abort mid-run, for instance). */
  onInput: ((prompt: string) => void) | undefined;

  constructor(answers: string[] = []) {
    this.#answers = [...answers];
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  print(...objects: unknown[]): void {
    this.send({ type: 'print', content: splitPrintArgs(objects) });
  }

  async input(prompt = '', _options?: InputOptions): Promise<string> {
    this.prompts.push(prompt);
    this.onInput?.(prompt);
    const answer = this.#answers.shift();
    if (answer === undefined) throw new Error(`unexpected input request: ${JSON.stringify(prompt)}`);
    return answer;
  }

  send(event: AgentEvent): void {
    this.events.push(event);
  }

  /** Event types in order, with runs of `stream` tokens collapsed into one `stream*`. */
  get types(): string[] {
    const out: string[] = [];
    for (const event of this.events) {
      const type = event.type === 'stream' ? 'stream*' : event.type;
      if (type !== 'stream*' || out.at(-1) !== 'stream*') out.push(type);
    }
    return out;
  }

  of<T extends AgentEventType>(type: T): EventOf<T>[] {
    return this.events.filter((e): e is EventOf<T> => e.type === type);
  }
}
