/**
 * Durable runs: what a run did that is not deterministic, recorded so that another process can take the run over and
 * replay it instead of redoing it. A model call and a tool run each make one entry, in the order they happened (a
 * human's answer is recorded by the IOStream itself). See docs/scaling.md for the rule an `onConnect` must follow.
 */

/** What a step was. */
export type JournalKind = 'model' | 'tool' | 'input';

/** One recorded step: its result, and the seq of the run's last event once it was done. */
export interface JournalEntry {
  kind: JournalKind;
  /** The step's result, as JSON. */
  result: unknown;
  seq: number;
}

/**
 * A durable run's journal, found on its IOStream (`IOStream.getDefault().journal`). Code that does something not
 * deterministic for a run (calls a model, runs a tool) goes through {@link RunJournal.step}.
 */
export interface RunJournal {
  /**
   * Replays the next recorded step (its result, with the events it sent skipped, as the client has them), or, once
   * nothing more is recorded, runs `live` and records its result. `live`'s result must survive JSON.
   */
  step<T>(kind: Exclude<JournalKind, 'input'>, live: () => Promise<T>): Promise<T>;
}
