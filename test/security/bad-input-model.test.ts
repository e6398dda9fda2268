import { describe, expect, it } from 'vitest';
import type { ModelHarness } from '../helpers/model-harness.js';
import {
  answer,
  API_KEY,
  checkEveryTestEndsClean,
  eventsOf,
  GoodSession,
  lastError,
  startModelHarness,
} from '../helpers/model-harness.js';

/**
 * A model server that fails (401, 429, 500, hangs, cuts the SSE stream), behind the real LlmClient, while a
 * well-behaved session runs beside it on the same server and the same fake model.
 */

let h: ModelHarness;
checkEveryTestEndsClean(() => h);

describe('a failing model server', () => {
  it.each([
    [401, 'check the api_key of this entry'],
    [429, 'rate limited or out of quota'],
    [500, 'The server had an error'],
  ])('HTTP %i: a fatal LLM_REQUEST_FAILED error saying so, close 1011, no key anywhere', async (status, says) => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    await answer(bad, 1, `http-${status}`);
    expect(await bad.closed).toBe(1011);
    const error = lastError(bad)!;
    expect(error).toMatchObject({ code: 'LLM_REQUEST_FAILED', fatal: true });
    expect(error.error).toContain(`HTTP ${status}`);
    expect(error.error).toContain(says);
    expect(error.error).not.toMatch(/\n\s+at /); // no stack trace
    for (const frame of bad.frames) expect(frame).not.toContain(API_KEY);
    if (status === 401) expect(error.error).toContain('Incorrect API key provided: ***');
    expect(h.logs.at('error').join('\n')).toContain(`HTTP ${status}`);
    await h.outcome('error');
    await good.finish();
  });

  it('a model that hangs: the client leaving aborts the request', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    await answer(bad, 1, 'hang');
    const index = await h.requested('hang');
    bad.ws.close();
    await h.fake.waitForRequestClosed(index);
    await h.outcome('disconnected');
    await good.finish();
  });

  it('a model that hangs past timeoutMs: a fatal error saying it timed out, close 1011', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    await answer(bad, 1, 'timeout');
    expect(await bad.closed).toBe(1011);
    expect(lastError(bad)).toMatchObject({ code: 'LLM_REQUEST_FAILED', fatal: true });
    expect(lastError(bad)?.error).toContain('timed out');
    await h.fake.waitForRequestClosed(h.requestIndex('timeout'));
    await good.finish();
  });

  it('a cut SSE stream: the tokens so far, stream_end, then a fatal error, close 1011', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    await answer(bad, 1, 'cut');
    expect(await bad.closed).toBe(1011);
    const types = bad.events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['stream_end', 'error']);
    const tokens = eventsOf(bad, 'stream').map((e) => (e.content as { content: string }).content);
    expect(tokens.filter((t) => t !== '')).toHaveLength(5);
    expect(lastError(bad)).toMatchObject({ code: 'LLM_REQUEST_FAILED', fatal: true });
    expect(lastError(bad)?.error).toMatch(/stream|connection/);
    await good.finish();
  });
});

describe('a model server that sends too much', () => {
  it('one endless 20 MiB SSE line: a fatal LLM_REQUEST_FAILED naming the limit, the request closed', async () => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    await answer(bad, 1, 'huge-line');
    expect(await bad.closed).toBe(1011);
    const error = lastError(bad)!;
    expect(error).toMatchObject({ code: 'LLM_REQUEST_FAILED', fatal: true });
    expect(error.error).toContain('a stream event larger than 4194304 characters (llmConfig.maxEventSize)');
    expect(error.error).not.toMatch(/\n\s+at /);
    await h.fake.waitForRequestClosed(h.requestIndex('huge-line'));
    await good.finish();
  });

  it.each([
    ['huge-error-500', 'HTTP 500: EEE'],
    ['huge-error-event', 'the server sent an error mid-stream: EEE'],
  ])('%s: a short error event and short log lines, saying what was left out', async (scenario, says) => {
    h = await startModelHarness();
    const good = await GoodSession.start(h);
    good.continue();
    const bad = await h.client();
    await answer(bad, 1, scenario);
    expect(await bad.closed).toBe(1011);
    const error = lastError(bad)!;
    expect(error).toMatchObject({ code: 'LLM_REQUEST_FAILED', fatal: true });
    expect(error.error).toContain(says);
    expect(error.error).toMatch(/… \(\d+ more characters\)/);
    expect(error.error.length).toBeLessThan(1500);
    for (const frame of bad.frames) expect(frame.length).toBeLessThan(2000);
    await h.outcome('error');
    expect(h.logs.at('error').join('\n')).toContain(says);
    for (const line of h.logs.lines) expect(line.length).toBeLessThan(4000);
    await good.finish();
  });
});
