import { context, propagation, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';

/**
 * The OpenTelemetry SDK registered in this test process (each test file runs in a process of its own), with every
 * ended span kept in memory: what an application that registers an SDK gets from agentws.
 */
export interface SpanRecorder {
  /** Spans ended so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** The ended spans named `name`. */
  named(name: string): ReadableSpan[];
  /** Resolves with the first span named `name` once it has ended. */
  ended(name: string): Promise<ReadableSpan>;
  /** Forgets the spans so far. */
  reset(): void;
  /** Shuts the SDK down and unregisters it. */
  stop(): Promise<void>;
}

export function recordSpans(): SpanRecorder {
  const exporter = new InMemorySpanExporter();
  let waiters: Array<() => void> = [];
  const notify: SpanProcessor = {
    onStart: () => {},
    onEnd: () => {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), notify] });
  provider.register();
  const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
  return {
    spans: () => exporter.getFinishedSpans(),
    named,
    async ended(name) {
      for (;;) {
        const [span] = named(name);
        if (span) return span;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    reset: () => exporter.reset(),
    async stop() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The span's parent span id, or undefined for a root span. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
