/** The resume phase's target names (the report looks its rows up by them). */
export const RESUME_TARGETS = {
  relay: 'JSON relay, session log on ÷ --resume-window 0',
  replay: 'resume of ~10,000 logged events: resume frame → last replayed event p50 (ms)',
  live: 'server memory per live session, log on, RSS after a full GC (KiB)',
  detached: 'server memory per detached session, JS heap after a full GC (KiB)',
};

/** The store phase's target names. */
export const STORE_TARGETS = {
  relay: 'JSON relay, Redis store ÷ memory store',
  replay: 'resume through another instance, ~10,000 logged events: resume frame → last replayed event p50 (ms)',
  takeover: 'takeover after kill -9: kill → next live event, every repetition (ms)',
  seedErrors: 'seed sessions on Redis (one and two instances), errors',
};

/**
 * The targets for this 2-core machine, evaluated on the results that exist (a phase that did not run has no
 * target row). Each target: `{ name, value, target, met }`.
 */
export function evaluateTargets(results) {
  const targets = [];
  const add = (name, value, target, met) => targets.push({ name, value, target, met });
  const { relay, latency, concurrency, paced, cli, resume, store } = results;
  if (relay) {
    const rate = relay.agentws.text.tokensPerSec;
    add('relay tokens/s, one session (text mode)', rate, '>= 100000', rate >= 100_000);
    add('relay ÷ openai SDK alone', relay.ratios.textToSdk, '>= 0.70', relay.ratios.textToSdk >= 0.7);
  }
  if (latency) {
    const first = latency.connectToFirstTokenMs.p50;
    const terminate = latency.connectToTerminateMs.p50;
    add('warm connect → first token p50 (ms)', first, '< 5', first < 5);
    add('warm connect → TERMINATE p50 (ms)', terminate, '< 10', terminate < 10);
  }
  if (concurrency) {
    const c200 = concurrency[200];
    if (c200) add('200 concurrent sessions wall time (ms)', c200.wallMs, '< 1000', c200.wallMs < 1000);
    for (const [count, result] of Object.entries(concurrency)) {
      add(`${count} concurrent sessions, errors`, result.errors, '= 0', result.errors === 0);
    }
  }
  if (paced) {
    const { memory } = paced;
    add('server memory per live session (KiB)', memory.perSessionKiB, '< 100', memory.perSessionKiB < 100);
    const perSessionGc = memory.rssAfterGcPerSessionKiB;
    if (perSessionGc !== null) {
      add('server memory per live session, after a full GC (KiB)', perSessionGc, '< 100', perSessionGc < 100);
    }
    add('server idle RSS (MiB)', memory.idleColdMiB, '< 60', memory.idleColdMiB < 60);
    add(`${paced.sessions} paced sessions, errors`, paced.loaded.errors, '= 0', paced.loaded.errors === 0);
    const { warmGc, afterGc, liveGc, secondRound } = memory;
    if (liveGc) {
      const tenth = (from, to) => Math.max(2, Math.round((to - from) * 10) / 100);
      const mib = (value) => Math.round(value * 10) / 10;
      // After they end and a full GC, memory must come back down near where it was before them: the heap within 10%
      // of what the live sessions added (or 2 MiB), RSS within 25%; and a second round must not add to the heap.
      const heapLimit = tenth(warmGc.heapUsed, liveGc.heapUsed);
      const kept = mib(afterGc.heapUsed - warmGc.heapUsed);
      add('server heap kept after sessions end, after a full GC (MiB)', kept, `< ${heapLimit}`, kept < heapLimit);
      const rssKept = mib(afterGc.rss - warmGc.rss);
      const rssLimit = mib(Math.max(8, (liveGc.rss - warmGc.rss) / 4));
      add('server RSS kept after sessions end, after a full GC (MiB)', rssKept, `< ${rssLimit}`, rssKept < rssLimit);
      const grew = mib(secondRound.afterGc.heapUsed - afterGc.heapUsed);
      add('server heap growth over a second round, after a full GC (MiB)', grew, `< ${heapLimit}`, grew < heapLimit);
    }
    add('second round of paced sessions, errors', secondRound.errors, '= 0', secondRound.errors === 0);
  }
  if (cli) add('agentws --version (ms)', cli.versionMs, '< 150', cli.versionMs < 150);
  if (resume) {
    const { relay: logRelay, latency: replay, memory: held } = resume;
    add(RESUME_TARGETS.relay, logRelay.ratio, '>= 0.9', logRelay.ratio >= 0.9);
    const p50 = replay.toLastReplayedMs.p50;
    add(RESUME_TARGETS.replay, p50, '< 50', p50 < 50);
    const live = held.logOn.live?.rssKiB ?? null;
    add(RESUME_TARGETS.live, live, '< 100', live !== null && live < 100);
    const detached = held.logOn.detached?.heapKiB ?? null;
    add(RESUME_TARGETS.detached, detached, '< 100', detached !== null && detached < 100);
  }
  if (store) {
    add(STORE_TARGETS.relay, store.relay.ratio, '>= 0.5', store.relay.ratio >= 0.5);
    const p50 = store.resume.fromStart.toLastReplayedMs.p50;
    add(STORE_TARGETS.replay, p50, '< 200', p50 < 200);
    const worst = store.takeover.maxToLiveEventMs;
    add(STORE_TARGETS.takeover, worst, '< 5000', worst < 5000);
    const errors = store.seed.one.errors + store.seed.two.errors;
    add(STORE_TARGETS.seedErrors, errors, '= 0', errors === 0);
  }
  return targets;
}

/** Phases during which other programs kept the machine busy (their figures understate agentws). */
export function noisyPhases(results) {
  const noisy = [];
  const check = (name, others) => {
    if (others !== null && others !== undefined && others > 15) noisy.push(`${name} (${others}% of a core)`);
  };
  check('relay', results.relay?.othersCpuPercent);
  check('latency', results.latency?.othersCpuPercent);
  for (const [count, r] of Object.entries(results.concurrency ?? {}))
    check(`concurrency ${count}`, r.cpuPercent?.others);
  check('paced', results.paced?.loaded.cpuPercent?.others);
  check('resume relay', results.resume?.relay.othersCpuPercent);
  check('resume latency', results.resume?.latency.othersCpuPercent);
  check('store relay', results.store?.relay.othersCpuPercent);
  check('store seed sessions', results.store?.seed.othersCpuPercent);
  check('store resume', results.store?.resume.othersCpuPercent);
  return noisy;
}
