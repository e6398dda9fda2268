import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentwsMetrics } from '../../src/observability/metrics.js';
import { runServer, type AgentwsServer, type ServerOptions } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import { createSeedOnConnect } from '../../src/seed/seed-on-connect.js';
import { seedReplies, startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { rawRequest } from '../helpers/raw-http.js';
import { TestClient } from '../helpers/ws-client.js';

// GET /metrics: Prometheus's text format from prom-client, counted from real sessions against the fake model, behind
// the Host check and the token like every other route.

const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';
const TOKEN = 'metrics-test-token';

let server: AgentwsServer | undefined;
let fake: FakeOpenAI | undefined;

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
  server = undefined;
  fake = undefined;
});

async function start(options: Partial<ServerOptions> = {}): Promise<AgentwsServer> {
  fake ??= await startFakeOpenAI({ replies: seedReplies() });
  const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test-0123456789' }];
  server = await runServer({
    port: 0,
    logger: silentLogger,
    metrics: true,
    onConnect: createSeedOnConnect({ configList }),
    ...options,
  });
  return server;
}

/** The samples of a Prometheus text exposition, by `name{labels}` as written. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

async function scrape(target: AgentwsServer, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await fetch(`${target.url}metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return samples(await response.text());
}

/** Resolves once the server has counted `count` ended sessions (session-end comes after the socket's close). */
function sessionsEnded(target: AgentwsServer, count: number): Promise<void> {
  let ended = 0;
  return new Promise((resolve) =>
    target.endpoint.on('session-end', () => {
      if (++ended === count) resolve();
    }),
  );
}

/** One JSON-mode seed chat, then an empty follow-up that ends the run; the events it got. */
async function seedChat(target: AgentwsServer): Promise<TestClient> {
  const client = await TestClient.open(target.uri, 'agentws.v1');
  client.send(SEED_MESSAGE);
  await client.waitForEvent('chat_end');
  await client.waitFor((frames) => frames.filter((f) => f.includes('"type":"input_request"')).length >= 2);
  const followUp = client.events.filter((event) => event.type === 'input_request').at(-1)!;
  client.send({ type: 'input_response', id: (followUp.content as { id: string }).id, value: '' });
  expect(await client.closed).toBe(1000);
  return client;
}

describe('GET /metrics', () => {
  it('counts a seed session: its outcome and duration, model requests, first tokens, streamed tokens, the tool call', async () => {
    const target = await start();
    const ended = sessionsEnded(target, 1);
    const client = await seedChat(target);
    await ended;
    const m = await scrape(target);

    expect(m.get('agentws_sessions_live')).toBe(0);
    expect(m.get('agentws_sessions_started_total{mode="json"}')).toBe(1);
    expect(m.get('agentws_sessions_ended_total{outcome="completed"}')).toBe(1);
    expect(m.get('agentws_session_duration_seconds_count{outcome="completed"}')).toBe(1);
    expect(m.get('agentws_model_requests_total{model="gpt-4",outcome="ok"}')).toBe(2);
    expect(m.get('agentws_model_request_duration_seconds_count{model="gpt-4",outcome="ok"}')).toBe(2);
    // The first reply only calls the tool (no text streams); the poem's first token is timed.
    expect(m.get('agentws_model_time_to_first_token_seconds_count{model="gpt-4"}')).toBe(1);
    const streamed = client.events.filter((event) => event.type === 'stream').length;
    expect(m.get('agentws_model_streamed_tokens_total{model="gpt-4"}')).toBe(streamed);
    expect(m.get('agentws_model_usage_tokens_total{model="gpt-4",type="input"}')).toBeGreaterThan(0);
    expect(m.get('agentws_model_usage_tokens_total{model="gpt-4",type="output"}')).toBeGreaterThan(0);
    expect(m.get('agentws_tool_calls_total{tool="weather_forecast",outcome="ok"}')).toBe(1);
    expect(m.get('agentws_tool_call_duration_seconds_count{tool="weather_forecast"}')).toBe(1);
    expect(m.get('agentws_sessions_detached')).toBe(0);
    expect(m.get('agentws_slow_consumers_dropped_total')).toBe(0);
    // Node's own, event-loop lag among them.
    expect(m.get('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(m.has('process_cpu_seconds_total')).toBe(true);
  });

  it('a real session tells the metrics of its detach, its resume, and a frame it refused', async () => {
    const target = await start();
    const client = await TestClient.open(target.uri, 'agentws.v1');
    const session = await client.waitForEvent('session');
    await client.waitForEvent('input_request');
    client.send({ type: 'input_response', id: 'no-such-request', value: 'x' });
    await client.waitFor(() => client.events.some((e) => e.type === 'error'));
    const { id, resume_token: token } = session.content as { id: string; resume_token: string };
    client.ws.terminate();
    await expect.poll(async () => (await scrape(target)).get('agentws_sessions_detached')).toBe(1);
    const back = await TestClient.open(target.uri, ['agentws.v1', 'agentws.resume']);
    back.send({ type: 'resume', session: id, token, after: 0 });
    await back.waitForEvent('resumed');
    const m = await scrape(target);
    expect(m.get('agentws_sessions_detached')).toBe(0);
    expect(m.get('agentws_session_resumes_total{result="resumed"}')).toBe(1);
    expect(m.get('agentws_client_frames_rejected_total{reason="invalid_frame"}')).toBe(1);
    back.ws.close();
  });

  it('live sessions are counted while they run', async () => {
    const target = await start();
    const client = await TestClient.open(target.uri, 'agentws.v1');
    await client.waitForEvent('input_request');
    expect((await scrape(target)).get('agentws_sessions_live')).toBe(1);
    client.ws.close();
  });

  it('a model that fails: requests by outcome error, with their latency', async () => {
    fake = await startFakeOpenAI({ replies: [{ error: { status: 503, message: 'overloaded' } }] });
    const target = await start();
    const ended = sessionsEnded(target, 1);
    const client = await TestClient.open(target.uri);
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1011);
    await ended;
    const m = await scrape(target);
    expect(m.get('agentws_model_requests_total{model="gpt-4",outcome="error"}')).toBe(1);
    expect(m.get('agentws_model_request_duration_seconds_count{model="gpt-4",outcome="error"}')).toBe(1);
    expect(m.get('agentws_sessions_ended_total{outcome="error"}')).toBe(1);
  });

  it('a client over the frame rate: its session ends rate_limited, and the refused frame is counted', async () => {
    const target = await start({ maxFramesPerSecond: 2, onConnect: async (io) => void (await io.input('never')) });
    const ended = sessionsEnded(target, 1);
    const client = await TestClient.open(target.uri);
    for (let i = 0; i < 10; i++) client.send({ type: 'ping' });
    expect(await client.closed).toBe(1008);
    await ended;
    const m = await scrape(target);
    expect(m.get('agentws_sessions_ended_total{outcome="rate_limited"}')).toBe(1);
    expect(m.get('agentws_client_frames_rejected_total{reason="rate_limited"}')).toBe(1);
  });

  it('with a token, a scrape must send it as a bearer token; the Host check applies as on every route', async () => {
    const target = await start({ token: TOKEN });
    const refused = await fetch(`${target.url}metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${target.url}metrics`, { headers: { Authorization: 'Bearer wrong-token' } })).status).toBe(
      401,
    );
    await scrape(target, { Authorization: `Bearer ${TOKEN}` });
    const rebound = await rawRequest(target.port, 'GET /metrics HTTP/1.1', [], `attacker.example:${target.port}`);
    expect(rebound.status).toBe(403);
    expect((await rawRequest(target.port, 'POST /metrics HTTP/1.1', ['Content-Length: 0'])).status).toBe(405);
  });

  it('is off unless asked for (runServer) and then 404; metrics of your own join the registry', async () => {
    const plain = await runServer({ port: 0, logger: silentLogger, onConnect: () => {} });
    try {
      expect(plain.metrics).toBeUndefined();
      expect((await fetch(`${plain.url}metrics`)).status).toBe(404);
    } finally {
      await plain.close();
    }
    const target = await start();
    new Counter({ name: 'my_app_things_total', help: 'Things.', registers: [target.metrics!.registry] }).inc(3);
    expect((await scrape(target)).get('my_app_things_total')).toBe(3);
  });
});

