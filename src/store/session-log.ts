/**
 * One session's frames by seq, bounded in size: past the bound the oldest frames are dropped (a resume that needs
 * them is told `evicted`). The newest frame is always kept, however large. Sizes are string lengths (UTF-16 code
 * units): what a string costs in memory, counted for free on the hot path (one append per streamed token), where a
 * UTF-8 byte count would walk every frame; for JSON frames, which are mostly ASCII, the two are about the same.
 */
export class SessionLog {
  readonly #maxBytes: number;
  #frames: string[] = [];
  #sizes: number[] = [];
  /** Index of the oldest frame still kept. */
  #head = 0;
  /** Seq of `#frames[0]`. */
  #baseSeq = 1;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Size of the frames kept, in characters. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Seq of the newest frame; 0 when none was appended. */
  get lastSeq(): number {
    return this.#baseSeq + this.#frames.length - 1;
  }

  /** Seq of the oldest frame kept. */
  get firstSeq(): number {
    return this.#baseSeq + this.#head;
  }

  /** Appends the frame with the next seq (`seq` must be `lastSeq + 1`: the log has no gaps). */
  append(seq: number, frame: string): void {
    if (seq !== this.lastSeq + 1) throw new RangeError(`seq ${seq} after ${this.lastSeq}: the log has no gaps`);
    const size = frame.length;
    this.#frames.push(frame);
    this.#sizes.push(size);
    this.#bytes += size;
    while (this.#bytes > this.#maxBytes && this.#head < this.#frames.length - 1) {
      this.#bytes -= this.#sizes[this.#head]!;
      this.#frames[this.#head] = '';
      this.#head += 1;
    }
    if (this.#head >= 1024 && this.#head * 2 >= this.#frames.length) this.#compact();
  }

  /** The frames with seq above `after`, or undefined when some of them were dropped. */
  after(after: number): string[] | undefined {
    const from = Math.max(after + 1, 1);
    if (from < this.firstSeq && this.lastSeq >= from) return undefined;
    return this.#frames.slice(Math.max(from - this.#baseSeq, this.#head));
  }

  #compact(): void {
    this.#frames = this.#frames.slice(this.#head);
    this.#sizes = this.#sizes.slice(this.#head);
    this.#baseSeq += this.#head;
    this.#head = 0;
  }
}
