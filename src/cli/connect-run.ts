import { createInterface } from 'node:readline';
import type { RawData, WebSocket } from 'ws';
import type { AgentEvent, InputRequestEvent, WireFrame } from '../protocol/events.js';
import { isTerminalEvent } from '../protocol/events.js';
import { renderText } from '../protocol/text-renderer.js';
import type { CliIO, CliOutput } from './cli-io.js';
import { onSignals } from './cli-io.js';
import type { ExitCodeValue } from './exit-codes.js';
import { ExitCode } from './exit-codes.js';
import type { LineReader } from './line-reader.js';

/** How long a text-mode run may go on after TERMINATE before the client ends it, as the seed's client does. */
const TERMINATE_SETTLE_MS = 1000;

const CLOSE_NAMES: Record<number, string> = {
  1001: 'going away',
  1006: 'connection lost without a close frame',
  1007: 'invalid data',
  1008: 'policy violation',
  1009: 'message too big',
  1011: 'internal server error',
  1013: 'try again later',
};

/** How a run ended: the exit code and, when not 0, why. */
export interface Outcome {
  code: ExitCodeValue;
  message?: string;
}

function outcomeOfTerminal(event: AgentEvent): Outcome {
  if (event.type === 'termination') {
    return {
      code: ExitCode.STOPPED,
      message: `The run was stopped (${event.content.reason}): ${event.content.termination_reason}`,
    };
  }
  if (event.type === 'error') {
    return { code: ExitCode.SERVER_ERROR, message: `The server reported an error: ${event.content.error}` };
  }
  return { code: ExitCode.OK };
}

function outcomeOfClose(code: number, reason: string, lastError: string | undefined): Outcome {
  if (code === 1000 || code === 1005) return { code: ExitCode.OK };
  const why = `${code} ${CLOSE_NAMES[code] ?? 'unexpected close code'}${reason ? `: ${reason}` : ''}`;
  if (code === 1001) return { code: ExitCode.STOPPED, message: `The server closed the connection (${why}).` };
  const detail = lastError ? ` (${lastError})` : '';
  return { code: ExitCode.SERVER_ERROR, message: `The server closed the connection abnormally (${why})${detail}.` };
}

/** Where prompts and answers come from: piped lines, or a person at the terminal. */
export interface Answers {
  lines: LineReader | undefined;
  ask(prompt: string, password: boolean): Promise<string | undefined>;
}

/** What a {@link ConnectRun} needs: the open socket, the message, where to print and where answers come from. */
export interface RunInit {
  ws: WebSocket;
  mode: 'json' | 'text';
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

/** One connection's life: frames in, answers out, timers, Ctrl-C, and the single outcome. */
export class ConnectRun {
  readonly #init: RunInit;
  readonly #ws: WebSocket;
  #terminal: Outcome | undefined;
  #done = false;
  #messageUsed = false;
  #asking = false;
  #interrupts = 0;
  #lastError: string | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #answering: Promise<void> = Promise.resolve();
  #stopSignals: () => void = () => {};
  #stopTyping: (() => void) | undefined;

  constructor(init: RunInit) {
    this.#init = init;
    this.#ws = init.ws;
  }

