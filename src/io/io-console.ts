import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { AgentEvent } from '../protocol/events.js';
import { renderText } from '../protocol/text-renderer.js';
import type { InputOptions, IOStream } from './iostream.js';
import { splitPrintArgs } from './print-args.js';

/** Options of {@link IOConsole}. */
export interface IOConsoleOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** AutoGen's colours. Default: on when the output is a TTY and `NO_COLOR` is unset. */
  color?: boolean;
}

/** The console stream (AutoGen's IOConsole): events printed as AutoGen text, input read from the terminal. */
export class IOConsole implements IOStream {
  /** A local script may run code, as in AutoGen. */
  readonly allowsCodeExecution = true;
  readonly #input: NodeJS.ReadableStream;
  readonly #output: NodeJS.WritableStream;
  readonly #color: boolean;

  constructor(options: IOConsoleOptions = {}) {
    this.#input = options.input ?? process.stdin;
    const output = options.output ?? process.stdout;
    this.#output = output;
    this.#color = options.color ?? (output.isTTY === true && !process.env.NO_COLOR);
  }

  print(...objects: unknown[]): void {
    const { objects: parts, sep, end } = splitPrintArgs(objects);
    this.#output.write(parts.join(sep) + end);
  }

  send(event: AgentEvent): void {
    if (event.type === 'stream') {
      this.#output.write(event.content.content);
      return;
    }
    if (event.type === 'input_request') return;
    for (const frame of renderText(event, { color: this.#color })) this.#output.write(frame);
  }

  /** Reads one line; with `password` the typed characters are not echoed (prompt defaults to "Password: "). */
  async input(prompt = '', options: InputOptions = {}): Promise<string> {
    const shown = options.password && prompt === '' ? 'Password: ' : prompt;
    let muted = false;
    const echo = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (!muted) this.#output.write(chunk);
        done();
      },
    });
    const rl = createInterface({
      input: this.#input,
      output: echo,
      terminal: (this.#output as { isTTY?: boolean }).isTTY,
    });
    try {
      const answer = rl.question(shown, options.signal ? { signal: options.signal } : {});
      muted = options.password === true;
      const value = await answer;
      if (muted) this.#output.write('\n');
      return value;
    } finally {
      rl.close();
    }
  }
}
