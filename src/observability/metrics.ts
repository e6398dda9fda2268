import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ResumeFailure } from '../protocol/events.js';
import type { SessionOutcome } from '../server/session-settings.js';
import type { WebsocketEndpoint } from '../server/websocket-endpoint.js';
import type { ModelCallRecord, RunObserver, ToolCallRecord } from './run-observer.js';
import type { SessionObserver } from './session-observer.js';

/** Options of {@link AgentwsMetrics}. */
export interface AgentwsMetricsOptions {
  /** Also collect Node's own metrics (`process_*`, `nodejs_*`: CPU, memory, GC, event-loop lag). [true] */
  defaultMetrics?: boolean;
}

/** Session outcomes that are a client frame (or frames) the session refused, ending it. */
const FATAL_FRAME_OUTCOMES: ReadonlySet<SessionOutcome> = new Set([
  'rate_limited',
  'invalid_data',
  'message_too_big',
  'protocol_error',
]);

const SESSION_SECONDS = [0.1, 0.5, 1, 5, 15, 60, 300, 1800, 7200];
const REQUEST_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const FIRST_TOKEN_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TOOL_SECONDS = [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120];

/**
 * A server's Prometheus metrics (prom-client, in a registry of their own): sessions, model requests, tool calls and
 * the client frames and consumers the server refused, plus Node's own. `runServer({ metrics: true })` makes one and
 * serves it at `GET /metrics`; its {@link registry} takes metrics of your own. Every instrument is updated once per
 * session, request or tool call, never per token.
 */
export class AgentwsMetrics implements RunObserver, SessionObserver {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  readonly #endpoints = new Set<Pick<WebsocketEndpoint, 'sessionCount'>>();
  readonly #detached = new Set<string>();
  readonly #started: Counter<'mode'>;
  readonly #ended: Counter<'outcome'>;
  readonly #sessionSeconds: Histogram<'outcome'>;
  readonly #resumes: Counter<'result'>;
  readonly #requests: Counter<'model' | 'outcome'>;
  readonly #requestSeconds: Histogram<'model' | 'outcome'>;
  readonly #firstToken: Histogram<'model'>;
  readonly #streamed: Counter<'model'>;
  readonly #usage: Counter<'model' | 'type'>;
  readonly #tools: Counter<'tool' | 'outcome'>;
  readonly #toolSeconds: Histogram<'tool'>;
  readonly #framesRejected: Counter<'reason'>;
  readonly #slowConsumers: Counter;

