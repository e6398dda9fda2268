import { createInterface } from 'node:readline';
import type { InputRequestEvent, ServerFrame } from '../protocol/events.js';
import { isTerminalEvent } from '../protocol/events.js';
import { encodeClientFrame } from '../protocol/json-codec.js';
import { renderText } from '../protocol/text-renderer.js';
import type { CliIO, CliOutput } from './cli-io.js';
import { onSignals } from './cli-io.js';
import type { Outcome } from './connect-outcome.js';
import { outcomeOfClose, outcomeOfTerminal } from './connect-outcome.js';
import { ExitCode } from './exit-codes.js';
import type { LineReader } from './line-reader.js';
import type { LinkEnd, SessionLink } from './session-link.js';

/** How long a text-mode run may go on after TERMINATE before the client ends it, as the seed's client does. */
const TERMINATE_SETTLE_MS = 1000;

/** Shown to a person when the server asks for the next message after a chat without a prompt of its own. */
export const FOLLOW_UP_PROMPT = 'Next message (empty line to end): ';

/** Where prompts and answers come from: piped lines, or a person. */
export interface Answers {
  /** Standard input when it is not a terminal: one line per answer. */
  lines: LineReader | undefined;
  /**
   * A person answers (standard input is a terminal, or --interactive): prompts are shown, answers are not echoed, and
   * a request for the next message after a chat gets {@link FOLLOW_UP_PROMPT} when the server sent no prompt.
   */
  interactive: boolean;
  /** Asks the person at the terminal (used when `lines` is undefined). */
  ask(prompt: string, password: boolean): Promise<string | undefined>;
}

/** What a {@link ConnectRun} needs: the link to the server, the message, where to print and where answers come from. */
export interface RunInit {
  link: SessionLink;
  message: string;
  /** --json: print frames as JSON lines instead of the transcript. */
  json: boolean;
  io: CliIO;
  color: boolean;
  promptOut: CliOutput;
  timeoutMs: number | null;
  answers: Answers;
  resolve: (outcome: Outcome) => void;
}

/** The session frame as printed: everything but the resume token, a secret that never reaches the output. */
function printable(text: string, frame: ServerFrame | undefined): string {
  if (frame?.type !== 'session' || !('resume_token' in frame.content)) return text;
  const { resume_token: _secret, ...content } = frame.content;
  return JSON.stringify({ ...frame, content });
}

/** One run from the first frame to the outcome, across the connections its link makes: answers, timers, Ctrl-C. */
export class ConnectRun {
  readonly #init: RunInit;
  readonly #link: SessionLink;
  #terminal: Outcome | undefined;
  #done = false;
  #messageUsed = false;
  /** A chat ended: the next input request asks for the next message (a follow-up). */
  #chatEnded = false;
  #asking = false;
  /** The link is resuming: no frames come, so the idle timer waits. */
  #away = false;
  #interrupts = 0;
  /** The last character written to stdout was a newline (or nothing was written): status lines need no break. */
  #atLineStart = true;
  #idleTimer: NodeJS.Timeout | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #answering: Promise<void> = Promise.resolve();
  #stopSignals: () => void = () => {};
  #stopTyping: (() => void) | undefined;

  constructor(init: RunInit) {
    this.#init = init;
    this.#link = init.link;
  }

