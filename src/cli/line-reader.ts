import { createInterface, type Interface } from 'node:readline';

/**
 * Reads a non-interactive standard input line by line, on demand: `connect` takes its message from the first line
 * and answers each input request with the next one. Started lazily, so nothing is read until a line is needed.
 */
export class LineReader {
  readonly #input: NodeJS.ReadableStream;
  #rl: Interface | undefined;
  readonly #lines: string[] = [];
  #ended = false;
  #waiters: Array<(line: string | undefined) => void> = [];

  constructor(input: NodeJS.ReadableStream) {
    this.#input = input;
  }

  /** The next line without its line ending, or undefined once the input has ended (or cannot be read). */
  next(): Promise<string | undefined> {
    this.#start();
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops reading (lets the process exit although standard input is still open). */
  close(): void {
    this.#rl?.close();
    this.#end();
  }

  #start(): void {
    if (this.#rl || this.#ended) return;
    // A closed or invalid standard input (CI without one) counts as empty.
    this.#input.on('error', () => this.#end());
    this.#rl = createInterface({ input: this.#input, crlfDelay: Infinity, terminal: false });
    this.#rl.on('line', (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
    this.#rl.on('close', () => this.#end());
  }

  #end(): void {
    this.#ended = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter(undefined);
  }
}
