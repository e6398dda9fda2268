import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import type { IOWebsockets } from '../server/io-websockets.js';
import type { OnConnect } from '../server/session-settings.js';
import { observeRun, type RunObserver } from './run-observer.js';
import { endFailed, errorType, tracer } from './tracing.js';

/** Options of {@link observeOnConnect}. */
export interface ObserveOnConnectOptions {
  /** `gen_ai.agent.name`: each session is an `invoke_agent {agentName}` span. [none: the span is `invoke_agent`] */
  agentName?: string;
  /** `gen_ai.provider.name` of the agent's models, such as `openai`. [none] */
  providerName?: string;
  /** Where the session's model requests and tool calls are counted (a server's metrics). [none] */
  observer?: RunObserver;
}

/**
 * Wraps an `onConnect` so that each session is an `invoke_agent` span (INTERNAL, `gen_ai.conversation.id` = the
 * session id) with its model requests and tool calls as child spans, and those report to `observer`. `runServer`
 * does this by itself; use it with `attach()`. Costs next to nothing without an OpenTelemetry SDK.
 * @example const endpoint = attach(server, { onConnect: observeOnConnect(onConnect, { agentName: 'assistant' }) });
 */
export function observeOnConnect(onConnect: OnConnect, options: ObserveOnConnectOptions = {}): OnConnect {
  const { agentName, providerName, observer } = options;
  const name = agentName === undefined ? 'invoke_agent' : `invoke_agent ${agentName}`;
  return (iostream: IOWebsockets) => {
    observeRun(iostream, { conversationId: iostream.id, observer });
    const attributes: Attributes = { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': iostream.id };
    if (agentName !== undefined) attributes['gen_ai.agent.name'] = agentName;
    if (providerName !== undefined) attributes['gen_ai.provider.name'] = providerName;
    attributes['agentws.session.mode'] = iostream.mode;
    const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes });
    return context.with(trace.setSpan(context.active(), span), async () => {
      try {
        const result: unknown = await onConnect(iostream);
        span.end();
        return result;
      } catch (error) {
        // The message may quote a client or a model: the session reports it, scrubbed; the span keeps the class.
        const type = errorType(error);
        endFailed(span, type, `onConnect ended with ${type}`);
        throw error;
      }
    });
  };
}
