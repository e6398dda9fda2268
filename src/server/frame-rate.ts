/** Counts a client's frames per one-second window (websocket pings included): the `maxFramesPerSecond` rule. */
export class FrameRate {
  readonly #max: number;
  #count = 0;
  #windowStart = 0;

  constructor(maxPerSecond: number) {
    this.#max = maxPerSecond;
  }

  /** Counts one frame; true when this window now holds more than the maximum. */
  over(): boolean {
    const now = performance.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#count = 0;
    }
    this.#count += 1;
    return this.#count > this.#max;
  }
}