  constructor(options: AgentwsMetricsOptions = {}) {
    const registers = [this.registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the gauges' collect callbacks read this instance
    const metrics = this;
    new Gauge({
      name: 'agentws_sessions_live',
      help: 'Sessions running now (detached ones included).',
      registers,
      collect() {
        let live = 0;
        for (const endpoint of metrics.#endpoints) live += endpoint.sessionCount;
        this.set(live);
      },
    });
    this.#started = new Counter({
      name: 'agentws_sessions_started_total',
      help: 'Sessions started, by wire mode (text, json).',
      labelNames: ['mode'],
      registers,
    });
    this.#ended = new Counter({
      name: 'agentws_sessions_ended_total',
      help: 'Sessions ended, by outcome (completed, cancelled, disconnected, error, ...).',
      labelNames: ['outcome'],
      registers,
    });
    this.#sessionSeconds = new Histogram({
      name: 'agentws_session_duration_seconds',
      help: 'How long sessions ran, by outcome.',
      labelNames: ['outcome'],
      buckets: SESSION_SECONDS,
      registers,
    });
    new Gauge({
      name: 'agentws_sessions_detached',
      help: 'JSON sessions whose connection dropped and whose run goes on, waiting for a resume.',
      registers,
      collect() {
        this.set(metrics.#detached.size);
      },
    });
    this.#resumes = new Counter({
      name: 'agentws_session_resumes_total',
      help: 'Resumes, by result: resumed, or why refused (unknown_session, bad_token, expired, evicted).',
      labelNames: ['result'],
      registers,
    });
    this.#requests = new Counter({
      name: 'agentws_model_requests_total',
      help: 'Requests to a config entry, by model and outcome (ok, error, aborted, cached).',
      labelNames: ['model', 'outcome'],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: 'agentws_model_request_duration_seconds',
      help: 'Model request latency, from sending the request to the end of the response.',
      labelNames: ['model', 'outcome'],
      buckets: REQUEST_SECONDS,
      registers,
    });
    this.#firstToken = new Histogram({
      name: 'agentws_model_time_to_first_token_seconds',
      help: 'From sending a streamed request to the first delta of the reply or reasoning.',
      labelNames: ['model'],
      buckets: FIRST_TOKEN_SECONDS,
      registers,
    });
    this.#streamed = new Counter({
      name: 'agentws_model_streamed_tokens_total',
      help: 'Streamed deltas relayed to clients (stream and reasoning events), by model.',
      labelNames: ['model'],
      registers,
    });
    this.#usage = new Counter({
      name: 'agentws_model_usage_tokens_total',
      help: 'Tokens the model servers reported (or agentws estimated), by model and type (input, output).',
      labelNames: ['model', 'type'],
      registers,
    });
    this.#tools = new Counter({
      name: 'agentws_tool_calls_total',
      help: 'Tool calls run, by tool and outcome (ok, error, aborted).',
      labelNames: ['tool', 'outcome'],
      registers,
    });
    this.#toolSeconds = new Histogram({
      name: 'agentws_tool_call_duration_seconds',
      help: 'How long tool calls ran.',
      labelNames: ['tool'],
      buckets: TOOL_SECONDS,
      registers,
    });
    this.#framesRejected = new Counter({
      name: 'agentws_client_frames_rejected_total',
      help:
        'Client frames refused, by reason: invalid_frame (an error event, the session goes on), or rate_limited, ' +
        'invalid_data, message_too_big, protocol_error (the session was ended).',
      labelNames: ['reason'],
      registers,
    });
    this.#slowConsumers = new Counter({
      name: 'agentws_slow_consumers_dropped_total',
      help: 'Connections dropped because the client read too slowly (outcome slow_consumer).',
      registers,
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The `Content-Type` of {@link text}: Prometheus's text format. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in Prometheus's text format, as `/metrics` serves it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts the sessions of `endpoint` (its `session-start` and `session-end` events, its live sessions). */
  watch(endpoint: WebsocketEndpoint): this {
    this.#endpoints.add(endpoint);
    endpoint.on('session-start', ({ mode }) => this.#started.inc({ mode }));
    endpoint.on('session-end', ({ id, outcome, durationMs }) => {
      this.#detached.delete(id);
      this.#ended.inc({ outcome });
      this.#sessionSeconds.observe({ outcome }, durationMs / 1000);
      if (outcome === 'slow_consumer') this.#slowConsumers.inc();
      else if (FATAL_FRAME_OUTCOMES.has(outcome)) this.#framesRejected.inc({ reason: outcome });
    });
    return this;
  }

  modelCall(record: ModelCallRecord): void {
    const { model, outcome } = record;
    this.#requests.inc({ model, outcome });
    if (outcome !== 'cached') this.#requestSeconds.observe({ model, outcome }, record.seconds);
    if (record.firstTokenSeconds !== undefined) this.#firstToken.observe({ model }, record.firstTokenSeconds);
    if (record.streamed > 0) this.#streamed.inc({ model }, record.streamed);
    if (record.usage) {
      this.#usage.inc({ model, type: 'input' }, record.usage.input);
      this.#usage.inc({ model, type: 'output' }, record.usage.output);
    }
  }

  toolCall(record: ToolCallRecord): void {
    this.#tools.inc({ tool: record.tool, outcome: record.outcome });
    this.#toolSeconds.observe({ tool: record.tool }, record.seconds);
  }

  detached(sessionId: string): void {
    this.#detached.add(sessionId);
  }

  resumed(sessionId: string): void {
    this.#detached.delete(sessionId);
    this.#resumes.inc({ result: 'resumed' });
  }

  resumeRefused(reason: ResumeFailure): void {
    this.#resumes.inc({ result: reason });
  }

  frameRejected(reason: 'invalid_frame'): void {
    this.#framesRejected.inc({ reason });
  }
}
