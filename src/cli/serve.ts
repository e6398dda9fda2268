import * as path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { keepOutOfCodeEnvironment } from '../agents/coding/child-environment.js';
import { describeConfig, type LlmConfigEntry } from '../llm/config-list.js';
import type { AgentwsServer } from '../server/agentws-server.js';
import { runServer } from '../server/agentws-server.js';
import type { InputTimeoutAction } from '../server/io-websockets.js';
import type { OnConnect, SessionOutcome } from '../server/session.js';
import { createWebPage } from '../server/web-page.js';
import { createSeedOnConnect } from '../seed/seed-on-connect.js';
import { RedisSessionStore } from '../store/redis-store.js';
import type { CliIO } from './cli-io.js';
import { onSignals, useColor } from './cli-io.js';
import type { CliLogger, LogLevel } from './cli-logger.js';
import { createCliLogger } from './cli-logger.js';
import { ExitCode } from './exit-codes.js';
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
): void {
  const { paint } = log;
  log.info(`${paint.bold('agentws')} listening on ${paint.cyan(server.uri)}`);
  if (options.web) for (const line of pageLines(log, server, options, tty)) log.info(line);
  if (models.configList.length === 0) log.info('  models: none configured (the module brings its own)');
  for (const entry of models.configList) log.info(`  model:  ${describeConfig(entry)}  (from ${models.source})`);
  if (options.demo) {
    log.info(paint.yellow(`  note:   ${DEMO_NOTICE}. Set OPENAI_API_KEY or OAI_CONFIG_LIST for a real model.`));
  }
  log.info(`  agent:  ${agent}`);
  if (store !== undefined) log.info(`  store:  ${store} (session logs in Redis, resumable through any instance)`);
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
  const log = createCliLogger({
    level: options.level,
    stdout: io.stdout,
    stderr: io.stderr,
    color: options.color && useColor(io.stdout, io.env),
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
  const { onConnect, agent } = await chooseAgent(options, models.configList, io, log);
  const storeUrl = options.store ?? (io.env.AGENTWS_STORE || undefined);
  const store = storeUrl === undefined ? undefined : await RedisSessionStore.connect(storeUrl, { logger: log });
  if (options.allowCodeExecution) {
    keepOutOfCodeEnvironment([token, ...models.configList.map((entry) => entry.api_key)]);
  }
  let server: AgentwsServer;
  try {
    server = await runServer({
      host: options.host,
      port: options.port,
      onConnect,
      token,
      allowOrigins: options.allowOrigin,
      maxMessageSize: options.maxMessageSize,
      maxSessions: options.maxSessions,
      inputTimeoutMs: inputTimeoutMs(options.inputTimeout),
      inputTimeoutAction: options.inputTimeoutAction,
      shutdownGraceMs: Math.round(options.shutdownGrace * 1000),
      resumeWindowMs: options.resumeWindow === undefined ? undefined : Math.round(options.resumeWindow * 1000),
      maxLogBytes: options.maxLogBytes,
      store,
      allowCodeExecution: options.allowCodeExecution,
      web: options.web ? createWebPage({ demo: options.demo }) : false,
      logger: log,
      // Whatever they look like: keys without the `sk-` shape are caught by value only.
      secrets: models.configList.flatMap((entry) => (entry.api_key === undefined ? [] : [entry.api_key])),
    });
  } catch (error) {
    await store?.close();
    throw error;
  }
  const closeStore = async (): Promise<void> => {
    await store?.close();
  };

  server.endpoint.on('session-start', ({ id, mode }) => log.info(`session ${id.slice(0, 8)} started (${mode} mode)`));
  server.endpoint.on('session-end', ({ id, outcome, durationMs }) =>
    log.info(`session ${id.slice(0, 8)} ended: ${paintOutcome(log, outcome)} after ${seconds(durationMs)}`),
  );
  // Signal handlers go in before the banner: a script that sees "listening on" may signal at once, and a signal
  // arriving with no handler would kill the process instead of stopping it gracefully.
  const stopped = untilStopped(server, closeStore, options, io, log);
  printBanner(log, server, models, agent, { ...options, token }, io.stdout.isTTY === true, store?.where);
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

/** `--input-timeout` seconds as the server's option: 0 waits forever (null). */
function inputTimeoutMs(secondsValue: number | undefined): number | null | undefined {
  if (secondsValue === undefined) return undefined;
  return secondsValue === 0 ? null : secondsValue * 1000;
}

/** The user's module (`--on-connect`), or the seed's agents. */
async function chooseAgent(
  options: ServeOptions,
  configList: LlmConfigEntry[],
  io: CliIO,
  log: CliLogger,
): Promise<{ onConnect: OnConnect; agent: string }> {
  if (options.onConnect === undefined) {
    return {
      onConnect: createSeedOnConnect({ configList, logger: log }),
      agent: "the seed's chatbot (weather_forecast tool, streaming) and user_proxy (NEVER, ends on TERMINATE)",
    };
  }
  const userOnConnect = await loadOnConnect(options.onConnect, io.cwd);
  const context = { configList };
  return { onConnect: (iostream) => userOnConnect(iostream, context), agent: `onConnect from ${options.onConnect}` };
}

/** Resolves with the exit code once SIGINT/SIGTERM stopped the server (0), or a second signal cut it short (130). */
function untilStopped(
  server: AgentwsServer,
  closeStore: () => Promise<void>,
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
        .then(closeStore)
        .then(() => {
          stopSignals();
          log.info('stopped');
          resolve(ExitCode.OK);
        });
    });
  });
}
