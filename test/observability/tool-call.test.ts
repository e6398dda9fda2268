import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError } from '../../src/errors.js';
import { observeRun, type ToolCallRecord } from '../../src/observability/run-observer.js';
import { observeToolCall } from '../../src/observability/tool-call.js';
import { CAPTURE_CONTENT_VARIABLE, tracer } from '../../src/observability/tracing.js';
import type { ToolCall } from '../../src/protocol/events.js';
import { CapturingIOStream } from '../agents/capturing-iostream.js';
import { parentOf, recordSpans, type SpanRecorder } from '../helpers/span-recorder.js';

// Each tool call that runs is an `execute_tool {tool}` INTERNAL span with the call's id, and a record for the run's
// metrics; a failure is the tool's error, passed on unchanged.

let recorder: SpanRecorder;

beforeAll(() => {
  recorder = recordSpans();
});

beforeEach(() => {
  delete process.env[CAPTURE_CONTENT_VARIABLE];
});

afterEach(() => recorder.reset());

afterAll(() => recorder.stop());

const call: ToolCall = {
  id: 'call_abc',
  type: 'function',
  function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' },
};
const tool = { name: 'weather_forecast', description: 'Weather forecast for a city' };

/** A stream whose run reports tool calls to `records`. */
function observedStream(records: ToolCallRecord[]): CapturingIOStream {
  const stream = new CapturingIOStream();
  observeRun(stream, {
    conversationId: 'session-9',
    observer: { modelCall: () => {}, toolCall: (r) => records.push(r) },
  });
  return stream;
}

describe('execute_tool spans', () => {
  it('a call that returns is one INTERNAL span with the tool, the call id and the conversation; no content', async () => {
    const records: ToolCallRecord[] = [];
    const result = await observeToolCall(call, tool, observedStream(records), async () => 'sunny');

    expect(result).toBe('sunny');
    const [span, ...others] = recorder.spans();
    expect(others).toEqual([]);
    expect(span!.name).toBe('execute_tool weather_forecast');
    expect(span!.kind).toBe(SpanKind.INTERNAL);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'weather_forecast',
      'gen_ai.tool.call.id': 'call_abc',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'Weather forecast for a city',
      'gen_ai.conversation.id': 'session-9',
    });
    expect(records).toEqual([{ tool: 'weather_forecast', outcome: 'ok', seconds: expect.any(Number) }]);
  });

  it('a tool that throws: its error passes through, the span has error.type (the class) and no message text', async () => {
    const records: ToolCallRecord[] = [];
    const thrown = new TypeError('secret detail from the tool');
    const error = await observeToolCall(call, tool, observedStream(records), async () => {
      throw thrown;
    }).catch((e: unknown) => e);

    expect(error).toBe(thrown);
    const [span] = recorder.spans();
    expect(span!.attributes['error.type']).toBe('TypeError');
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the tool threw' });
    expect(records.map((r) => r.outcome)).toEqual(['error']);
  });

  it('a run stopped during the call: error.type ABORTED, outcome aborted', async () => {
    const records: ToolCallRecord[] = [];
    await expect(
      observeToolCall(call, tool, observedStream(records), () => Promise.reject(new AbortedError())),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(recorder.spans()[0]!.attributes['error.type']).toBe('ABORTED');
    expect(records.map((r) => r.outcome)).toEqual(['aborted']);
  });

  it('with message content on, the arguments and the result (or the error message) are on the span', async () => {
    process.env[CAPTURE_CONTENT_VARIABLE] = 'true';
    const stream = new CapturingIOStream();
    await observeToolCall(call, tool, stream, async () => 'sunny');
    await observeToolCall(call, tool, stream, async () => {
      throw new Error('no such city');
    }).catch(() => {});

    const [ok, failed] = recorder.spans();
    expect(ok!.attributes['gen_ai.tool.call.arguments']).toBe('{"city":"Paris"}');
    expect(ok!.attributes['gen_ai.tool.call.result']).toBe('sunny');
    expect(ok!.attributes).not.toHaveProperty('gen_ai.conversation.id'); // not in a server's session
    expect(failed!.status.message).toBe('no such city');
    expect(failed!.attributes['error.type']).toBe('_OTHER');
  });

  it("spans the tool makes are the call's children", async () => {
    await observeToolCall(call, tool, new CapturingIOStream(), async () => {
      tracer.startSpan('lookup city').end();
      return 'sunny';
    });
    const inner = recorder.named('lookup city')[0]!;
    const outer = recorder.named('execute_tool weather_forecast')[0]!;
    expect(parentOf(inner)).toBe(outer.spanContext().spanId);
  });
});
