import * as path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { keepOutOfCodeEnvironment } from '../agents/coding/child-environment.js';
import { describeConfig, type LlmConfigEntry } from '../llm/config-list.js';
import { providerName } from '../observability/model-call.js';
import { otlpHeaderValues, startTracing, type Tracing } from '../observability/otel-sdk.js';
import type { AgentwsServer } from '../server/agentws-server.js';
import { runServer } from '../server/agentws-server.js';
import type { EndpointOptions } from '../server/endpoint-options.js';
import { WebsocketEndpoint } from '../server/websocket-endpoint.js';
import type { InputTimeoutAction } from '../server/io-websockets.js';
import type { OnConnect, SessionOutcome } from '../server/session.js';
import { createRedactor, redactingLogger } from '../server/redact.js';
import { createWebPage } from '../server/web-page.js';
import { createSeedOnConnect } from '../seed/seed-on-connect.js';
import { RedisSessionStore } from '../store/redis-store.js';
import type { CliIO } from './cli-io.js';
import { onSignals, useColor } from './cli-io.js';
import type { CliLogger, LogFormat, LogLevel } from './cli-logger.js';
import { createCliLogger } from './cli-logger.js';
import { ExitCode, ExitError } from './exit-codes.js';
import { loadServeConfig } from './load-config.js';
import { loadOnConnect } from './load-on-connect.js';

/** Options of {@link serve} (the flags of `agentws serve`). */
export interface ServeOptions {
  port: number;
  host: string;
  config?: string;
  model?: string[];
  filter?: Array<[string, string]>;
  onConnect?: string;
  demo: boolean;
  level: LogLevel;
  color: boolean;
  /** `text` for people, `json` one object per line for log collectors. */
  logFormat: LogFormat;
  /** Serve Prometheus metrics at `/metrics`. */
  metrics: boolean;
  token?: string;
  allowOrigin?: string[];
  maxMessageSize?: number;
  maxSessions?: number;
  /** Seconds; 0 waits forever. */
  inputTimeout?: number;
  inputTimeoutAction: InputTimeoutAction;
  web: boolean;
  /** Seconds running sessions get on SIGINT/SIGTERM before they are closed with 1001. */
  shutdownGrace: number;
  /**
   * `both` (default): accept connections and run sessions; `front`: accept connections, hand JSON sessions to the
   * instances that run them (`--front-only`); `worker`: run sessions only, no listening (`agentws worker`).
   */
  role?: 'both' | 'front' | 'worker';
  /** Redis URL of the session store (default: `AGENTWS_STORE`, else in memory). */
  store?: string;
  /** Seconds a JSON session outlives its connection for a resume; 0 aborts on disconnect. */
  resumeWindow?: number;
  maxLogBytes?: number;
  /** Let agents run the code blocks they are sent (refused on a non-loopback host without a token). */
  allowCodeExecution: boolean;
}

/** The models `serve` uses, and where they came from. */
interface Models {
  configList: LlmConfigEntry[];
  source: string;
}

const DEMO_NOTICE = 'scripted demo model: the replies are scripted by agentws, not written by an LLM';

