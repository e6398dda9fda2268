import type { CliIO, CliOutput } from './cli-io.js';
import { useColor } from './cli-io.js';
import type { Outcome } from './connect-outcome.js';
import type { Answers } from './connect-run.js';
import { ConnectRun } from './connect-run.js';
import { normalizeUrl, resolveTarget } from './connect-target.js';
import { ExitCode, ExitError } from './exit-codes.js';
import { LineReader } from './line-reader.js';
import { openSocket } from './open-socket.js';
import { SessionLink } from './session-link.js';
import { askTty } from './tty-prompt.js';

/** Options of {@link connect} (the flags of `agentws connect`). */
export interface ConnectOptions {
  /** Server address. [ws://127.0.0.1:8765] */
  url: string;
  /** The first message; else the first line of a non-TTY stdin, else a prompt. */
  message?: string;
  /** Seconds without a frame from the server before giving up; 0 waits forever. [120] */
  timeout: number;
  /** Print every frame as one JSON line instead of the transcript. */
  json: boolean;
  /** False with --no-color. */
  color: boolean;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Resume the session when the connection drops (JSON mode); false with --no-reconnect. [true] */
  reconnect: boolean;
  /** Prompt for answers and follow-up messages as at a terminal, even when standard input is not one. [false] */
  interactive: boolean;
}

/**
 * `agentws connect`: sends the message, streams the conversation to stdout, answers input requests (the next message
 * after each chat among them), resumes the session when the connection drops, and resolves with the exit code (0
 * when the run completed; otherwise rejects with an {@link ExitError} carrying code and message).
 */
export async function connect(options: ConnectOptions, io: CliIO): Promise<number> {
  const target = resolveTarget(options.url, options.message);
  const url = normalizeUrl(target.url);
  const timeoutMs = options.timeout > 0 ? Math.round(options.timeout * 1000) : null;
  const out = io.stdout;
  /** Prompts go where the person looks; with --json stdout is for the frames only. */
  const promptOut: CliOutput = options.json ? io.stderr : io.stdout;
  const color = !options.json && useColor(out, io.env, options.color);
  let interrupt: () => void = () => {};
  const lines = io.stdin.isTTY ? undefined : new LineReader(io.stdin);
  const answers: Answers = {
    lines,
    interactive: options.interactive || io.stdin.isTTY === true,
    ask: (prompt, password) =>
      askTty(prompt, { input: io.stdin, output: promptOut, password, onInterrupt: () => interrupt() }),
  };
  try {
    let message = target.message;
    if (message === undefined) {
      if (!lines) {
        message = await answers.ask('Message: ', false);
        if (message === undefined) return ExitCode.INTERRUPTED;
      } else {
        if (answers.interactive) promptOut.write('Message: ');
        message = await lines.next();
      }
    }
    if (message === undefined) {
      throw new ExitError(
        ExitCode.USAGE,
        'No message to send: give it as an argument (agentws connect URL "message") or on standard input.',
      );
    }
    const text = message;
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      openSocket(url, { token: options.token, timeoutMs }, (ws, mode) => {
        const link = new SessionLink(ws, mode, {
          url,
          token: options.token,
          timeoutMs,
          reconnect: options.reconnect,
          status: (line) => run.status(line),
        });
        const run: ConnectRun = new ConnectRun({
          link,
          message: text,
          json: options.json,
          io,
          color,
          promptOut,
          timeoutMs,
          answers,
          resolve,
        });
        interrupt = () => run.interrupt();
        run.start();
      }).catch(reject);
    });
    if (outcome.code !== ExitCode.OK && outcome.code !== ExitCode.INTERRUPTED) {
      throw new ExitError(outcome.code, outcome.message ?? 'The run did not complete.');
    }
    return outcome.code;
  } finally {
    lines?.close();
  }
}
