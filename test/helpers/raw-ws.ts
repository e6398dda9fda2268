import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import type { Socket } from 'node:net';

/** The server's answer to an upgrade request: 101 with the socket, or a refusal with its body. */
export interface UpgradeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Only for 101: the raw TCP socket, the websocket handshake done. Nothing reads it unless you do. */
  socket?: Socket;
}

/**
 * Sends a websocket upgrade request by hand (so any header can be set, or left out) and resolves with the answer.
 * `url` may be `ws://` or `http://`.
 */
export function upgrade(url: string, headers: Record<string, string> = {}): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '', socket });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a websocket by hand and returns its raw socket (rejects unless the server answers 101). */
export async function rawSocket(url: string, headers: Record<string, string> = {}): Promise<Socket> {
  const answer = await upgrade(url, headers);
  if (answer.status !== 101 || !answer.socket) throw new Error(`HTTP ${answer.status}: ${answer.body}`);
  return answer.socket;
}

/** Websocket opcodes. */
export const Opcode = { TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** One client frame, masked as RFC 6455 requires (`mask: false` makes a frame the server must refuse). */
export function clientFrame(opcode: number, payload: Buffer | string, { mask = true, fin = true } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = data.length;
  const header: number[] = [(fin ? 0x80 : 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) header.push(maskBit | length);
  else if (length < 65536) header.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    header.push(maskBit | 127, 0, 0, 0, 0);
    header.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(header), data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = data[i]! ^ key[i % 4]!;
  return Buffer.concat([Buffer.from(header), key, masked]);
}

/** One frame the server sent (server frames are not masked). */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * Reads the server's frames from a raw socket: `frames` fills as data arrives, `closed` resolves when the TCP
 * connection ends (by a close, a reset or a destroy).
 */
export class FrameReader {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #ended = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
      this.#wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#ended = true;
        this.#wake();
        resolve();
      }),
    );
  }

  /** The text frames, decoded. */
  get texts(): string[] {
    return this.frames.filter((f) => f.opcode === Opcode.TEXT).map((f) => f.payload.toString('utf8'));
  }

  /** The close frame's code, if one came. */
  get closeCode(): number | undefined {
    const frame = this.frames.find((f) => f.opcode === Opcode.CLOSE);
    return frame && frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
  }

  /** Resolves once `predicate` holds; rejects if the connection ends first. */
  async waitFor(predicate: () => boolean, what: string): Promise<void> {
    while (!predicate()) {
      if (this.#ended) throw new Error(`connection ended before ${what}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #parse(): void {
    for (;;) {
      const buf = this.#buffer;
      if (buf.length < 2) return;
      let length = buf[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) return;
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) return;
        length = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (buf.length < offset + length) return;
      this.frames.push({ opcode: buf[0]! & 0x0f, payload: buf.subarray(offset, offset + length) });
      this.#buffer = buf.subarray(offset + length);
    }
  }
}
