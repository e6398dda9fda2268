import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import type { WireFrame } from '../../src/protocol/events.js';
import { decodeServerFrame } from '../../src/protocol/json-codec.js';

/** A real websocket client that records every frame and the close, for tests. */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: string[] = [];
  closeCode: number | undefined;
  closeReason = '';
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  #waiters: Array<() => void> = [];

  constructor(url: string, protocols?: string | string[], options?: ClientOptions) {
    this.ws = new WebSocket(url, protocols, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve(code);
        this.#wake();
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      this.frames.push(data.toString());
      this.#wake();
    });
  }

  static async open(url: string, protocols?: string | string[], options?: ClientOptions): Promise<TestClient> {
    const client = new TestClient(url, protocols, options);
    await client.opened;
    return client;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** JSON-mode frames parsed. */
  get events(): WireFrame[] {
    return this.frames.map((f) => decodeServerFrame(f));
  }

  send(data: string | object): void {
    this.ws.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** Resolves once `predicate` holds over the frames so far (or rejects when the socket closes first). */
  async waitFor(predicate: (frames: string[]) => boolean, what = 'a frame'): Promise<void> {
    while (!predicate(this.frames)) {
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) before ${what}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Waits for a JSON event of the given type and returns it. */
  async waitForEvent(type: string): Promise<WireFrame> {
    await this.waitFor((frames) => frames.some((f) => f.includes(`"type":"${type}"`)), `a ${type} event`);
    return this.events.find((e) => e.type === type)!;
  }
}