describe('AgentwsMetrics', () => {
  it('maps session outcomes to refused frames and dropped slow consumers', async () => {
    const target = await start();
    for (const outcome of [
      'slow_consumer',
      'invalid_data',
      'message_too_big',
      'protocol_error',
      'cancelled',
    ] as const) {
      target.endpoint.emit('session-end', { id: outcome, outcome, durationMs: 10 });
    }
    const m = samples(await target.metrics!.text());
    expect(m.get('agentws_slow_consumers_dropped_total')).toBe(1);
    expect(m.get('agentws_client_frames_rejected_total{reason="invalid_data"}')).toBe(1);
    expect(m.get('agentws_client_frames_rejected_total{reason="message_too_big"}')).toBe(1);
    expect(m.get('agentws_client_frames_rejected_total{reason="protocol_error"}')).toBe(1);
    expect(m.has('agentws_client_frames_rejected_total{reason="cancelled"}')).toBe(false);
    expect(m.get('agentws_sessions_ended_total{outcome="cancelled"}')).toBe(1);
  });

  it('as a session observer: detached sessions, resumes by result, frames refused without ending the session', async () => {
    const metrics = new AgentwsMetrics({ defaultMetrics: false });
    metrics.detached('a');
    metrics.detached('b');
    let m = samples(await metrics.text());
    expect(m.get('agentws_sessions_detached')).toBe(2);
    metrics.resumed('a');
    metrics.resumeRefused('bad_token');
    metrics.resumeRefused('expired');
    metrics.frameRejected('invalid_frame');
    m = samples(await metrics.text());
    expect(m.get('agentws_sessions_detached')).toBe(1);
    expect(m.get('agentws_session_resumes_total{result="resumed"}')).toBe(1);
    expect(m.get('agentws_session_resumes_total{result="bad_token"}')).toBe(1);
    expect(m.get('agentws_session_resumes_total{result="expired"}')).toBe(1);
    expect(m.get('agentws_client_frames_rejected_total{reason="invalid_frame"}')).toBe(1);
    expect(m.has('process_cpu_seconds_total')).toBe(false);
  });

  it('a detached session that ends (abandoned) is no longer counted as detached', async () => {
    const target = await start();
    target.metrics!.detached('gone');
    target.endpoint.emit('session-end', { id: 'gone', outcome: 'abandoned', durationMs: 120_000 });
    expect(samples(await target.metrics!.text()).get('agentws_sessions_detached')).toBe(0);
  });
});
