import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliInput, CliOutput } from './cli-io.js';

/** Options of {@link askTty}. */
export interface AskOptions {
  input: CliInput;
  output: CliOutput;
  /** Hide what is typed (the server asked for a password). */
  password?: boolean;
  /** Ctrl-C while the prompt is open (the terminal sends it to readline, not to the process). */
  onInterrupt: () => void;
}

/**
 * Asks a person at a terminal for one line. Ctrl-D (end of input) answers '' (AutoGen's "no input"); Ctrl-C calls
 * `onInterrupt` and resolves undefined (no answer).
 */
export function askTty(question: string, options: AskOptions): Promise<string | undefined> {
  const { input, output } = options;
  const shown = options.password && question === '' ? 'Password: ' : question;
  let muted = false;
  const echo = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input, output: echo, terminal: true });
  return new Promise<string | undefined>((resolve) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      rl.close();
      fn();
    };
    rl.on('SIGINT', () =>
      settle(() => {
        output.write('\n');
        options.onInterrupt();
        resolve(undefined);
      }),
    );
    rl.on('close', () => settle(() => resolve('')));
    rl.question(shown, (answer) =>
      settle(() => {
        if (muted) output.write('\n');
        resolve(answer);
      }),
    );
    muted = options.password === true;
  });
}
