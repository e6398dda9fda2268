/**
 * agentws's benchmark: `npm run bench` (builds, then `node bench/run.js`). See bench/README.md.
 *
 *   node bench/run.js [--quick] [--json] [--only relay,latency,concurrency,paced,cli,resume,store] [--paced-ms 20]
 *                     [--profile] [--strict] [--agentws <path/to/bin/agentws.js>] [--wait-idle <seconds>]
 *                     [--baseline <path/to/other/bin/agentws.js>]
 *
 * Starts the fake model, `agentws serve` and the load clients as separate processes on 127.0.0.1, runs each phase
 * with its own time limit, prints a table (or, with --json, the JSON report on stdout) and writes the JSON report to
 * bench/results/. Progress goes to stderr. Exit code: 0 when every phase ran (targets may be missed: see the
 * table), 1 when a phase failed, or with --strict when a target was missed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentwsBin, backgroundCpu, FD_LIMIT, ROOT } from './lib/children.js';
import { timeConnect, timeNodeAlone, timeVersion } from './lib/cli-timing.js';
import { pacedPhase } from './lib/paced-phase.js';
import { cliPhase, concurrencyPhase, latencyPhase, relayPhase } from './lib/phases.js';
import { formatReport } from './lib/report.js';
import { resumePhase } from './lib/resume-phase.js';
import { storePhase } from './lib/store-phase.js';
import { evaluateTargets } from './lib/targets.js';
import { startFakeModel, startServe } from './lib/servers.js';

const PHASES = ['relay', 'latency', 'concurrency', 'paced', 'cli', 'resume', 'store'];
/** The whole run stops here whatever happens (a full run takes about two and a half minutes). */
const RUN_LIMIT_MS = 9 * 60_000;

function parseArgs(argv) {
  const options = { quick: false, json: false, only: PHASES, pacedMs: 20, profile: false, strict: false, waitIdleS: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--strict') options.strict = true;
    else if (arg === '--only') options.only = String(argv[++i] ?? '').split(',');
    else if (arg === '--paced-ms') options.pacedMs = Number(argv[++i]);
    else if (arg === '--agentws') options.agentws = resolve(String(argv[++i]));
    else if (arg === '--baseline') options.baseline = resolve(String(argv[++i]));
    else if (arg === '--wait-idle') options.waitIdleS = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown option ${arg} (see --help)\n`);
      process.exit(2);
    }
  }
  const unknown = options.only.filter((phase) => !PHASES.includes(phase));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown phase ${unknown.join(', ')}; phases are ${PHASES.join(', ')}\n`);
    process.exit(2);
  }
  if (!(options.pacedMs > 0)) {
    process.stderr.write('bench: --paced-ms must be a positive number of milliseconds\n');
    process.exit(2);
  }
  return options;
}

function machine() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch {
    // Not a git checkout: the report says so.
  }
  return {
    agentws: pkg.version,
    date: new Date().toISOString(),
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.platform()} ${os.release()}`,
    fdLimit: FD_LIMIT,
    loadAverage: loadAtStart,
    otherProgramsCpuPercentAtStart: busyAtStart,
    agentwsBin: agentwsBin(),
    commit,
  };
}

const options = parseArgs(process.argv.slice(2));
if (options.agentws !== undefined) {
  if (!existsSync(options.agentws)) {
    process.stderr.write(`bench: --agentws ${options.agentws}: no such file\n`);
    process.exit(2);
  }
  process.env.AGENTWS_BENCH_BIN = options.agentws;
}
if (options.baseline !== undefined && !existsSync(options.baseline)) {
  process.stderr.write(`bench: --baseline ${options.baseline}: no such file\n`);
  process.exit(2);
}
const log = (message) => process.stderr.write(`bench: ${message}\n`);
for (const file of ['dist/cli/main.js', 'dist/testing/index.js']) {
  if (!existsSync(join(ROOT, file))) {
    process.stderr.write(`bench: ${file} is missing: run \`npm run build\` first (npm run bench does).\n`);
    process.exit(1);
  }
}
const deadline = setTimeout(() => {
  process.stderr.write(`bench: the run passed ${RUN_LIMIT_MS / 60_000} minutes; stopping.\n`);
  process.exit(1);
}, RUN_LIMIT_MS);
deadline.unref();

const profileDir = join(ROOT, 'bench', 'results', 'profiles');
const ctx = {
  quick: options.quick,
  pacedMs: options.pacedMs,
  /** Another build's bin/agentws.js, measured beside this one in the relay phase's tracing rounds. */
  baseline: options.baseline,
  log,
  fake: undefined,
  /** node options for an `agentws serve` child: with --profile, a CPU profile per server. */
  serveNode: (name) =>
    options.profile
      ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `serve-${name}-${process.pid}.cpuprofile`]
      : [],
};

const loadAtStart = os.loadavg()[0].toFixed(2);
/** Other programs' CPU before the run: wait (up to --wait-idle seconds) until they leave the machine alone. */
let busyAtStart = await backgroundCpu();
const idleBy = performance.now() + options.waitIdleS * 1000;
while (busyAtStart > 15 && performance.now() < idleBy) {
  log(`other programs are using ${busyAtStart}% of a core; waiting for the machine to be idle`);
  await sleep(4_000);
  busyAtStart = await backgroundCpu();
}
const results = {};
const failures = [];
const started = performance.now();
const fake = await startFakeModel({ pacedMs: options.pacedMs });
ctx.fake = fake;
const wants = (phase) => options.only.includes(phase);
const attempt = async (phase, run) => {
  try {
    results[phase] = await run();
  } catch (error) {
    failures.push({ phase, error: error instanceof Error ? error.message : String(error) });
    log(`${phase} FAILED: ${failures.at(-1).error}`);
  }
};
try {
  if (wants('relay')) await attempt('relay', () => relayPhase(ctx));
  if (wants('latency') || wants('concurrency') || wants('cli')) {
    const serve = await startServe({ baseURL: fake.fast, model: 'bench-200', nodeOptions: ctx.serveNode('seed') });
    try {
      if (wants('latency')) await attempt('latency', () => latencyPhase(ctx, serve));
      if (wants('concurrency')) await attempt('concurrency', () => concurrencyPhase(ctx, serve));
      if (wants('cli')) await attempt('cli', () => cliPhase(ctx, serve, { timeVersion, timeConnect, timeNodeAlone }));
    } finally {
      await serve.stop();
    }
  }
  if (wants('paced')) await attempt('paced', () => pacedPhase(ctx));
  if (wants('resume')) await attempt('resume', () => resumePhase(ctx));
  if (wants('store')) await attempt('store', () => storePhase(ctx));
} finally {
  await fake.stop();
}

const report = {
  mode: options.quick ? 'quick' : 'full',
  machine: machine(),
  durationS: Math.round((performance.now() - started) / 1000),
  results,
  targets: evaluateTargets(results),
  failures,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const file = join(ROOT, 'bench', 'results', `bench-${report.machine.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else process.stdout.write(formatReport(report) + `JSON report: ${file}\n`);
if (options.profile)
  log(`CPU profiles of the servers: ${profileDir} (summarise one: node bench/profile-summary.js <file>)`);
const missed = report.targets.some((target) => !target.met);
process.exit(failures.length > 0 || (options.strict && missed) ? 1 : 0);
