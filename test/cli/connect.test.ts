import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AgentwsServer } from '../../src/server/agentws-server.js';
import { runServer } from '../../src/server/agentws-server.js';
import type { IOWebsockets } from '../../src/server/io-websockets.js';
import { silentLogger } from '../../src/server/logger.js';
import { readTranscriptFrames } from '../helpers/transcript.js';
import { CliProcess, SEED_MESSAGE, killAll, runCli } from './helpers/spawn-cli.js';

// `agentws connect` against servers made in this process: agentws's own (JSON mode) and a plain `ws` server that
// selects no subprotocol, as AutoGen's Python IOWebsockets does (text mode). Spawns the real CLI (dist/ must be built).

const TRANSCRIPT = new URL('../fixtures/autogen02-transcript-nocolor.txt', import.meta.url);

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await killAll();
  for (const close of closers) await close();
  closers = [];
});

async function agentws(
  onConnect: (io: IOWebsockets) => unknown,
  options: { inputTimeoutMs?: number } = {},
): Promise<string> {
  const server: AgentwsServer = await runServer({ onConnect, port: 0, logger: silentLogger, ...options });
  closers.push(() => server.close({ graceMs: 0 }));
  return server.uri;
}

/** A websocket server that never selects a subprotocol (like upstream's Python server). */
async function plainServer(onConnection: (ws: WebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', onConnection);
  closers.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

/** Resolves when `io`'s run is aborted (so servers can close while it waits). */
function untilAborted(io: IOWebsockets): Promise<void> {
  return new Promise((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
}

describe('agentws connect: exit codes', () => {
  it('10 when nothing listens, naming the cause', async () => {
    const uri = await agentws(() => {});
    await closers.pop()!();
    const result = await runCli(['connect', uri, 'hi']);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain(`Cannot connect to ${uri}/: connection refused.`);
  });

  it('10 when the server is full (HTTP 503 at the upgrade)', async () => {
    const server = await runServer({ onConnect: untilAborted, port: 0, logger: silentLogger, maxSessions: 1 });
    closers.push(() => server.close({ graceMs: 0 }));
    const first = new CliProcess(['connect', server.uri, 'hi']);
    await new Promise<void>((resolve) => server.endpoint.once('session-start', () => resolve()));
    const second = await runCli(['connect', server.uri, 'hi']);
    expect(second.code).toBe(10);
    expect(second.stderr).toMatch(/HTTP 503 .*full/);
    first.kill();
  });

  it('11 when the server goes quiet for --timeout seconds', async () => {
    const uri = await agentws(async (io) => {
      await io.input();
      await untilAborted(io);
    });
    const result = await runCli(['connect', '--timeout', '0.3', uri, 'hi']);
    expect(result.code).toBe(11);
    expect(result.stderr).toContain('No message from the server for 0.3 s (--timeout)');
  });

  it('12 when the run fails on the server (fatal error, close 1011)', async () => {
    const uri = await agentws(async (io) => {
      await io.input();
      throw new Error('the agent broke');
    });
    const result = await runCli(['connect', uri, 'hi']);
    expect(result.code).toBe(12);
    expect(result.stdout).toContain('>>>>>>>> ERROR: the agent broke');
    expect(result.stderr).toContain('The server reported an error: the agent broke');
  });

  it('12 when the connection drops without a close frame (1006)', async () => {
    const uri = await plainServer((ws) => ws.once('message', () => ws.terminate()));
    const result = await runCli(['connect', uri, 'hi']);
    expect(result.code).toBe(12);
    expect(result.stderr).toContain('closed the connection abnormally (1006');
  });

  it('13 when the run is stopped (input timeout on the server)', async () => {
    const uri = await agentws(
      async (io) => {
        await io.input();
        await io.input('More? ');
      },
      { inputTimeoutMs: 200 },
    );
    const client = new CliProcess(['connect', uri, 'hi']); // stdin open, no answer comes
    expect(await client.exited).toBe(13);
    expect(client.stdout).toContain('More? ');
    expect(client.stderr).toContain('The run was stopped (input_timeout)');
  });

  it.each([
    [['connect', 'ws://127.0.0.1:1', '--timeout', 'soon'], /Expected a number of seconds/],
    [['connect', 'ftp://127.0.0.1:1', 'hi'], /the scheme must be ws:\/\/ or wss:\/\//],
    [['connect', 'hello world', 'hi'], /The url comes before the message/],
    [['connect', 'ws://127.0.0.1:1', 'a', 'b'], /too many arguments/],
  ])('2 for usage errors: %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it('2 when there is no message (empty standard input)', async () => {
    const uri = await agentws(() => {});
    const result = await runCli(['connect', uri], { input: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No message to send');
  });
});

describe('agentws connect: input requests (JSON mode)', () => {
  it('answers later requests with the next lines of standard input, hidden for passwords', async () => {
    const answers: string[] = [];
    const uri = await agentws(async (io) => {
      answers.push(await io.input());
      answers.push(await io.input('Name: '));
      answers.push(await io.input('Secret: ', { password: true }));
      answers.push(await io.input('Again: '));
      io.print('done');
    });
    const result = await runCli(['connect', uri], { input: 'first\nAda\nhunter2\n' });
    expect(result.code).toBe(0);
    expect(answers).toEqual(['first', 'Ada', 'hunter2', '']);
    expect(result.stdout).toBe('Name: Ada\nSecret: \nAgain: \ndone\n');
  });

  it('a message starting with "{" is sent as the answer, not parsed as a frame', async () => {
    let got = '';
    const uri = await agentws(async (io) => {
      got = await io.input();
    });
    const result = await runCli(['connect', uri, '{"type":"cancel"}']);
    expect(result.code).toBe(0);
    expect(got).toBe('{"type":"cancel"}');
  });
});

describe('agentws connect: text mode (servers without agentws.v1, like AutoGen 0.2)', () => {
  it('falls back to text frames, prints them as they come, and ends when the server closes', async () => {
    const frames = readTranscriptFrames(TRANSCRIPT.pathname);
    let received = '';
    const uri = await plainServer((ws) =>
      ws.once('message', (data) => {
        received = data.toString();
        for (const frame of frames) ws.send(frame);
        ws.close(1000);
      }),
    );
    const result = await runCli(['connect', uri, SEED_MESSAGE]);
    expect(result.code).toBe(0);
    expect(received).toBe(SEED_MESSAGE);
    expect(result.stdout).toBe(frames.join(''));
  });

  it('ends by itself after TERMINATE when the server keeps the socket open, like the seed client', async () => {
    const uri = await plainServer((ws) => ws.once('message', () => ws.send('poem...\nTERMINATE')));
    const result = await runCli(['connect', uri, 'hi']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('poem...\nTERMINATE');
  });

  it('sends the later lines of standard input as frames (answers to prompts)', async () => {
    const uri = await plainServer((ws) => {
      const got: string[] = [];
      ws.on('message', (data) => {
        got.push(data.toString());
        if (got.length === 1) ws.send('May I? ');
        else {
          ws.send(`you said ${got.join(' / ')}\n`);
          ws.close(1000);
        }
      });
    });
    const result = await runCli(['connect', uri], { input: 'hello\nYes\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('May I? you said hello / Yes\n');
  });

  it('--json prints each text frame as a JSON line', async () => {
    const uri = await plainServer((ws) =>
      ws.once('message', () => {
        ws.send('a\n');
        ws.send('b');
        ws.close(1000);
      }),
    );
    const result = await runCli(['connect', '--json', uri, 'hi']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('{"type":"text_frame","content":"a\\n"}\n{"type":"text_frame","content":"b"}\n');
  });

  it('Ctrl-C stops at once with 130', async () => {
    const uri = await plainServer((ws) => ws.once('message', () => ws.send('thinking...')));
    const client = new CliProcess(['connect', uri, 'hi']);
    await client.waitFor(/thinking/);
    client.kill('SIGINT');
    expect(await client.exited).toBe(130);
  });
});