/** The scripted model, in-process: tokens paced so the page shows them arriving, as a real model's would. */
async function demoModels(): Promise<Models> {
  const { DemoChatModel } = await import('../testing/demo-chat-model.js');
  return {
    configList: [{ model: 'agentws-demo', model_client: new DemoChatModel({ tokenDelayMs: 40 }) }],
    source: 'demo',
  };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function paintOutcome(log: CliLogger, outcome: SessionOutcome): string {
  if (outcome === 'completed') return log.paint.green(outcome);
  if (outcome === 'error' || outcome === 'rate_limited' || outcome === 'slow_consumer') return log.paint.red(outcome);
  return log.paint.yellow(outcome);
}

/**
 * The page lines. With a token, the link that opens the page signed in carries it in its fragment: printed only to a
 * terminal, since a pipe's output ends up in CI logs and log collectors.
 */
function pageLines(log: CliLogger, server: AgentwsServer, options: ServeOptions, tty: boolean): string[] {
  const { paint } = log;
  const demo = options.demo ? paint.yellow('  (demo: scripted replies)') : '';
  if (options.token === undefined) return [`  page:   ${paint.cyan(server.url)}${demo}`];
  if (tty) return [`  page:   ${paint.cyan(`${server.url}#token=${options.token}`)}${demo}`];
  return [
    `  page:   ${paint.cyan(server.url)}${demo}`,
    '          (append #token=<your token> to the URL; the token is not printed because standard output is not a terminal)',
  ];
}

function printBanner(
  log: CliLogger,
  server: AgentwsServer,
  models: Models,
  agent: string,
  options: ServeOptions,
  tty: boolean,
  store: string | undefined,
  tracing: Tracing | undefined,
): void {
  const { paint } = log;
  log.info(`${paint.bold('agentws')} listening on ${paint.cyan(server.uri)}`, { uri: server.uri, url: server.url });
  if (options.web) for (const line of pageLines(log, server, options, tty)) log.info(line);
  if (models.configList.length === 0) log.info('  models: none configured (the module brings its own)');
  for (const entry of models.configList) log.info(`  model:  ${describeConfig(entry)}  (from ${models.source})`);
  if (options.demo) {
    log.info(paint.yellow(`  note:   ${DEMO_NOTICE}. Set OPENAI_API_KEY or OAI_CONFIG_LIST for a real model.`));
  }
  log.info(`  agent:  ${agent}`);
  if (store !== undefined) log.info(`  store:  ${store} (session logs in Redis, resumable through any instance)`);
  if (server.metrics !== undefined) {
    const auth = options.token === undefined ? '' : ' (Authorization: Bearer <token>)';
    log.info(`  metrics: ${paint.cyan(`${server.url}metrics`)}${auth}`);
  }
  if (tracing !== undefined) {
    log.info(`  traces: OTLP ${tracing.protocol} to ${tracing.endpoint} (service ${tracing.serviceName})`);
  }
  if (options.token !== undefined) {
    log.info('  auth:   token required (Authorization: Bearer <token>; the page takes it as #token=<token>)');
  }
  if (options.allowCodeExecution) log.info(paint.red.bold('  code:   CODE EXECUTION ALLOWED (--allow-code-execution)'));
  log.info(paint.gray('Press Ctrl-C to stop.'));
}

/**
 * `agentws serve`: loads `.env`, the models and the agent, starts the server, logs sessions, and on SIGINT/SIGTERM
 * stops taking sessions, gives running ones the grace period, closes them with 1001 and resolves 0. Errors before
 * listening reject (config → 3, port → 4, module → 5; see exit-codes.ts).
 */
export async function serve(options: ServeOptions, io: CliIO): Promise<number> {
  loadDotenv({ path: path.join(io.cwd, '.env'), processEnv: io.env as Record<string, string>, quiet: true });
  const json = options.logFormat === 'json';
  const log = createCliLogger({
    level: options.level,
    stdout: io.stdout,
    stderr: io.stderr,
    color: !json && options.color && useColor(io.stdout, io.env),
    format: options.logFormat,
  });
  const token = options.token ?? (io.env.AGENTWS_TOKEN || undefined);

  const models: Models = options.demo
    ? await demoModels()
    : loadServeConfig({
        config: options.config,
        models: options.model,
        filters: options.filter,
        env: io.env,
        cwd: io.cwd,
        required: options.onConnect === undefined,
      });
  const { onConnect, agent, agentName } = await chooseAgent(options, models.configList, io, log);
  // The exporter's headers may hold a collector's API key: kept out of the SDK's warnings.
  const tracing = await startTracing(io.env, redactingLogger(log, createRedactor(otlpHeaderValues(io.env))));
  if (options.allowCodeExecution) {
    keepOutOfCodeEnvironment([token, ...models.configList.map((entry) => entry.api_key)]);
  }
  const storeUrl = options.store ?? (io.env.AGENTWS_STORE || undefined);
  const role = options.role ?? 'both';
  if (role !== 'both' && storeUrl === undefined) {
    const what = role === 'worker' ? 'agentws worker' : 'serve --front-only';
    throw new ExitError(ExitCode.USAGE, `${what} needs a shared store: give --store redis://… (or AGENTWS_STORE).`);
  }
  let store: RedisSessionStore | undefined;
  let server: Runner;
  try {
    store = storeUrl === undefined ? undefined : await RedisSessionStore.connect(storeUrl, { logger: log });
    const common = {
      onConnect,
      maxSessions: options.maxSessions,
      inputTimeoutMs: inputTimeoutMs(options.inputTimeout),
      inputTimeoutAction: options.inputTimeoutAction,
      shutdownGraceMs: Math.round(options.shutdownGrace * 1000),
      resumeWindowMs: options.resumeWindow === undefined ? undefined : Math.round(options.resumeWindow * 1000),
      store,
      allowCodeExecution: options.allowCodeExecution,
      logger: log,
      // Whatever they look like: keys without the `sk-` shape are caught by value only.
      secrets: models.configList.flatMap((entry) => (entry.api_key === undefined ? [] : [entry.api_key])),
    };
    server =
      role === 'worker'
        ? worker(common)
        : await runServer({
            ...common,
            frontOnly: role === 'front',
            host: options.host,
            port: options.port,
            token,
            allowOrigins: options.allowOrigin,
            maxMessageSize: options.maxMessageSize,
            maxLogBytes: options.maxLogBytes,
            web: options.web ? createWebPage({ demo: options.demo }) : false,
            metrics: options.metrics,
            tracing: {
              agentName,
              providerName: models.configList[0] === undefined ? undefined : providerName(models.configList[0]),
            },
          });
  } catch (error) {
    await store?.close();
    await tracing?.shutdown();
    throw error;
  }
  const openStore = store;
  /** After the server: the store's connection, then the spans still buffered (those of the last sessions). */
  const cleanUp = async (): Promise<void> => {
    await openStore?.close();
    await tracing?.shutdown();
  };

  server.endpoint.on('session-start', ({ id, mode }) =>
    log.info(`session ${id.slice(0, 8)} started (${mode} mode)`, { session: id, mode }),
  );
  server.endpoint.on('session-end', ({ id, outcome, durationMs }) =>
    log.info(`session ${id.slice(0, 8)} ended: ${paintOutcome(log, outcome)} after ${seconds(durationMs)}`, {
      session: id,
      outcome,
      duration_ms: Math.round(durationMs),
    }),
  );
  // Signal handlers go in before the banner: a script that sees "listening on" may signal at once, and a signal
  // arriving with no handler would kill the process instead of stopping it gracefully.
  const stopped = untilStopped(server, cleanUp, options, io, log);
  // A JSON log goes to a collector: like a pipe, it never gets the token.
  const tty = io.stdout.isTTY === true && !json;
  if ('url' in server) printBanner(log, server, models, agent, { ...options, token }, tty, store?.where, tracing);
  else printWorkerBanner(log, models, agent, store!.where);
  if (options.allowCodeExecution) {
    log.warn(
      `code execution is ON: agents whose codeExecutionConfig enables it run the code blocks they are sent, on this ` +
        `machine as the user running agentws, for anyone who can open a session` +
        (token === undefined ? '' : ' with the token') +
        `. Secrets are removed from the code's environment, but it can read what this user can. See docs/code-execution.md.`,
    );
  }
  return stopped;
}

/** What `serve` and `worker` stop: a server, or a worker's endpoint. */
type Runner = AgentwsServer | Pick<AgentwsServer, 'endpoint' | 'sessionCount' | 'close'>;

/**
 * `agentws worker`: an endpoint that accepts no connection and runs the durable sessions it claims from the store
 * (handed over by front-only instances, or given back by instances that stopped or died).
 */
function worker(options: EndpointOptions): Runner {
  const endpoint = new WebsocketEndpoint(options);
  return {
    endpoint,
    get sessionCount() {
      return endpoint.sessionCount;
    },
    close: () => endpoint.close(),
  };
}

function printWorkerBanner(log: CliLogger, models: Models, agent: string, store: string): void {
  log.info(`agentws worker running sessions from ${store}`);
  if (models.configList.length === 0) log.info('  models: none configured (the module brings its own)');
  for (const entry of models.configList) log.info(`  model:  ${describeConfig(entry)}  (from ${models.source})`);
  log.info(`  agent:  ${agent}`);
  log.info(log.paint.gray('Press Ctrl-C to stop (its sessions go on on the other instances).'));
}

/** `--input-timeout` seconds as the server's option: 0 waits forever (null). */
function inputTimeoutMs(secondsValue: number | undefined): number | null | undefined {
  if (secondsValue === undefined) return undefined;
  return secondsValue === 0 ? null : secondsValue * 1000;
}

/**
 * The user's module (`--on-connect`), or the seed's agents; `agentName` names the sessions' spans (`invoke_agent
 * chatbot`, or the module's file name).
 */
async function chooseAgent(
  options: ServeOptions,
  configList: LlmConfigEntry[],
  io: CliIO,
  log: CliLogger,
): Promise<{ onConnect: OnConnect; agent: string; agentName: string }> {
  if (options.onConnect === undefined) {
    return {
      onConnect: createSeedOnConnect({ configList, logger: log }),
      agent: "the seed's chatbot (weather_forecast tool, streaming) and user_proxy (NEVER, ends on TERMINATE)",
      agentName: 'chatbot',
    };
  }
  const userOnConnect = await loadOnConnect(options.onConnect, io.cwd);
  const context = { configList };
  return {
    onConnect: (iostream) => userOnConnect(iostream, context),
    agent: `onConnect from ${options.onConnect}`,
    agentName: path.basename(options.onConnect).replace(/\.[cm]?[jt]s$/, ''),
  };
}

/** Resolves with the exit code once SIGINT/SIGTERM stopped the server (0), or a second signal cut it short (130). */
function untilStopped(
  server: Runner,
  cleanUp: () => Promise<void>,
  options: ServeOptions,
  io: CliIO,
  log: CliLogger,
): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stopSignals = onSignals(io, ['SIGINT', 'SIGTERM'], (signal) => {
      if (stopping) {
        log.warn(`${signal} again: stopping at once`);
        stopSignals();
        resolve(ExitCode.INTERRUPTED);
        return;
      }
      stopping = true;
      const running = server.sessionCount;
      log.info(
        `${signal}: stopping. No new sessions` +
          (running > 0
            ? `; ${running} running session(s) get ${options.shutdownGrace} s to finish (Ctrl-C again to stop at once).`
            : '.'),
      );
      void server
        .close()
        .then(cleanUp)
        .then(() => {
          stopSignals();
          log.info('stopped');
          resolve(ExitCode.OK);
        });
    });
  });
}
