import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/server/logger.js';
import { createRedactor } from '../../src/server/redact.js';
import type { OnConnect, SessionSettings } from '../../src/server/session.js';
import { Session } from '../../src/server/session.js';
import { MemorySessionStore } from '../../src/store/memory-store.js';
import { noopSessionObserver } from '../../src/observability/session-observer.js';
import { MemoryConnection } from '../helpers/memory-connection.js';

function settings(onConnect: OnConnect): SessionSettings {
  return {
    onConnect,
    logger: silentLogger,
    maxMessageSize: 1024 * 1024,
    maxFramesPerSecond: 50,
    inputTimeoutMs: null,
    inputTimeoutAction: 'end',
    maxBufferedBytes: 8 * 1024 * 1024,
    slowConsumerMs: 30_000,
    resumeWindowMs: 0,
    store: new MemorySessionStore(),
    onResume: () => {},
    observer: noopSessionObserver,
    redact: createRedactor([]),
  };
}

describe('Session over the Connection seam (no sockets)', () => {
  it('runs onConnect, asks through an input request, takes the answer by id, and ends with one terminal event', async () => {
    const connection = new MemoryConnection();
    const session = new Session(
      connection,
      'session-1',
      'json',
      false,
      settings(async (io) => io.print(`hello ${await io.input('name?')}`)),
    );
    const outcome = session.run();
    await new Promise((resolve) => setImmediate(resolve));
    const request = connection.events.find((e) => e.type === 'input_request');
    expect(request?.content).toMatchObject({ prompt: 'name?' });
    connection.receive(JSON.stringify({ type: 'input_response', id: request!.content.id, value: 'Ada' }));
    expect(await outcome).toBe('completed');
    expect(connection.events.map((e) => e.type)).toEqual(['session', 'input_request', 'print', 'run_completion']);
    expect(connection.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(connection.events[2]!.content).toMatchObject({ objects: ['hello Ada'] });
    expect(connection.closedWith).toEqual({ code: 1000, reason: undefined });
  });

  it('a dropped connection aborts the run in text mode', async () => {
    const connection = new MemoryConnection();
    let signal: AbortSignal | undefined;
    const session = new Session(
      connection,
      'session-2',
      'text',
      false,
      settings(async (io) => {
        signal = io.signal;
        await io.input();
      }),
    );
    const outcome = session.run();
    await new Promise((resolve) => setImmediate(resolve));
    connection.drop();
    expect(await outcome).toBe('disconnected');
    expect(signal?.aborted).toBe(true);
  });
});