  start(): void {
    const ws = this.#ws;
    ws.on('message', (data) => this.#onFrame(data));
    ws.on('error', (error) => {
      this.#lastError = error.message;
    });
    ws.on('close', (code, reason) =>
      this.#finish(this.#terminal ?? outcomeOfClose(code, reason.toString(), this.#lastError)),
    );
    this.#stopSignals = onSignals(this.#init.io, ['SIGINT'], () => this.interrupt());
    this.#armIdle();
    if (this.#init.mode === 'text') {
      ws.send(this.#init.message);
      this.#forwardTyping();
    }
  }

  /** Ctrl-C: in JSON mode the first one cancels the run (the server ends it); otherwise stop at once. */
  interrupt(): void {
    this.#interrupts += 1;
    if (this.#init.mode === 'json' && this.#interrupts === 1 && this.#ws.readyState === 1) {
      this.#init.io.stderr.write('\nagentws: cancelling the run (press Ctrl-C again to quit at once)\n');
      this.#ws.send('{"type":"cancel"}');
      return;
    }
    this.#finish({ code: ExitCode.INTERRUPTED }, true);
  }

  #onFrame(data: RawData): void {
    if (this.#done) return;
    this.#armIdle();
    const text = data.toString();
    if (this.#init.mode === 'text') {
      this.#onTextFrame(text);
      return;
    }
    if (this.#init.json) this.#init.io.stdout.write(text + '\n');
    let frame: WireFrame;
    try {
      frame = JSON.parse(text) as WireFrame;
    } catch {
      if (!this.#init.json) this.#init.io.stdout.write(text);
      return;
    }
    const event = { type: frame.type, content: frame.content } as AgentEvent;
    if (event.type === 'input_request') {
      this.#enqueueAnswer(event);
      return;
    }
    if (!this.#init.json) {
      for (const part of renderText(event, { color: this.#init.color })) this.#init.io.stdout.write(part);
    }
    if (isTerminalEvent(event)) this.#terminal = outcomeOfTerminal(event);
  }

  #onTextFrame(text: string): void {
    const { io, json } = this.#init;
    io.stdout.write(json ? JSON.stringify({ type: 'text_frame', content: text }) + '\n' : text);
    if (this.#settleTimer || text.includes('TERMINATE')) {
      clearTimeout(this.#settleTimer);
      this.#settleTimer = setTimeout(() => this.#finish({ code: ExitCode.OK }, true), TERMINATE_SETTLE_MS);
    }
  }

  /** Answers run one at a time, in the order the server asked. */
  #enqueueAnswer(event: InputRequestEvent): void {
    this.#answering = this.#answering.then(() => this.#answer(event.content)).catch(() => {});
  }

  async #answer(request: InputRequestEvent['content']): Promise<void> {
    const { answers, json, promptOut } = this.#init;
    let value: string | undefined;
    if (!this.#messageUsed) {
      this.#messageUsed = true;
      value = this.#init.message;
    } else if (answers.lines) {
      if (!json && request.prompt !== '') promptOut.write(request.prompt);
      value = (await answers.lines.next()) ?? '';
      if (!json) promptOut.write((request.password ? '' : value) + '\n');
    } else {
      this.#asking = true;
      clearTimeout(this.#idleTimer);
      try {
        value = await answers.ask(request.prompt, request.password);
      } finally {
        this.#asking = false;
        this.#armIdle();
      }
    }
    if (value === undefined || this.#done || this.#ws.readyState !== 1) return;
    this.#ws.send(JSON.stringify({ type: 'input_response', id: request.id, value }));
  }

  /** Text mode cannot tell prompts from output: every line typed or piped after the message is sent as a frame. */
  #forwardTyping(): void {
    const { answers, io } = this.#init;
    if (answers.lines) {
      const lines = answers.lines;
      const pump = async (): Promise<void> => {
        for (let line = await lines.next(); line !== undefined && !this.#done; line = await lines.next()) {
          if (this.#ws.readyState === 1) this.#ws.send(line);
        }
      };
      void pump();
      return;
    }
    const rl = createInterface({ input: io.stdin, terminal: false });
    rl.on('line', (line) => {
      if (this.#ws.readyState === 1) this.#ws.send(line);
    });
    this.#stopTyping = () => rl.close();
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    const { timeoutMs } = this.#init;
    if (timeoutMs === null || this.#asking || this.#done) return;
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
    if (closeSocket) {
      if (outcome.code === ExitCode.OK) this.#ws.close(1000);
      else this.#ws.terminate();
    }
    this.#init.resolve(outcome);
  }
}
