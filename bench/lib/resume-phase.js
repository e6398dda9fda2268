import { setTimeout as sleep } from 'node:timers/promises';
import { cpuProbe, rssMiB, runLoad } from './children.js';
import { connectInspector } from './inspector.js';
import { MESSAGE } from './phases.js';
import { startServe } from './servers.js';
import { round } from './stats.js';

/**
 * 6. Resume: what the session log costs, and how fast a dropped client gets its session back (JSON mode; the issue's
 * section 7). Three parts, each with its own `agentws serve`:
 * - relay with the session log on (the default) ÷ the same build with `--resume-window 0` (no log), interleaved;
 * - resume of a session whose log holds 10,000 events: resume frame → the last replayed event;
 * - memory per live and per detached session (and per ended session kept for a late resume) after a 200-token seed
 *   run, from full-GC figures read through node's inspector, as in the memory phase.
 */
export async function resumePhase(ctx) {
  const relay = await relayWithLog(ctx);
  const latency = await resumeLatency(ctx);
  const memory = await resumeMemory(ctx);
  return { relay, latency, memory };
}

const WINDOW_0 = ['--resume-window', '0'];
/** How long held sessions sit before they are measured: past the model connections' keep-alive (see heldMemory). */
const HELD_SETTLE_MS = 6_000;
/**
 * Held sessions are opened this many at a time, as sessions arrive over time: a burst of 1,000 seed runs at once
 * leaves its peak in RSS (freed memory the allocator keeps), which would be counted as memory the held sessions keep.
 * The concurrency and memory phases measure bursts.
 */
const HELD_AT_ONCE = 50;