  /** Starts listening. Call it in the socket's 'open' event (frames may come with the handshake). */
  start(): void {
    this.#link.start({
      frame: (text, frame) => this.#onFrame(text, frame),
      lost: () => {
        this.#away = true;
        clearTimeout(this.#idleTimer);
      },
      resumed: () => {
        this.#away = false;
        this.#armIdle();
      },
      ended: (end) => this.#onEnded(end),
    });
    this.#stopSignals = onSignals(this.#init.io, ['SIGINT'], () => this.interrupt());
    this.#armIdle();
    if (this.#link.mode === 'text') {
      this.#link.send(this.#init.message);
      this.#forwardTyping();
    }
  }

  /**
   * Ctrl-C: in JSON mode the first one cancels the run (the server ends it; sent after the resume when the link is
   * resuming); otherwise stop at once.
   */
  interrupt(): void {
    this.#interrupts += 1;
    const link = this.#link;
    if (link.mode === 'json' && this.#interrupts === 1 && (link.open || link.resuming)) {
      this.#init.io.stderr.write('\nagentws: cancelling the run (press Ctrl-C again to quit at once)\n');
      link.send(encodeClientFrame({ type: 'cancel' }));
      return;
    }
    this.#finish({ code: ExitCode.INTERRUPTED }, true);
  }

  /**
   * One status line on stderr. When stdout and stderr share a terminal and the conversation is mid-line (a reply
   * streaming), the line starts on a new line rather than inside the reply.
   */
  status(line: string): void {
    const { stdout, stderr } = this.#init.io;
    const breakLine = !this.#atLineStart && stdout.isTTY === true && stderr.isTTY === true;
    stderr.write(`${breakLine ? '\n' : ''}agentws: ${line}\n`);
    if (breakLine) this.#atLineStart = true;
  }

  #print(text: string): void {
    if (text === '') return;
    this.#init.io.stdout.write(text);
    this.#atLineStart = text.endsWith('\n');
  }

  #prompt(text: string): void {
    if (this.#init.promptOut === this.#init.io.stdout) this.#print(text);
    else this.#init.promptOut.write(text);
  }

  #onEnded(end: LinkEnd): void {
    if (end.kind === 'failed') this.#finish(this.#terminal ?? end.outcome);
    else this.#finish(this.#terminal ?? outcomeOfClose(end.code, end.reason, end.lastError));
  }

  #onFrame(text: string, frame: ServerFrame | undefined): void {
    if (this.#done) return;
    this.#armIdle();
    const { json } = this.#init;
    if (this.#link.mode === 'text') {
      this.#onTextFrame(text);
      return;
    }
    if (json) this.#print(printable(text, frame) + '\n');
    if (!frame) {
      if (!json) this.#print(text);
      return;
    }
    if (frame.type === 'input_request') {
      const followUp = this.#chatEnded;
      this.#chatEnded = false;
      this.#enqueueAnswer(frame, followUp);
      return;
    }
    if (frame.type === 'chat_end') this.#chatEnded = true;
    if (!json) {
      for (const part of renderText(frame, { color: this.#init.color })) this.#print(part);
    }
    if (isTerminalEvent(frame)) this.#terminal = outcomeOfTerminal(frame);
  }

  #onTextFrame(text: string): void {
    this.#print(this.#init.json ? JSON.stringify({ type: 'text_frame', content: text }) + '\n' : text);
    if (this.#settleTimer || text.includes('TERMINATE')) {
      clearTimeout(this.#settleTimer);
      this.#settleTimer = setTimeout(() => this.#finish({ code: ExitCode.OK }, true), TERMINATE_SETTLE_MS);
    }
  }

  /** Answers run one at a time, in the order the server asked. */
  #enqueueAnswer(event: InputRequestEvent, followUp: boolean): void {
    this.#answering = this.#answering.then(() => this.#answer(event.content, followUp)).catch(() => {});
  }

  async #answer(request: InputRequestEvent['content'], followUp: boolean): Promise<void> {
    let value: string | undefined;
    if (!this.#messageUsed) {
      this.#messageUsed = true;
      value = this.#init.message;
    } else {
      value = await this.#read(request, followUp);
    }
    if (value === undefined || this.#done) return;
    // While the link is resuming, it sends the answer right after `resumed`: the request's id still answers it.
    this.#link.send(encodeClientFrame({ type: 'input_response', id: request.id, value }));
  }

  /** One answer from standard input or the person; undefined when there is none to send (Ctrl-C at the prompt). */
  async #read(request: InputRequestEvent['content'], followUp: boolean): Promise<string | undefined> {
    const { answers, json } = this.#init;
    const { lines } = answers;
    if (lines && !answers.interactive) {
      // A script: the transcript shows each prompt with its answer. The next message after a chat is not echoed:
      // like the first message, the run itself shows it.
      if (!json && request.prompt !== '') this.#prompt(request.prompt);
      const line = (await lines.next()) ?? '';
      if (!json && !(followUp && request.prompt === '')) this.#prompt((request.password ? '' : line) + '\n');
      return line;
    }
    const prompt = request.prompt === '' && followUp ? FOLLOW_UP_PROMPT : request.prompt;
    this.#asking = true;
    clearTimeout(this.#idleTimer);
    try {
      if (!lines) return await answers.ask(prompt, request.password);
      this.#prompt(prompt);
      return (await lines.next()) ?? '';
    } finally {
      this.#asking = false;
      this.#armIdle();
    }
  }

  /** Text mode cannot tell prompts from output: every line typed or piped after the message is sent as a frame. */
  #forwardTyping(): void {
    const { answers, io } = this.#init;
    if (answers.lines) {
      const lines = answers.lines;
      const pump = async (): Promise<void> => {
        for (let line = await lines.next(); line !== undefined && !this.#done; line = await lines.next()) {
          this.#link.send(line);
        }
      };
      void pump();
      return;
    }
    const rl = createInterface({ input: io.stdin, terminal: false });
    rl.on('line', (line) => this.#link.send(line));
    this.#stopTyping = () => rl.close();
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    const { timeoutMs } = this.#init;
    if (timeoutMs === null || this.#asking || this.#away || this.#done) return;
    this.#idleTimer = setTimeout(() => {
      const seconds = timeoutMs / 1000;
      this.#finish(
        { code: ExitCode.TIMED_OUT, message: `No message from the server for ${seconds} s (--timeout); gave up.` },
        true,
      );
    }, timeoutMs);
  }

  #finish(outcome: Outcome, closeSocket = false): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#settleTimer);
    this.#stopSignals();
    this.#stopTyping?.();
    if (closeSocket) this.#link.close(outcome.code === ExitCode.OK);
    this.#init.resolve(outcome);
  }
}
