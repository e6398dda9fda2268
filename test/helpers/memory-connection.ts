import type { Connection, ConnectionListener } from '../../src/server/connection.js';

/**
 * A {@link Connection} in memory: what a session sends is collected, what a client would send is handed in by the
 * test. It is a double of agentws's own seam, not of `ws`: sessions, their input queue and their log are tested
 * through it without sockets.
 */
export class MemoryConnection implements Connection {
  /** Complete messages sent (fragments joined). */
  readonly sent: string[] = [];
  closedWith: { code: number; reason?: string } | undefined;
  terminated = false;
  pings = 0;
  #listener: ConnectionListener | undefined;
  #fragments: Buffer[] = [];
  #closed = false;
  #clean = false;

  get open(): boolean {
    return !this.#closed && this.closedWith === undefined;
  }

  get bufferedAmount(): number {
    return 0;
  }

  send(data: string | Buffer, fin: boolean | undefined, onWritten: (error?: Error | null) => void): void {
    this.#fragments.push(Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'));
    if (fin !== false) {
      this.sent.push(Buffer.concat(this.#fragments).toString('utf8'));
      this.#fragments = [];
    }
    queueMicrotask(() => onWritten());
  }

  cork(): void {}
  uncork(): void {}

  ping(): void {
    this.pings += 1;
  }

  close(code: number, reason?: string): void {
    if (!this.open) return;
    this.closedWith = { code, reason };
    // As with a real socket, the close event comes once the handshake is done, not inside close().
    setImmediate(() => this.#end(true));
  }

  terminate(): void {
    this.terminated = true;
    this.#end(false);
  }

  listen(listener: ConnectionListener | undefined): void {
    this.#listener = listener;
    if (this.#closed) listener?.close(this.#clean);
  }

  /** The client sends a text message. */
  receive(text: string): void {
    this.#listener?.message(Buffer.from(text, 'utf8'), false);
  }

  /** The client goes away without a closing handshake. */
  drop(): void {
    this.#end(false);
  }

  /** JSON-mode frames sent so far, parsed. */
  get events(): Array<{ seq: number; type: string; content: Record<string, unknown> }> {
    return this.sent.map(
      (frame) => JSON.parse(frame) as { seq: number; type: string; content: Record<string, unknown> },
    );
  }

  #end(clean: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clean = clean;
    this.#listener?.close(clean);
  }
}
