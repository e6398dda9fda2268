import { Command, Option } from 'commander';
import { VERSION } from '../version.js';
import type { CliIO } from './cli-io.js';
import { DEFAULT_URL } from './connect-target.js';
import { ExitCode } from './exit-codes.js';
import { bytes, collect, integer, keyValue, seconds } from './parse-options.js';

/** What the program's actions leave for `main`: their exit code, whether to show stack traces, what EPIPE means. */
export interface CliState {
  exitCode: number;
  verbose: boolean;
  /**
   * When stdout's reader goes away: `'exit'` 0 (connect: nobody reads the conversation any more, as `| head`
   * expects), or `'ignore'` (serve: it goes on serving; its logger stops writing to stdout and says so on stderr).
   */
  onStdoutGone: 'exit' | 'ignore';
}

/** The state before any action ran. */
export function initialState(): CliState {
  return { exitCode: ExitCode.OK, verbose: false, onStdoutGone: 'exit' };
}

const EXIT_CODES_HELP = `
Exit codes:
  0   finished normally (serve: stopped by SIGINT/SIGTERM; connect: the run completed)
  1   unexpected internal error
  2   usage error (bad flag, argument or value; no message; an OTEL_* setting serve cannot honour)
  3   config error (config list missing or invalid, no model, filter matched nothing)
  4   serve cannot listen (port in use, address not available)
  5   serve --on-connect module not found, failed to load, or has no onConnect export
  6   serve --store: Redis cannot be reached
  10  connect cannot connect (refused, host not found, HTTP 401/403/404/503 at the upgrade),
      or a dropped session was not resumed within the server's resume window
  11  connect timed out (no frame from the server for --timeout seconds)
  12  connect: server error or abnormal close (fatal error event, 1011, 1008, 1009, 1006 not resumed)
  13  connect: run stopped before completing (cancelled, server shutdown, input timeout)
  14  connect: a dropped session could not be resumed (the server no longer has it, or it was taken over)
  130 a second Ctrl-C stopped at once`;

const SERVE_EXAMPLES = `
Examples:
  $ agentws serve --demo                                   # no key needed: scripted replies
  $ OPENAI_API_KEY=sk-... agentws serve --model gpt-4o-mini
  $ agentws serve --config OAI_CONFIG_LIST --filter tags=local   # e.g. Ollama via base_url
  $ agentws serve --on-connect ./my-agent.ts --port 0
  $ AGENTWS_TOKEN=$(openssl rand -hex 16) agentws serve --host 0.0.0.0

Models: --config names an environment variable holding JSON or a file path, or a file
(AutoGen's config_list_from_json); without one, OPENAI_API_KEY (+ OPENAI_BASE_URL) is used.
.env in the working directory is loaded first.`;

const CONNECT_EXAMPLES = `
Examples:
  $ agentws connect ws://127.0.0.1:8765 "Check out the weather in Paris and write a poem about it."
  $ agentws connect "Hi"                                # one argument that is not a url: the message
  $ echo "What is 2+2?" | agentws connect              # stdin: first line = message, later lines = answers
  $ printf 'Hi\\nAnd in Rome?\\n' | agentws connect      # lines left after the answers: follow-up messages
  $ agentws connect --json ws://127.0.0.1:8765 "Hi" | jq -j 'select(.type=="stream") | .content.content'

At a terminal (or with --interactive), after each chat you are asked for the next message; an empty line ends.
A dropped connection is resumed (a line on stderr says so) unless --no-reconnect.
Standard output gets the conversation (or, with --json, one JSON frame per line); status and errors go to stderr.`;

/**
 * Builds the `agentws` commander program. Parsing never exits the process (`exitOverride`): errors are thrown for
 * `main` to map to exit codes, and actions are imported only when run, so `--help` and `--version` stay fast.
 */
