import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { AbortedError } from '../errors.js';
import type { IOStream } from '../io/iostream.js';
import type { ToolCall } from '../protocol/events.js';
import { runInfoOf, type ToolCallOutcome } from './run-observer.js';
import { captureContent, endFailed, errorType, tracer } from './tracing.js';

/** What {@link observeToolCall} needs of the tool. */
export interface ObservedTool {
  readonly name: string;
  readonly description: string;
}

/**
 * Runs one tool call as an `execute_tool {tool}` span (INTERNAL, with `gen_ai.tool.call.id`; arguments and result
 * only when message content is captured) and counts it in the run's metrics. `run` is the call itself: its
 * rejection is the tool's failure (`error.type` is the error's class, or `ABORTED` when the run was stopped) and is
 * passed on unchanged.
 */
export async function observeToolCall(
  call: ToolCall,
  tool: ObservedTool,
  iostream: IOStream,
  run: () => Promise<string>,
): Promise<string> {
  const info = runInfoOf(iostream);
  const attributes: Attributes = {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': tool.name,
    'gen_ai.tool.call.id': call.id,
    'gen_ai.tool.type': 'function',
    'gen_ai.tool.description': tool.description,
  };
  if (info) attributes['gen_ai.conversation.id'] = info.conversationId;
  const span = tracer.startSpan(`execute_tool ${tool.name}`, { kind: SpanKind.INTERNAL, attributes });
  const capture = span.isRecording() && captureContent();
  if (capture) span.setAttribute('gen_ai.tool.call.arguments', call.function.arguments);
  const startedAt = performance.now();
  let outcome: ToolCallOutcome = 'ok';
  try {
    const result = await context.with(trace.setSpan(context.active(), span), run);
    if (capture) span.setAttribute('gen_ai.tool.call.result', result);
    span.end();
    return result;
  } catch (error) {
    outcome = error instanceof AbortedError ? 'aborted' : 'error';
    // The message is the tool's own text, which the model gets anyway: it stays in the span only with content on.
    endFailed(
      span,
      errorType(error),
      capture && error instanceof Error ? error.message : `the tool ${outcome === 'aborted' ? 'was stopped' : 'threw'}`,
    );
    throw error;
  } finally {
    info?.observer?.toolCall({ tool: tool.name, outcome, seconds: (performance.now() - startedAt) / 1000 });
  }
}
