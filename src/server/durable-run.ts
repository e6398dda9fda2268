import { ReplayDivergedError } from '../errors.js';
import type { JournalEntry, JournalKind, RunJournal } from '../io/run-journal.js';
import type { AgentEvent } from '../protocol/events.js';

/** What a durable run needs of its IOStream's seqs. */
export interface SeqControl {
  /** The seq of the last event sent. */
  readonly sent: number;
  /** Makes `seq` the last event sent (the events of a replayed step are in the log already). */
  jumpTo(seq: number): void;
  send(event: AgentEvent): void;
}

/** @internal What a durable run starts from: nothing for a new run; the log and journal for a run taken over. */
export interface DurableRunInit {
  /** The run's stored frames, by seq (index 0 is seq 1; undefined where the log was trimmed). */
  frames: readonly (string | undefined)[];
  journal: readonly JournalEntry[];
  /** Appends an entry to the run's journal in the store, after the frames sent so far. */
  record(entry: JournalEntry): void;
}

/** A human's answer as the journal keeps it: whether an input request went out for it (a typed-ahead answer: no). */
interface RecordedInput {
  value: string;
  asked: boolean;
}

/**
 * The journal of a durable run, and the replay of one taken over (see {@link RunJournal}). While replaying, every
 * event the run sends again is compared with the stored one of the same seq and not sent (the client has it); each
 * step takes its recorded result and skips the events it sent (its streamed tokens). At the first step not recorded
 * the run goes live: if the log holds events past that point (the step that was in flight), a `step_retried` event
 * tells the client to discard them, and the step runs again.
 */
export class DurableRun implements RunJournal {
  readonly #frames: readonly (string | undefined)[];
  readonly #journal: readonly JournalEntry[];
  readonly #record: (entry: JournalEntry) => void;
  #io: SeqControl | undefined;
  /** The last stored seq while replaying; 0 once live. */
  #through: number;
  #next = 0;

  constructor(init: DurableRunInit) {
    this.#frames = init.frames;
    this.#journal = init.journal;
    this.#record = init.record;
    this.#through = init.frames.length;
  }

  /** True while the run replays what it did before. */
  get replaying(): boolean {
    return this.#through > 0;
  }

  /** @internal Set by the IOStream it journals. */
  bind(io: SeqControl): void {
    this.#io = io;
  }

  /**
   * @internal For each frame the IOStream sends: true when it is a replayed one (stored already: not sent again).
   * Throws {@link ReplayDivergedError} when it differs from the stored one.
   */
  replayed(frame: string, seq: number): boolean {
    if (seq > this.#through) return false;
    const stored = this.#frames[seq - 1];
    // A frame trimmed from the log cannot be compared: taken as it was.
    if (stored === undefined || stored === frame) return true;
    this.#diverged(`its event ${seq} is not the one it sent before`);
  }

  async step<T>(kind: Exclude<JournalKind, 'input'>, live: () => Promise<T>): Promise<T> {
    const entry = this.#take(kind);
    if (entry) return entry.result as T;
    this.#goLive();
    const result = await live();
    this.#record({ kind, result, seq: this.#seq() });
    return result;
  }

  /**
   * @internal A human's answer: replayed (re-sending the input request first when one went out), or asked live and
   * recorded.
   */
  async input(ask: () => void, live: () => Promise<string>, typedAhead: () => string | undefined): Promise<string> {
    const entry = this.#take('input');
    if (entry) {
      const recorded = entry.result as RecordedInput;
      if (recorded.asked) ask();
      this.#checkSeq(entry);
      return recorded.value;
    }
    const early = typedAhead();
    // The request is the same as before: sent (or matched with the stored one) before going live, so that a request
    // the client has already keeps its id and an answer sent to the previous process still fits.
    if (early === undefined) ask();
    this.#goLive();
    const value = early ?? (await live());
    this.#record({
      kind: 'input',
      result: { value, asked: early === undefined } satisfies RecordedInput,
      seq: this.#seq(),
    });
    return value;
  }

  /** The next journal entry, checked to be of `kind`, with the seq jumped to its end; undefined once live. */
  #take(kind: JournalKind): JournalEntry | undefined {
    if (!this.replaying) return undefined;
    const entry = this.#journal[this.#next];
    if (entry === undefined) return undefined;
    if (entry.kind !== kind) {
      this.#diverged(`its step ${this.#next + 1} was a ${entry.kind} step, and is now a ${kind} step`);
    }
    this.#next += 1;
    if (kind !== 'input') this.#checkSeq(entry);
    return entry;
  }

  /** The step's events are in the log already: the run goes on after them. */
  #checkSeq(entry: JournalEntry): void {
    const io = this.#io!;
    if (io.sent > entry.seq) this.#diverged(`it sent more events before its step ${this.#next} than before`);
    io.jumpTo(entry.seq);
  }

  /** Replay is over: events of the step in flight, if the log has any, are to be discarded. */
  #goLive(): void {
    if (!this.replaying) return;
    const io = this.#io!;
    const through = this.#through;
    this.#through = 0;
    if (through > io.sent) {
      const after = io.sent;
      io.jumpTo(through);
      io.send({ type: 'step_retried', content: { discard_after: after, discard_through: through } });
    }
  }

  #seq(): number {
    return this.#io!.sent;
  }

  #diverged(why: string): never {
    const through = this.#through;
    this.#through = 0;
    // Its next event (the error) goes after everything stored: seqs are never reused.
    if (this.#io && through > this.#io.sent) this.#io.jumpTo(through);
    throw new ReplayDivergedError(
      `The run taken over from another process did not do what it did before: ${why}. A durable run's onConnect ` +
        'must do the same given the same model replies, answers and tool results (see docs/scaling.md).',
    );
  }
}