/** JSON-mode relay of one 20,000-token reply: the default server (log on) and one with --resume-window 0, in turns. */
async function relayWithLog(ctx) {
  const tokens = 20_000;
  const model = `bench-${tokens}`;
  const runs = ctx.quick ? 5 : 15;
  const warmup = ctx.quick ? 1 : 3;
  const [on, off] = await Promise.all([
    startServe({ baseURL: ctx.fake.fast, model, nodeOptions: ctx.serveNode('resume-log-on') }),
    startServe({ baseURL: ctx.fake.fast, model, nodeOptions: ctx.serveNode('resume-log-off'), args: WINDOW_0 }),
  ]);
  try {
    ctx.log(`resume: JSON relay of ${tokens} tokens, log on vs --resume-window 0, ${runs} rounds in turns`);
    const probe = cpuProbe([on.pid, off.pid, ctx.fake.pid]);
    const result = await runLoad(
      'relay-interleaved',
      { uris: [on.uri, off.uri], message: MESSAGE, mode: 'json', runs, warmup, expectTokens: tokens },
      { timeoutMs: 120_000 },
    );
    const cpu = probe(result.clientCpuMs);
    const [logOn, logOff] = result.servers;
    const sorted = [...result.pairRatios].sort((a, b) => a - b);
    // Each server works only during its own runs: its CPU time per token depends less on other programs than rates.
    const perThousand = (ms) => (ms === null ? null : round(ms / (((warmup + runs) * tokens) / 1000), 2));
    const cpuOn = perThousand(cpu.ms[0]);
    const cpuOff = perThousand(cpu.ms[1]);
    return {
      tokens,
      runs,
      logOn: { tokensPerSec: logOn.tokensPerSec, runs: logOn.runs, cpuMsPer1000Tokens: cpuOn },
      logOff: { tokensPerSec: logOff.tokensPerSec, runs: logOff.runs, cpuMsPer1000Tokens: cpuOff },
      ratio: round(logOn.tokensPerSec / logOff.tokensPerSec, 3),
      cpuRatio: cpuOn === null || cpuOff === null ? null : round(cpuOn / cpuOff, 3),
      pairRatios: result.pairRatios,
      medianPairRatio: sorted[Math.floor(sorted.length / 2)],
      othersCpuPercent: cpu.others,
    };
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
}

/** A session whose log holds about 10,000 events, dropped, resumed after 0: resume frame → last replayed event. */
async function resumeLatency(ctx) {
  const tokens = 10_000;
  const runs = ctx.quick ? 3 : 9;
  const warmup = ctx.quick ? 1 : 2;
  const serve = await startServe({
    baseURL: ctx.fake.fast,
    model: `bench-${tokens}`,
    nodeOptions: ctx.serveNode('resume-latency'),
  });
  try {
    ctx.log(`resume: ${runs} resumes (after ${warmup} warm-up) of a ${tokens}-token run, replayed from event 1`);
    const probe = cpuProbe([serve.pid, ctx.fake.pid]);
    const result = await runLoad(
      'resume-latency',
      { uri: serve.uri, message: MESSAGE, runs, warmup, expectTokens: tokens },
      { timeoutMs: 120_000 },
    );
    result.othersCpuPercent = probe(result.clientCpuMs).others;
    return { tokens, ...result };
  } finally {
    await serve.stop();
  }
}

/**
 * Holds `count` sessions at their follow-up request and measures the server after full GCs: before them (after a
 * warm-up), with them live (connected), detached (every connection dropped, within the window) and ended (resumed
 * and ended with an empty answer: their logs are kept one more window for a late resume). Then the same live figure
 * on a server with --resume-window 0 (no log): what the log adds.
 */
async function resumeMemory(ctx) {
  const count = ctx.quick ? 200 : 1_000;
  ctx.log(
    `resume: memory of ${count} sessions held after a 200-token seed run (${HELD_AT_ONCE} at a time): ` +
      'live, detached, ended',
  );
  const logOn = await heldMemory(ctx, count, [], ['drop', 'resume-end']);
  ctx.log(`resume: memory of ${count} live sessions with --resume-window 0 (no log)`);
  const logOff = await heldMemory(ctx, count, WINDOW_0, ['end']);
  return { sessions: count, atOnce: HELD_AT_ONCE, settleMs: HELD_SETTLE_MS, logOn, logOff };
}

/**
 * One server, one round of `count` held sessions. `steps` are the hold scenario's commands after `held`; a full GC
 * is taken when the sessions have been held for HELD_SETTLE_MS and after each step (1 s later, for the server to see
 * the drops and closes).
 */
async function heldMemory(ctx, count, args, steps) {
  const serve = await startServe({
    baseURL: ctx.fake.fast,
    model: 'bench-200',
    nodeOptions: ctx.serveNode(args.length > 0 ? 'resume-memory-off' : 'resume-memory'),
    inspect: true,
    args,
  });
  const inspector = await connectInspector(serve.inspectorUrl);
  try {
    await sleep(1_000);
    const idleMiB = rssMiB(serve.pid);
    const seed = { uri: serve.uri, message: MESSAGE, mode: 'json', expectTokens: 200 };
    const warm = await runLoad('sessions', { ...seed, count: 20, parallel: true }, { timeoutMs: 60_000 });
    if (warm.errors > 0) throw new Error(`warm-up: ${JSON.stringify(warm.errorKinds)}`);
    await sleep(1_000);
    const base = await inspector.collect();
    const baseRssMiB = rssMiB(serve.pid);
    const figures = {};
    const names = { held: 'live', dropped: 'detached', ended: 'ended' };
    let failure;
    let heldRssMiB = null;
    let chain = Promise.resolve();
    const pending = [...steps];
    const result = await runLoad(
      'hold',
      { uri: serve.uri, message: MESSAGE, count, atOnce: HELD_AT_ONCE, expectTokens: 200 },
      {
        timeoutMs: 120_000,
        onProgress: (message, send) => {
          chain = chain.then(async () => {
            try {
              // Held: the run's model connection idles in the HTTP client's keep-alive pool for a few seconds (the
              // fake model's 5 s keep-alive), then closes; a session waiting for a person's next message holds none.
              await sleep(message.event === 'held' ? HELD_SETTLE_MS : 1_000);
              if (message.event === 'held') heldRssMiB = rssMiB(serve.pid);
              figures[names[message.event]] = await inspector.collect();
            } catch (error) {
              failure ??= error;
            }
            send(failure === undefined && pending.length > 0 ? pending.shift() : 'done');
          });
        },
      },
    );
    await chain;
    if (failure) throw failure;
    if (result.errors > 0) throw new Error(`held sessions: ${JSON.stringify(result.errorKinds)}`);
    const held = result.held;
    const perSession = (figure, key) => (figure ? round(((figure[key] - base[key]) * 1024) / held, 1) : null);
    const state = (figure) =>
      figure && {
        ...figure,
        rssKiB: perSession(figure, 'rss'),
        heapKiB: perSession(figure, 'heapUsed'),
        heapTotalKiB: perSession(figure, 'heapTotal'),
        externalKiB: perSession(figure, 'external'),
      };
    return {
      held,
      eventsPerSession: result.eventsPerSession,
      idleMiB: round(idleMiB, 1),
      heldRssMiB: round(heldRssMiB, 1),
      rssAsSampledKiB:
        heldRssMiB === null || baseRssMiB === null ? null : round(((heldRssMiB - baseRssMiB) * 1024) / held, 1),
      base,
      live: state(figures.live),
      detached: state(figures.detached) ?? null,
      ended: state(figures.ended) ?? null,
    };
  } finally {
    inspector.close();
    await serve.stop();
  }
}
