import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedReplies, startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { SEED_MESSAGE, killAll, runCli, startServe, tempDir } from '../cli/helpers/spawn-cli.js';
import { OtlpReceiver, type OtlpSpan } from '../helpers/otlp-receiver.js';
import { TestClient } from '../helpers/ws-client.js';

// `agentws serve` exports its spans over OTLP/HTTP when the standard OTEL_* variables say where, in either encoding,
// and flushes them when it stops. A small collector in the test receives them. Spawns the real CLI (dist/ built).

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

let fake: FakeOpenAI;
let receiver: OtlpReceiver;
let work: { dir: string; remove: () => void };

beforeEach(async () => {
  fake = await startFakeOpenAI({ replies: seedReplies() });
  receiver = await OtlpReceiver.start();
  work = tempDir({
    OAI_CONFIG_LIST: JSON.stringify([{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-otlp-test-0123456789' }]),
  });
});

afterEach(async () => {
  await killAll();
  await receiver.close();
  await fake.close();
  work.remove();
});

/**
 * OTEL_BSP_SCHEDULE_DELAY of ten minutes: the batch processor exports only when it is flushed, so whatever the
 * collector gets was sent by serve's shutdown.
 */
function otelEnv(extra: Record<string, string>): Record<string, string> {
  return { OTEL_BSP_SCHEDULE_DELAY: '600000', ...extra };
}

/** Runs one JSON-mode seed chat and ends the run with an empty follow-up; resolves with the session id. */
async function seedSession(uri: string): Promise<{ sessionId: string; toolCallId: string }> {
  const client = await TestClient.open(uri, 'agentws.v1');
  const session = await client.waitForEvent('session');
  client.send(SEED_MESSAGE);
  await client.waitForEvent('chat_end');
  await client.waitFor((frames) => frames.filter((f) => f.includes('"type":"input_request"')).length >= 2);
  const followUp = client.events.filter((event) => event.type === 'input_request').at(-1)!;
  client.send({ type: 'input_response', id: (followUp.content as { id: string }).id, value: '' });
  expect(await client.closed).toBe(1000);
  const toolCall = client.events.find((event) => event.type === 'tool_call')!;
  return {
    sessionId: (session.content as { id: string }).id,
    toolCallId: (toolCall.content as { tool_calls: Array<{ id: string }> }).tool_calls[0]!.id,
  };
}

describe('agentws serve exports traces over OTLP/HTTP', () => {
  it('http/json: the seed run as invoke_agent with its chats and tool call as children, flushed at shutdown', async () => {
    const { serve, uri } = await startServe([], {
      cwd: work.dir,
      env: otelEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'agents-under-test',
      }),
    });
    expect(serve.stdout).toContain(`traces: OTLP http/json to ${receiver.url} (service agents-under-test)`);
    const { sessionId, toolCallId } = await seedSession(uri);
    await serve.waitFor(/ended: completed/);
    expect(receiver.requests).toEqual([]); // still in the batch: only the shutdown sends them

    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(receiver.requests.map((request) => request.path)).toEqual(['/v1/traces']);
    const spans = receiver.spans();
    expect(spans.map((span) => span.name).sort()).toEqual([
      'chat gpt-4',
      'chat gpt-4',
      'execute_tool weather_forecast',
      'invoke_agent chatbot',
    ]);

    const agent = spans.find((span) => span.name === 'invoke_agent chatbot')!;
    expect(agent.parentSpanId).toBe('');
    expect(agent.kind).toBe(SPAN_KIND_INTERNAL);
    expect(agent.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.conversation.id': sessionId,
      'gen_ai.agent.name': 'chatbot',
      'gen_ai.provider.name': 'openai',
      'agentws.session.mode': 'json',
    });
    expect(agent.resource).toMatchObject({
      'service.name': 'agents-under-test',
      'service.version': expect.any(String),
    });
    for (const span of spans.filter((s) => s !== agent)) {
      expect(span.traceId).toBe(agent.traceId);
      expect(span.parentSpanId).toBe(agent.spanId);
      expect(span.attributes['gen_ai.conversation.id']).toBe(sessionId);
    }

    const chats = spans.filter((span) => span.name === 'chat gpt-4');
    const finishedWith = (reason: string): OtlpSpan | undefined =>
      chats.find((chat) => String(chat.attributes['gen_ai.response.finish_reasons']) === reason);
    const toolTurn = finishedWith('tool_calls');
    const poem = finishedWith('stop');
    for (const chat of chats) {
      expect(chat.kind).toBe(SPAN_KIND_CLIENT);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4',
        'gen_ai.response.model': 'gpt-4',
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(fake.url).port),
        'gen_ai.request.stream': true,
        'gen_ai.usage.input_tokens': expect.any(Number),
        'gen_ai.usage.output_tokens': expect.any(Number),
      });
      // Content is opt-in.
      expect(chat.attributes).not.toHaveProperty('gen_ai.input.messages');
    }
    expect(toolTurn!.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(poem!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(poem!.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);

    const tool = spans.find((span) => span.name === 'execute_tool weather_forecast')!;
    expect(tool.kind).toBe(SPAN_KIND_INTERNAL);
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'weather_forecast',
      'gen_ai.tool.call.id': toolCallId,
    });
    expect(tool.status.code ?? 0).not.toBe(STATUS_ERROR);
  });

  it('http/protobuf (the default) to a traces endpoint given as is, with message content when opted in', async () => {
    const { serve, uri } = await startServe([], {
      cwd: work.dir,
      env: otelEnv({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/collector/traces`,
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
      }),
    });
    expect(serve.stdout).toContain(`traces: OTLP http/protobuf to ${receiver.url}/collector/traces (service agentws)`);
    const client = await TestClient.open(uri);
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1000);
    await serve.waitFor(/ended: completed/);
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.path).toBe('/collector/traces');
    expect(request!.headers['content-type']).toBe('application/x-protobuf');
    // Protobuf keeps strings as UTF-8 bytes: the span names, the service and the captured prompt are in the body.
    const body = request!.body.toString('utf8');
    for (const text of ['invoke_agent chatbot', 'chat gpt-4', 'execute_tool weather_forecast', 'agentws']) {
      expect(body).toContain(text);
    }
    expect(body).toContain('gen_ai.input.messages');
    expect(body).toContain(SEED_MESSAGE);
  });

  it('a collector that cannot be reached costs a warning, never the server', async () => {
    const unreachable = receiver.url;
    await receiver.close();
    const { serve, uri } = await startServe([], {
      cwd: work.dir,
      env: otelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: unreachable, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' }),
    });
    const client = await TestClient.open(uri);
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1000);
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr).toMatch(/agentws: warning: OpenTelemetry: /);
    expect(serve.stderr).not.toMatch(/agentws: error/);
  });

  it('settings agentws cannot honour stop serve at start with exit 2, naming the variable; none turns it off', async () => {
    const grpc = await runCli(['serve', '--demo', '--port', '0'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    });
    expect(grpc.code).toBe(2);
    expect(grpc.stderr).toContain('agentws: error: OTEL_EXPORTER_OTLP_PROTOCOL=grpc: agentws serve exports traces');
    expect(grpc.stderr).toContain('http/protobuf');

    const zipkin = await runCli(['serve', '--demo', '--port', '0'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: 'zipkin' },
    });
    expect(zipkin.code).toBe(2);
    expect(zipkin.stderr).toContain('OTEL_TRACES_EXPORTER=zipkin');

    const { serve } = await startServe(['--demo'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: 'none' },
    });
    expect(serve.stdout).not.toContain('traces:');
    serve.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});
