import { once } from 'node:events';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentwsServer, ServerOptions } from '../../src/server/agentws-server.js';
import type { SessionOutcome } from '../../src/server/session.js';
import type { CapturedLogger } from '../helpers/capture-logger.js';
import { FrameReader, Opcode, rawSocket } from '../helpers/raw-ws.js';
import { startRecordedServer } from '../helpers/recorded-server.js';
import { TestClient } from '../helpers/ws-client.js';

const MiB = 1024 * 1024;

let server: AgentwsServer | undefined;
let logs: CapturedLogger;
let outcomes: SessionOutcome[];

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

async function start(options: Partial<ServerOptions> & Pick<ServerOptions, 'onConnect'>): Promise<AgentwsServer> {
  ({ server, logs, outcomes } = await startRecordedServer(options));
  return server;
}

/** The server's close frame with code 1000 and no reason. */
const CLOSE_1000 = Buffer.from([0x88, 0x02, 0x03, 0xe8]);

/** Reads a raw socket, at most `bytes` every `everyMs`, up to the server's close frame; resolves with what it read. */
async function readSlowly(socket: Socket, bytes: number, everyMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let last = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => reject(new Error('the connection ended before the close frame')));
    const timer = setInterval(() => {
      let got = 0;
      let chunk: Buffer | null;
      while (got < bytes && (chunk = socket.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        got += chunk.length;
        last = Buffer.concat([last, chunk]).subarray(-CLOSE_1000.length);
      }
      if (last.equals(CLOSE_1000)) {
        clearInterval(timer);
        resolve();
      }
    }, everyMs);
  });
  socket.destroy();
  return Buffer.concat(chunks);
}

/** The text messages in raw server bytes, fragments joined (a text frame, then continuation frames). */
async function messages(bytes: Buffer): Promise<string[]> {
  const stream = new PassThrough();
  const reader = new FrameReader(stream as unknown as Socket);
  stream.end(bytes);
  await reader.closed;
  const out: Buffer[][] = [];
  for (const frame of reader.frames) {
    if (frame.opcode === Opcode.TEXT) out.push([frame.payload]);
    else if (frame.opcode === 0) out.at(-1)!.push(frame.payload);
  }
  return out.map((parts) => Buffer.concat(parts).toString('utf8'));
}

describe('SendQueue (through a real server and client)', () => {
  it('keeps the order of frames sent straight, queued behind others, and cut into fragments', async () => {
    const expected: string[] = [];
    const frame = (i: number): string => (i % 7 === 0 ? `${i}:${'b'.repeat(70_000 + i * 1000)}` : `${i}`);
    for (let i = 0; i < 300; i++) expected.push(frame(i) + '\n');
    const s = await start({
      onConnect: async (io) => {
        for (let i = 0; i < 300; i++) {
          io.print(frame(i));
          if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
        }
      },
    });
    const client = await TestClient.open(s.uri);
    expect(await client.closed).toBe(1000);
    expect(client.frames.length).toBe(expected.length);
    expect(client.frames.every((f, i) => f === expected[i])).toBe(true);
  });

  it('a client that reads slowly but steadily is not dropped, however long its unsent data stays over the limit', async () => {
    // 6 MiB read in small bites: unsent data stays above the 256 KiB limit for several slowConsumerMs windows, but
    // something is delivered all along. (The ceiling, 8 MiB here, is not reached.)
    const text = 'r'.repeat(6 * MiB);
    const s = await start({ maxBufferedBytes: 256 * 1024, slowConsumerMs: 300, onConnect: (io) => io.print(text) });
    const socket = await rawSocket(s.uri);
    const received = await messages(await readSlowly(socket, 64 * 1024, 10));
    while (s.sessionCount > 0) await once(s.endpoint, 'session-end');
    expect(outcomes).toEqual(['completed']);
    expect(received.length).toBe(1);
    expect(received[0] === text + '\n').toBe(true);
    expect(logs.at('warn')).toEqual([]);
  });
});
