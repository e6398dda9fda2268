import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AgentwsError } from '../errors.js';
import { VERSION } from '../version.js';

/**
 * agentws's spans follow the OpenTelemetry GenAI semantic conventions (status Development): `invoke_agent {agent}`
 * per session, `chat {model}` per model request, `execute_tool {tool}` per tool call. Through `@opentelemetry/api`
 * only: without a registered SDK every span is a no-op and costs next to nothing.
 */

/** The tracer of agentws's spans. A proxy until an SDK is registered, then that SDK's tracer. */
export const tracer: Tracer = trace.getTracer('agentws', VERSION);

/** The environment variable that turns on message content in spans (the conventions' opt-in; Python's name). */
export const CAPTURE_CONTENT_VARIABLE = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

/**
 * True when spans may carry message content (prompts, replies, tool arguments and results), which the conventions
 * leave off by default because it holds users' data. Read when a recording span needs it, so it costs nothing
 * without an SDK.
 */
export function captureContent(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[CAPTURE_CONTENT_VARIABLE]?.trim().toLowerCase() === 'true';
}

/**
 * The `error.type` of a failure, low in cardinality as the conventions ask: an agentws error's code
 * (`LLM_STREAM_CUT`, `ABORTED`, ...), an HTTP status from the model's API (`429`), else the error's class name
 * (`APIConnectionError`), else `_OTHER`.
 */
export function errorType(error: unknown): string {
  if (error instanceof AgentwsError) return error.code;
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && Number.isInteger(status)) return String(status);
  const name = error instanceof Error ? error.name : undefined;
  return name !== undefined && name !== '' && name !== 'Error' ? name : '_OTHER';
}

/** Marks `span` failed (`error.type` and an error status with `description`) and ends it. */
export function endFailed(span: Span, type: string, description: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: description });
  span.end();
}
