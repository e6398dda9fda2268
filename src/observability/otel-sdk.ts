import { context, diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { ServerError } from '../errors.js';
import { safeUrl } from '../llm/config-list.js';
import type { Logger } from '../server/logger.js';
import { VERSION } from '../version.js';

/**
 * The OpenTelemetry SDK as `agentws serve` sets it up: spans exported over OTLP/HTTP, configured by the standard
 * `OTEL_*` environment variables. Only `serve` loads it (the library depends on `@opentelemetry/api` alone), and only
 * when an OTLP endpoint is set.
 */

/** The OTLP/HTTP encodings agentws exports in (the specification's names). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Tracing as started by {@link startTracing}. */
export interface Tracing {
  /** Where spans go (the traces endpoint, or the base endpoint the exporter adds `/v1/traces` to), without credentials. */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly serviceName: string;
  /** Exports the spans still buffered, then stops the SDK and unregisters it. Never rejects. */
  shutdown(): Promise<void>;
}

/** Distinct SDK warnings logged; past this, they are dropped (a collector that stays away must not flood the log). */
const MAX_DIAG_MESSAGES = 20;

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** The values of `OTEL_EXPORTER_OTLP_HEADERS` and `..._TRACES_HEADERS` (`k=v,k2=v2`): credentials, kept out of logs. */
export function otlpHeaderValues(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    for (const pair of (env[name] ?? '').split(',')) {
      const index = pair.indexOf('=');
      if (index === -1) continue;
      const raw = pair.slice(index + 1).trim();
      values.push(raw);
      try {
        values.push(decodeURIComponent(raw));
      } catch {
        // Not percent-encoded: the raw value is the one.
      }
    }
  }
  return values.filter((value) => value !== '');
}

/**
 * What the environment asks for: undefined when tracing stays off (no OTLP endpoint set, `OTEL_SDK_DISABLED=true`,
 * or `OTEL_TRACES_EXPORTER=none`). Throws `OPTION_INVALID` for a setting agentws cannot honour (gRPC, another
 * exporter), naming the variable and what to set instead.
 */
export function tracingSettings(
  env: NodeJS.ProcessEnv,
): { endpoint: string; protocol: OtlpProtocol; serviceName: string } | undefined {
  if (isTrue(env.OTEL_SDK_DISABLED)) return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (exporters.includes('none')) return undefined;
  const other = exporters.find((name) => name !== 'otlp');
  if (other !== undefined) {
    throw new ServerError(
      'OPTION_INVALID',
      `OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER}: agentws serve exports traces over OTLP only. ` +
        'Set OTEL_TRACES_EXPORTER=otlp (or unset it), or none to turn tracing off.',
    );
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const [variable, value] = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL]
    : ['OTEL_EXPORTER_OTLP_PROTOCOL', env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf'];
  const protocol = value.trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ServerError(
      'OPTION_INVALID',
      `${variable}=${value}: agentws serve exports traces over OTLP/HTTP. Set it to http/protobuf (the default) or ` +
        "http/json, and point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP port (usually 4318).",
    );
  }
  const serviceName =
    env.OTEL_SERVICE_NAME || /(?:^|,)\s*service\.name=([^,]+)/.exec(env.OTEL_RESOURCE_ATTRIBUTES ?? '')?.[1]?.trim();
  return { endpoint: safeUrl(endpoint), protocol, serviceName: serviceName || 'agentws' };
}

/** Passes the SDK's own warnings (a collector that cannot be reached, spans dropped) to the log, each once. */
function diagnostics(logger: Logger): DiagLogger {
  const seen = new Set<string>();
  const report = (message: string): void => {
    // Export failures come as a JSON-flattened error (message, stack, ...): its message is what says why.
    let text = message;
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (typeof parsed.message === 'string') text = parsed.message;
    } catch {
      // A plain message.
    }
    if (seen.has(text) || seen.size >= MAX_DIAG_MESSAGES) return;
    seen.add(text);
    logger.warn(`OpenTelemetry: ${text}`);
  };
  return { error: report, warn: report, info: () => {}, debug: () => {}, verbose: () => {} };
}

/**
 * Starts the OpenTelemetry SDK when the environment sets an OTLP endpoint: a Node tracer provider (AsyncLocalStorage
 * context, W3C propagation) with a batch span processor and the OTLP/HTTP exporter for the protocol asked for. The
 * SDK reads the other standard variables itself: `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`, `_TIMEOUT`, `_COMPRESSION`,
 * `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME` (default `agentws`).
 * Those are read from `process.env`, so `env` must be it (or agree with it). `logger` gets the SDK's warnings.
 */
export async function startTracing(env: NodeJS.ProcessEnv, logger: Logger): Promise<Tracing | undefined> {
  const settings = tracingSettings(env);
  if (settings === undefined) return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor }, resources, exporterModule] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    settings.protocol === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  diag.setLogger(diagnostics(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  // The environment's attributes (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) win over agentws's defaults.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': 'agentws', 'service.version': VERSION }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new exporterModule.OTLPTraceExporter())],
  });
  provider.register();
  let stopping: Promise<void> | undefined;
  return {
    ...settings,
    shutdown: () =>
      (stopping ??= provider
        .shutdown()
        .catch((error: unknown) => {
          logger.warn(
            `OpenTelemetry: could not export the last spans: ${error instanceof Error ? error.message : String(error)}`,
          );
        })
        .finally(() => {
          // Unregistered, so that spans after this are no-ops and another server in this process may register again.
          trace.disable();
          context.disable();
          propagation.disable();
          diag.disable();
        })),
  };
}
