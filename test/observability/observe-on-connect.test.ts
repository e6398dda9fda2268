import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { observeOnConnect } from '../../src/observability/observe-on-connect.js';
import { runServer, type AgentwsServer } from '../../src/server/agentws-server.js';
import { silentLogger } from '../../src/server/logger.js';
import type { OnConnect } from '../../src/server/session.js';
import { attach } from '../../src/server/websocket-endpoint.js';
import { createSeedOnConnect } from '../../src/seed/seed-on-connect.js';
import { seedReplies, startFakeOpenAI, type FakeOpenAI } from '../../src/testing/index.js';
import { parentOf, recordSpans, type SpanRecorder } from '../helpers/span-recorder.js';
import { TestClient } from '../helpers/ws-client.js';

// A session is an `invoke_agent` span; its model requests and tool calls are its children, through the OpenTelemetry
// context, whatever the agents do in between. runServer wraps every onConnect; attach() users wrap theirs.

const SEED_MESSAGE = 'Check out the weather in Paris and write a poem about it.';

let recorder: SpanRecorder;
let fake: FakeOpenAI | undefined;
let server: AgentwsServer | undefined;

beforeAll(() => {
  recorder = recordSpans();
});

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  await fake?.close();
  server = undefined;
  fake = undefined;
  recorder.reset();
});

afterAll(() => recorder.stop());

/** Starts runServer with `onConnect`; resolves the first session's id once it started. */
async function start(onConnect: OnConnect): Promise<{ server: AgentwsServer; sessionId: Promise<string> }> {
  server = await runServer({
    port: 0,
    logger: silentLogger,
    onConnect,
    tracing: { agentName: 'chatbot', providerName: 'openai' },
  });
  const sessionId = new Promise<string>((resolve) => server!.endpoint.once('session-start', ({ id }) => resolve(id)));
  return { server, sessionId };
}

/** Resolves once the session's span has ended (when onConnect settles: a stopped run's may end after the close). */
function agentSpan(name = 'invoke_agent chatbot') {
  return recorder.ended(name);
}

describe('invoke_agent spans', () => {
  it("a seed session is one trace: invoke_agent, then its chats and tool call as the agent span's children", async () => {
    fake = await startFakeOpenAI({ replies: seedReplies() });
    const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test-0123456789' }];
    const { server, sessionId } = await start(createSeedOnConnect({ configList }));
    const client = await TestClient.open(server.uri);
    client.send(SEED_MESSAGE);
    expect(await client.closed).toBe(1000);
    const agent = await agentSpan();
    const id = await sessionId;

    expect(agent.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(agent)).toBeUndefined();
    expect(agent.status.code).toBe(SpanStatusCode.UNSET);
    expect(agent.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.conversation.id': id,
      'gen_ai.agent.name': 'chatbot',
      'gen_ai.provider.name': 'openai',
      'agentws.session.mode': 'text',
    });
    const children = recorder
      .spans()
      .filter((span) => span !== agent)
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(children.map((span) => span.name)).toEqual(['chat gpt-4', 'execute_tool weather_forecast', 'chat gpt-4']);
    for (const span of children) {
      expect(parentOf(span)).toBe(agent.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(agent.spanContext().traceId);
      expect(span.attributes['gen_ai.conversation.id']).toBe(id);
    }
    // The tool span names the call the model made (the id in the first reply's tool call).
    const toolCallId = fake.requests[1]!.body.messages.find((m) => m.role === 'tool')?.tool_call_id;
    expect(children[1]!.attributes['gen_ai.tool.call.id']).toBe(toolCallId);
    expect(children[0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(children[2]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('an onConnect that throws ends its span with error.type (the class), not its message', async () => {
    const { server } = await start(async (iostream) => {
      await iostream.input();
      throw new RangeError('a message that may quote the client');
    });
    const client = await TestClient.open(server.uri);
    client.send('hi');
    expect(await client.closed).toBe(1011);
    const agent = await agentSpan();
    expect(agent.attributes['error.type']).toBe('RangeError');
    expect(agent.status).toEqual({ code: SpanStatusCode.ERROR, message: 'onConnect ended with RangeError' });
  });

  it('a cancelled run ends the agent span and the open model request with ABORTED', async () => {
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    fake = await startFakeOpenAI({
      respond: () => {
        asked();
        return { hang: true };
      },
    });
    const configList = [{ model: 'gpt-4', base_url: fake.baseURL, api_key: 'sk-test-0123456789' }];
    const { server } = await start(createSeedOnConnect({ configList }));
    const client = await TestClient.open(server.uri, 'agentws.v1');
    const request = await client.waitForEvent('input_request');
    client.send({ type: 'input_response', id: (request.content as { id: string }).id, value: 'hi' });
    await requested;
    client.send({ type: 'cancel' });
    await client.closed;
    const agent = await agentSpan();
    expect(agent.attributes['error.type']).toBe('ABORTED');
    expect(agent.attributes['agentws.session.mode']).toBe('json');
    const [chat] = recorder.named('chat gpt-4');
    expect(chat!.attributes['error.type']).toBe('ABORTED');
    expect(parentOf(chat!)).toBe(agent.spanContext().spanId);
  });

  it('with attach(), observeOnConnect gives the same spans; without an agent name the span is invoke_agent', async () => {
    const httpServer: Server = createServer();
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const endpoint = attach(httpServer, {
      path: '/agents',
      logger: silentLogger,
      onConnect: observeOnConnect(async (iostream) => iostream.print(`echo: ${await iostream.input()}`)),
    });
    try {
      const { port } = httpServer.address() as { port: number };
      const client = await TestClient.open(`ws://127.0.0.1:${port}/agents`);
      client.send('hi');
      expect(await client.closed).toBe(1000);
      const agent = await agentSpan('invoke_agent');
      expect(agent.attributes).toEqual({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.conversation.id': expect.any(String),
        'agentws.session.mode': 'text',
      });
    } finally {
      await endpoint.close(0);
      httpServer.close();
    }
  });
});