export function createProgram(io: CliIO, state: CliState): Command {
  const program = new Command('agentws');
  program
    .description("LLM agents behind a websocket: AutoGen's IOStream/IOWebsockets in TypeScript.")
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .hook('preAction', (_program, action) => {
      state.verbose = action.opts().verbose === true;
    });

  program
    .command('serve')
    .description('serve agents over websocket (and the web chat page) on one port')
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one', integer(0, 65535), 8765)
    .option('-H, --host <host>', 'interface to bind (a non-loopback address needs --token)', '127.0.0.1')
    .option(
      '-c, --config <env-or-file>',
      'config list: environment variable (JSON or path) or file [default: OAI_CONFIG_LIST]',
    )
    .option('-m, --model <name>', 'use config entries with this model (repeatable)', collect)
    .option(
      '-f, --filter <key=value>',
      'use config entries whose key has this value, e.g. tags=local (repeatable)',
      keyValue,
    )
    .option(
      '--on-connect <module>',
      "run this module's default (or onConnect) export per connection (.js .mjs .cjs .ts .mts .cts)",
    )
    .option('--demo', 'use the bundled scripted model: no API key needed, replies are not from an LLM')
    .option('--token <token>', 'require this token from clients (default: $AGENTWS_TOKEN)')
    .option('--allow-origin <origin...>', "browser origins allowed besides the server's own ('*' allows any)")
    .option('--max-message-size <bytes>', 'largest client frame: 1048576, 512k, 1m (default: 1m)', bytes)
    .option('--max-sessions <n>', 'concurrent sessions; more are refused with 503 (default: 1000)', integer(1))
    .option(
      '--input-timeout <seconds>',
      'how long an input request waits for the client; 0 waits forever (default: 1800)',
      seconds,
    )
    .addOption(
      new Option('--input-timeout-action <action>', 'on input timeout: end the run, or answer empty')
        .choices(['end', 'empty'])
        .default('end'),
    )
    .option(
      '--resume-window <seconds>',
      'JSON sessions outlive a dropped connection this long, for the client to resume; 0 aborts on disconnect (default: 120)',
      seconds,
    )
    .option('--max-log-bytes <bytes>', 'events kept per session for resume: 8388608, 512k, 8m (default: 8m)', bytes)
    .option(
      '--store <url>',
      'keep sessions in Redis, resumable through any instance: redis://host:port[/db] (default: $AGENTWS_STORE, else memory)',
    )
    .option('--front-only', 'with --store: run no JSON session here, hand them to `agentws worker`s through Redis')
    .option(
      '--shutdown-grace <seconds>',
      'on SIGINT/SIGTERM, time running sessions get before closing with 1001',
      seconds,
      5,
    )
    .option(
      '--allow-code-execution',
      'let agents run the code blocks they are sent, on this machine (needs --token off loopback)',
    )
    .option('--no-web', 'do not serve the web chat page')
    .option('--no-metrics', 'do not serve Prometheus metrics at /metrics')
    .addOption(
      new Option('--log-format <format>', 'log lines as text (for people) or json (one object per line)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(new Option('-q, --quiet', 'print errors only').conflicts('verbose'))
    .option('--verbose', 'print more: debug lines, stack traces')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', SERVE_EXAMPLES + '\n' + EXIT_CODES_HELP)
    .action(async (opts: Record<string, unknown>) => {
      // A server must outlive the pipe its logs go to (a supervisor would take exit 0 for a clean stop).
      state.onStdoutGone = 'ignore';
      const { serve } = await import('./serve.js');
      state.exitCode = await serve(
        {
          port: opts.port as number,
          host: opts.host as string,
          config: opts.config as string | undefined,
          model: opts.model as string[] | undefined,
          filter: opts.filter as Array<[string, string]> | undefined,
          onConnect: opts.onConnect as string | undefined,
          demo: opts.demo === true,
          level: opts.quiet ? 'quiet' : opts.verbose ? 'verbose' : 'normal',
          color: opts.color !== false,
          logFormat: opts.logFormat as 'text' | 'json',
          metrics: opts.metrics !== false,
          token: opts.token as string | undefined,
          allowOrigin: opts.allowOrigin as string[] | undefined,
          maxMessageSize: opts.maxMessageSize as number | undefined,
          maxSessions: opts.maxSessions as number | undefined,
          inputTimeout: opts.inputTimeout as number | undefined,
          inputTimeoutAction: opts.inputTimeoutAction as 'end' | 'empty',
          web: opts.web !== false,
          shutdownGrace: opts.shutdownGrace as number,
          resumeWindow: opts.resumeWindow as number | undefined,
          maxLogBytes: opts.maxLogBytes as number | undefined,
          store: opts.store as string | undefined,
          role: opts.frontOnly === true ? 'front' : 'both',
          allowCodeExecution: opts.allowCodeExecution === true,
        },
        io,
      );
    });

  program
    .command('worker')
    .description('run agent sessions from a Redis store, accepting no connection (behind `serve --front-only`)')
    .option('--store <url>', 'the Redis store the fronts use: redis://host:port[/db] (default: $AGENTWS_STORE)')
    .option(
      '-c, --config <env-or-file>',
      'config list: environment variable (JSON or path) or file [default: OAI_CONFIG_LIST]',
    )
    .option('-m, --model <name>', 'use config entries with this model (repeatable)', collect)
    .option('-f, --filter <key=value>', 'use config entries whose key has this value (repeatable)', keyValue)
    .option('--on-connect <module>', "run this module's default (or onConnect) export per session")
    .option('--demo', 'use the bundled scripted model: no API key needed, replies are not from an LLM')
    .option('--max-sessions <n>', 'concurrent sessions this worker runs (default: 1000)', integer(1))
    .option('--input-timeout <seconds>', 'how long an input request waits; 0 waits forever (default: 1800)', seconds)
    .addOption(
      new Option('--input-timeout-action <action>', 'on input timeout: end the run, or answer empty')
        .choices(['end', 'empty'])
        .default('end'),
    )
    .option('--resume-window <seconds>', 'how long a session waits for its client to come back (default: 120)', seconds)
    .option('--allow-code-execution', 'let agents run the code blocks they are sent, on this machine')
    .addOption(
      new Option('--log-format <format>', 'log lines as text (for people) or json (one object per line)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(new Option('-q, --quiet', 'print errors only').conflicts('verbose'))
    .option('--verbose', 'print more: debug lines, stack traces')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: Record<string, unknown>) => {
      state.onStdoutGone = 'ignore';
      const { serve } = await import('./serve.js');
      state.exitCode = await serve(
        {
          role: 'worker',
          port: 0,
          host: '127.0.0.1',
          config: opts.config as string | undefined,
          model: opts.model as string[] | undefined,
          filter: opts.filter as Array<[string, string]> | undefined,
          onConnect: opts.onConnect as string | undefined,
          demo: opts.demo === true,
          level: opts.quiet ? 'quiet' : opts.verbose ? 'verbose' : 'normal',
          color: opts.color !== false,
          logFormat: opts.logFormat as 'text' | 'json',
          metrics: false,
          maxSessions: opts.maxSessions as number | undefined,
          inputTimeout: opts.inputTimeout as number | undefined,
          inputTimeoutAction: opts.inputTimeoutAction as 'end' | 'empty',
          web: false,
          shutdownGrace: 5,
          resumeWindow: opts.resumeWindow as number | undefined,
          store: opts.store as string | undefined,
          allowCodeExecution: opts.allowCodeExecution === true,
        },
        io,
      );
    });

  program
    .command('connect')
    .description('talk to an agentws server from the terminal or a script')
    .argument('[url]', 'server address: ws://host:port or host:port', DEFAULT_URL)
    .argument('[message]', 'first message (default: first line of standard input, else a prompt)')
    .option('-t, --timeout <seconds>', 'give up after this long without a frame from the server; 0 never', seconds, 120)
    .option('--json', 'print every event as one JSON object per line (for jq)')
    .option('--token <token>', "the server's token, sent as Authorization: Bearer (default: $AGENTWS_TOKEN)")
    .option('-i, --interactive', 'prompt for answers and follow-up messages as at a terminal, even from a pipe')
    .option('--no-reconnect', 'do not resume the session when the connection drops (exit 12 instead)')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', CONNECT_EXAMPLES + '\n' + EXIT_CODES_HELP)
    .action(async (url: string, message: string | undefined, opts: Record<string, unknown>) => {
      const { connect } = await import('./connect.js');
      state.exitCode = await connect(
        {
          url,
          message,
          timeout: opts.timeout as number,
          json: opts.json === true,
          color: opts.color !== false,
          token: (opts.token as string | undefined) ?? (io.env.AGENTWS_TOKEN || undefined),
          reconnect: opts.reconnect !== false,
          interactive: opts.interactive === true,
        },
        io,
      );
    });

  return program;
}
