import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelHarness } from '../helpers/model-harness.js';
import {
  answer,
  AUTH,
  checkEveryTestEndsClean,
  BIG_TOKEN,
  eventsOf,
  GoodSession,
  HUGE_TOKENS,
  lastError,
  startModelHarness,
} from '../helpers/model-harness.js';
import { clientFrame, FrameReader, Opcode, rawSocket } from '../helpers/raw-ws.js';

/**
 * Bad input from clients, thrown at a running server while a well-behaved session runs beside it. Each test checks:
 * the bad session ends with a clear error and close code (or carries on, for mistakes it can recover from), the good
 * session receives every event, the live-session count returns to 0, and no log line holds a secret.
 */

let h: ModelHarness;
checkEveryTestEndsClean(() => h);

describe('bad input from clients', () => {
  it('invalid UTF-8 in a text frame: error INVALID_DATA, close 1007', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    const bad = await h.client();
    await bad.waitForEvent('input_request');
    good.continue();
    bad.ws.send(Buffer.from([0x68, 0x69, 0xff, 0xfe]), { binary: false });
    expect(await bad.closed).toBe(1007);
    expect(lastError(bad)).toMatchObject({ code: 'INVALID_DATA', fatal: true });
    expect(lastError(bad)?.error).toContain('not valid UTF-8');
    await good.finish();
    expect(await h.outcome('invalid_data')).toBeTruthy();
  });

  it('binary frames: valid UTF-8 is read as text (as upstream does), invalid UTF-8 closes 1007', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const fine = await h.client();
    await fine.waitForEvent('input_request');
    fine.ws.send(Buffer.from('exit', 'utf8'), { binary: true });
    expect(await fine.closed).toBe(1000);
    expect(eventsOf(fine, 'run_completion')).toHaveLength(1);

    const bad = await h.client();
    await bad.waitForEvent('input_request');
    bad.ws.send(Buffer.from([0xc3, 0x28]), { binary: true });
    expect(await bad.closed).toBe(1007);
    expect(lastError(bad)).toMatchObject({ code: 'INVALID_DATA', fatal: true });
    expect(lastError(bad)?.error).toContain('binary frame');
    await good.finish();
  });

  it('an oversized frame closes 1009 and is logged', async () => {
    h = await startModelHarness({ maxMessageSize: 4096 });
    const good = await GoodSession.start(h);
    const bad = await h.client();
    await bad.waitForEvent('input_request');
    good.continue();
    bad.send('x'.repeat(4097));
    expect(await bad.closed).toBe(1009);
    await good.finish();
    await h.outcome('message_too_big');
    expect(h.logs.at('warn').join('\n')).toContain('over the maximum message size (4096 bytes)');
  });

  it('a frame of exactly the maximum size is accepted', async () => {
    h = await startModelHarness({ maxMessageSize: 4096 });
    const client = await h.client();
    await answer(client, 1, 'y'.repeat(4096 - 100));
    await answer(client, 2, 'exit');
    expect(await client.closed).toBe(1000);
  });

  it('a flood of frames: error RATE_LIMITED, close 1008', async () => {
    h = await startModelHarness({ maxFramesPerSecond: 20 });
    const good = await GoodSession.start(h);
    const bad = await h.client();
    await bad.waitForEvent('input_request');
    good.continue();
    for (let i = 0; i < 500; i++) bad.send({ type: 'ping' });
    expect(await bad.closed).toBe(1008);
    expect(lastError(bad)).toMatchObject({ code: 'RATE_LIMITED', fatal: true });
    expect(lastError(bad)?.error).toContain('more than 20 per second');
    await good.finish();
    await h.outcome('rate_limited');
  });

  it('a flood of websocket pings counts too', async () => {
    h = await startModelHarness({ maxFramesPerSecond: 20 });
    const bad = await h.client();
    await bad.waitForEvent('input_request');
    for (let i = 0; i < 200; i++) bad.ws.ping();
    expect(await bad.closed).toBe(1008);
    expect(lastError(bad)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('malformed JSON and unknown types get a PROTOCOL_ERROR and the session goes on', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    const bad = await h.client();
    await bad.waitForEvent('input_request');
    good.continue();
    bad.send('{"type": "input_response", "id": ');
    bad.send({ type: 'launch_missiles' });
    bad.send('{"no_type": true}');
    await bad.waitFor((f) => f.filter((x) => x.includes('PROTOCOL_ERROR')).length >= 3, 'three protocol errors');
    const errors = eventsOf(bad, 'error').map((e) => e.content as { error: string; fatal: boolean });
    expect(errors.map((e) => e.fatal)).toEqual([false, false, false]);
    expect(errors[0]!.error).toMatch(/^Malformed JSON frame/);
    expect(errors[1]!.error).toContain('Unknown frame type "launch_missiles"');
    await answer(bad, 1, 'exit');
    expect(await bad.closed).toBe(1000);
    await good.finish();
  });

  it('answers to input requests that do not exist get a PROTOCOL_ERROR naming the id', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    const request = await bad.waitForEvent('input_request');
    bad.send({ type: 'input_response', id: 'no-such-request', value: 'hi' });
    await bad.waitFor((f) => f.some((x) => x.includes('PROTOCOL_ERROR')), 'a protocol error');
    expect(lastError(bad)).toMatchObject({ code: 'PROTOCOL_ERROR', fatal: false });
    expect(lastError(bad)?.error).toContain('"no-such-request"');
    // Answering the real request twice: the second answer is refused the same way.
    const id = (request.content as { id: string }).id;
    bad.send({ type: 'input_response', id, value: 'exit' });
    bad.send({ type: 'input_response', id, value: 'exit' });
    expect(await bad.closed).toBe(1000);
    await good.finish();
  });

  it('piling up answers nobody asked for: error TOO_MANY_ANSWERS, close 1008', async () => {
    h = await startModelHarness({ maxFramesPerSecond: 100_000, maxBufferedBytes: 64 * 1024 });
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    await answer(bad, 1, 'hang'); // the run now waits on the model: nothing asks for input
    await h.requested('hang');
    for (let i = 0; i < 100; i++) bad.send('y'.repeat(1024));
    expect(await bad.closed).toBe(1008);
    expect(lastError(bad)).toMatchObject({ code: 'TOO_MANY_ANSWERS', fatal: true });
    await h.fake.waitForRequestClosed(h.requestIndex('hang'));
    await good.finish();
  });

  it('a client that connects and never speaks (nor reads, nor pongs) is dropped by the keepalive', async () => {
    h = await startModelHarness({ pingIntervalMs: 50 });
    const good = await GoodSession.start(h);
    good.continue();
    const silent = await rawSocket(h.server.uri, { ...AUTH, 'Sec-WebSocket-Protocol': 'agentws.v1' });
    await h.outcome('unresponsive');
    // Reading now shows the server closed the connection.
    const reader = new FrameReader(silent);
    await reader.closed;
    expect(reader.texts.some((t) => t.includes('"type":"session"'))).toBe(true);
    await good.finish();
  });

  it('a slow consumer is dropped past the buffered limit, memory stays bounded, the model request is aborted', async () => {
    const limit = 256 * 1024;
    // slowConsumerMs 0: dropped the moment the limit is passed (test/server/large-output.test.ts covers the window).
    h = await startModelHarness({ maxBufferedBytes: limit, slowConsumerMs: 0 });
    const good = await GoodSession.start(h);
    // A raw client that completes the handshake, asks for a long reply, and never reads a byte.
    const slow = await rawSocket(h.server.uri, { ...AUTH, 'Sec-WebSocket-Protocol': 'agentws.v1' });
    slow.write(clientFrame(Opcode.TEXT, 'huge'));
    good.continue();
    const id = await h.outcome('slow_consumer');
    // The model stream was cut off long before its end: the server stopped pulling tokens it could not deliver.
    await h.fake.waitForRequestClosed(h.requestIndex('huge'));
    const frameSize = BIG_TOKEN.length + 200;
    expect(h.maxBuffered.get(id)).toBeLessThanOrEqual(limit + frameSize);
    expect(h.maxBuffered.get(id)).toBeGreaterThan(0);
    expect(HUGE_TOKENS * frameSize).toBeGreaterThan(30 * limit);
    expect(h.logs.at('warn').join('\n')).toMatch(/the client stopped reading \(\d+ bytes unsent, limit 262144\)/);
    slow.destroy();
    await good.finish();
  });

  it('an abrupt TCP reset mid-stream ends the session and aborts the model request', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    const socket = await rawSocket(h.server.uri, { ...AUTH, 'Sec-WebSocket-Protocol': 'agentws.v1' });
    const reader = new FrameReader(socket);
    socket.write(clientFrame(Opcode.TEXT, 'long'));
    await reader.waitFor(() => reader.texts.filter((t) => t.includes('"type":"stream"')).length >= 3, 'tokens');
    good.continue();
    socket.resetAndDestroy();
    await h.outcome('disconnected');
    await h.fake.waitForRequestClosed(h.requestIndex('long'));
    await good.finish();
  });

  it('an unmasked client frame (a websocket protocol error) closes 1002', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const socket = await rawSocket(h.server.uri, { ...AUTH, 'Sec-WebSocket-Protocol': 'agentws.v1' });
    const reader = new FrameReader(socket);
    socket.write(clientFrame(Opcode.TEXT, 'exit', { mask: false }));
    await reader.waitFor(() => reader.closeCode !== undefined, 'the close frame');
    expect(reader.closeCode).toBe(1002);
    await h.outcome('protocol_error');
    socket.destroy();
    await good.finish();
  });

  it('a message split into more fragments than ws buffers (16,384) closes 1008, as the docs say', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const socket = await rawSocket(h.server.uri, { ...AUTH, 'Sec-WebSocket-Protocol': 'agentws.v1' });
    const reader = new FrameReader(socket);
    const CONTINUATION = 0x0;
    const frames = [clientFrame(Opcode.TEXT, 'a', { fin: false })];
    for (let i = 0; i < 16_384; i++) frames.push(clientFrame(CONTINUATION, 'a', { fin: false }));
    socket.write(Buffer.concat(frames));
    await reader.waitFor(() => reader.closeCode !== undefined, 'the close frame');
    expect(reader.closeCode).toBe(1008);
    await h.outcome('protocol_error');
    socket.destroy();
    await good.finish();
    for (const doc of ['security.md', 'protocol.md']) {
      const text = readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8');
      expect(text, doc).toMatch(/^\| 1008 .*16,384 fragments/m);
    }
  });
});
